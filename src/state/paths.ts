// Where podrun keeps things. Runtime state lives under the state root (default
// /run/podrun, or --root / PODRUN_ROOT); what outlives a reboot (the image store, the
// tarball cache, seccomp profiles) under the persistent root, /var/lib/podrun for the
// default state root and the state root itself otherwise, so that independent roots
// (parallel test runs) never share anything.
import { join, resolve } from 'node:path';

export const DEFAULT_ROOT = '/run/podrun';

export function resolveRoot(flag?: string): string {
  return resolve(flag || process.env.PODRUN_ROOT || DEFAULT_ROOT);
}

export class StatePaths {
  constructor(readonly root: string) {}
  get podsDir(): string {
    return join(this.root, 'pods');
  }
  get persistentRoot(): string {
    return this.root === DEFAULT_ROOT ? '/var/lib/podrun' : this.root;
  }
  /** The content-addressed image store (src/image/store). */
  get imageStore(): string {
    return join(this.persistentRoot, 'images');
  }
  /** Root filesystem tarballs given as paths, extracted once (src/image/resolve.ts). */
  get imageCache(): string {
    return join(this.persistentRoot, 'tarballs');
  }
  /** Where Localhost seccomp profiles are, as the kubelet's ROOT/seccomp. */
  get seccompDir(): string {
    return this.root === DEFAULT_ROOT ? '/var/lib/podrun/seccomp' : join(this.root, 'seccomp');
  }
  get socket(): string {
    return join(this.root, 'supervisor.sock');
  }
  get supervisorLock(): string {
    return join(this.root, 'supervisor.lock');
  }
  get supervisorPid(): string {
    return join(this.root, 'supervisor.pid');
  }
  get supervisorLog(): string {
    return join(this.root, 'supervisor.log');
  }
  pod(name: string): PodPaths {
    return new PodPaths(join(this.podsDir, name));
  }
}

export class PodPaths {
  constructor(readonly dir: string) {}
  get record(): string {
    return join(this.dir, 'pod.json');
  }
  get nsDir(): string {
    return join(this.dir, 'ns');
  }
  ns(type: 'net' | 'ipc' | 'uts'): string {
    return join(this.dir, 'ns', type);
  }
  /** The state root this pod directory is in (ROOT/pods/NAME). */
  get stateDir(): string {
    return join(this.dir, '..', '..');
  }
  /** The pod network's plan (src/net), written before the network is made. */
  get network(): string {
    return join(this.dir, 'network.json');
  }
  /** The hostPort rules about to be added (the host-ports step). */
  get hostPorts(): string {
    return join(this.dir, 'host-ports.json');
  }
  get shm(): string {
    return join(this.dir, 'shm');
  }
  get etcDir(): string {
    return join(this.dir, 'etc');
  }
  get volumesDir(): string {
    return join(this.dir, 'volumes');
  }
  volume(name: string): string {
    return join(this.dir, 'volumes', name);
  }
  get logsDir(): string {
    return join(this.dir, 'logs');
  }
  /** The pod's events, one JSON object per line (src/events). */
  get events(): string {
    return join(this.dir, 'events.jsonl');
  }
  containerLog(name: string, restartCount: number): string {
    return join(this.dir, 'logs', name, `${restartCount}.log`);
  }
  container(name: string): ContainerPaths {
    return new ContainerPaths(join(this.dir, 'containers', name));
  }
  get containersDir(): string {
    return join(this.dir, 'containers');
  }
}

export class ContainerPaths {
  constructor(readonly dir: string) {}
  get rootfs(): string {
    return join(this.dir, 'rootfs');
  }
  get upper(): string {
    return join(this.dir, 'upper');
  }
  get work(): string {
    return join(this.dir, 'work');
  }
  get config(): string {
    return join(this.dir, 'init.json');
  }
  fifo(stream: 'stdin' | 'stdout' | 'stderr'): string {
    return join(this.dir, `${stream}.fifo`);
  }
}
