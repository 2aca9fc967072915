// The pod sandbox: net/IPC/UTS namespaces pinned by bind mounts, hostname, loopback,
// /dev/shm, volumes, /etc files, the pod cgroup and the pause holder. Every step is
// undone by destroySandbox, which works from what is on disk and in the kernel, so it
// also finishes the job after a crash at any point.
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MS, linkUp, mount, sethostname } from '../../native-bindings/libc.js';
import { cgroup2Mount, createCgroup, joinCgroup, killCgroup, removeCgroup, isPopulated } from '../cgroup/cgroup2.js';
import { mountsUnder, unmountAllUnder } from '../kernel/mountinfo.js';
import { withNamespaces } from '../kernel/namespaces.js';
import { readProcStat } from '../kernel/procfs.js';
import type { PodPaths } from '../state/paths.js';
import type { SandboxRecord } from '../state/records.js';
import type { Pod } from '../model/pod.js';
import { InvalidInputError, PodrunError } from '../util/errors.js';
import { sleepSync } from '../util/sleep-sync.js';
import { hostsFile, resolvConf } from './hosts-files.js';
import { podHostname } from '../model/names.js';
import { parseQuantity } from '../model/quantity.js';

const SHM_SIZE = '64m'; // containerd's default for a sandbox's /dev/shm

export function podCgroupPath(uid: string): string {
  return join(cgroup2Mount(), 'podrun', `pod-${uid}`);
}

function findPauseBinary(): string {
  for (const p of ['/usr/bin/catatonit', '/usr/libexec/podman/catatonit', '/usr/local/bin/catatonit']) {
    if (existsSync(p)) return p;
  }
  throw new PodrunError('the pause holder catatonit is not installed (apt-get install catatonit)');
}

function prepareVolumes(pod: Pod, paths: PodPaths): void {
  mkdirSync(paths.volumesDir, { recursive: true });
  pod.spec.volumes.forEach((v, i) => {
    const field = `spec.volumes[${i}]`;
    if (v.hostPath) {
      checkHostPath(v.hostPath.path, v.hostPath.type, `${field}.hostPath`);
      return;
    }
    const dir = paths.volume(v.name);
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777); // emptyDir is world-writable, as the kubelet makes it
    if (v.emptyDir?.medium === 'Memory') {
      const size = v.emptyDir.sizeLimit ? `,size=${parseQuantity(v.emptyDir.sizeLimit)}` : '';
      mount('tmpfs', dir, 'tmpfs', MS.NOSUID | MS.NODEV, `mode=1777${size}`);
    }
  });
}

function checkHostPath(path: string, type: string, field: string): void {
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(path);
  } catch {
    st = undefined;
  }
  const want = (ok: boolean, what: string) => {
    if (!ok) throw new InvalidInputError(`${field}.path`, `"${path}": ${st ? 'is not' : 'does not exist, expected'} ${what}`);
  };
  switch (type) {
    case 'DirectoryOrCreate':
      if (!st) mkdirSync(path, { recursive: true, mode: 0o755 });
      else want(st.isDirectory(), 'a directory');
      return;
    case 'FileOrCreate':
      if (!st) writeFileSync(path, '', { mode: 0o644, flag: 'wx' });
      else want(st.isFile(), 'a regular file');
      return;
    case 'Directory':
      return want(!!st?.isDirectory(), 'a directory');
    case 'File':
      return want(!!st?.isFile(), 'a regular file');
    case 'Socket':
      return want(!!st?.isSocket(), 'a socket');
    case 'CharDevice':
      return want(!!st?.isCharacterDevice(), 'a character device');
    case 'BlockDevice':
      return want(!!st?.isBlockDevice(), 'a block device');
    default:
      if (!st) throw new InvalidInputError(`${field}.path`, `"${path}": no such file or directory`);
  }
}

/** Creates the sandbox of `pod` (whose uid is set) and returns its record. */
export function createSandbox(pod: Pod, paths: PodPaths): SandboxRecord {
  const hostname = podHostname(pod);
  const cgroup = podCgroupPath(pod.metadata.uid!);
  const rec: SandboxRecord = {
    state: 'creating',
    cgroup,
    hostname,
    namespaces: { net: paths.ns('net'), ipc: paths.ns('ipc'), uts: paths.ns('uts') },
  };
  // The pin directory is its own private mount, so container mount namespaces
  // never receive propagated copies of the pins (which would keep namespaces alive).
  mkdirSync(paths.nsDir, { recursive: true });
  mount(paths.nsDir, paths.nsDir, null, MS.BIND);
  mount(null, paths.nsDir, null, MS.PRIVATE);
  for (const t of ['net', 'ipc', 'uts'] as const) closeSync(openSync(paths.ns(t), 'w'));

  withNamespaces({ create: ['net', 'ipc', 'uts'] }, () => {
    sethostname(hostname);
    linkUp('lo');
    for (const t of ['net', 'ipc', 'uts'] as const) {
      mount(`/proc/thread-self/ns/${t}`, paths.ns(t), null, MS.BIND);
    }
  });

  mkdirSync(paths.shm, { recursive: true });
  mount('shm', paths.shm, 'tmpfs', MS.NOSUID | MS.NODEV | MS.NOEXEC, `mode=1777,size=${SHM_SIZE}`);

  prepareVolumes(pod, paths);

  mkdirSync(paths.etcDir, { recursive: true });
  writeFileSync(join(paths.etcDir, 'hostname'), hostname + '\n');
  writeFileSync(join(paths.etcDir, 'hosts'), hostsFile(hostname, []));
  writeFileSync(join(paths.etcDir, 'resolv.conf'), resolvConf());

  createCgroup(join(cgroup, 'pause'));
  const pause = startPauseHolder(rec);
  rec.pid = pause.pid;
  rec.pidStart = pause.pidStart;
  rec.pidNamespace = `/proc/${pause.pid}/ns/pid`;
  return rec;
}

/**
 * Starts catatonit -P inside the pod's namespaces, as PID 1 of a fresh PID namespace
 * (which containers join when shareProcessNamespace is set), and moves it to the pod's
 * pause cgroup. It has no children of its own at that moment, so nothing escapes.
 */
export function startPauseHolder(rec: SandboxRecord): { pid: number; pidStart: number } {
  const bin = findPauseBinary();
  const child = withNamespaces(
    { enter: { net: rec.namespaces.net, ipc: rec.namespaces.ipc, uts: rec.namespaces.uts }, create: ['pid'] },
    () => spawn(bin, ['-P'], { stdio: 'ignore', detached: true }),
  );
  child.on('error', () => {});
  child.unref();
  if (!child.pid) throw new PodrunError(`could not start the pause holder ${bin}`);
  joinCgroup(join(rec.cgroup, 'pause'), child.pid);
  const st = readProcStat(child.pid);
  if (!st) throw new PodrunError(`the pause holder ${bin} exited at once`);
  return { pid: child.pid, pidStart: st.startTime };
}

/** Idempotent teardown of everything createSandbox and the containers left. */
export function destroySandbox(paths: PodPaths, cgroup: string | undefined): void {
  if (cgroup && existsSync(cgroup)) {
    killCgroup(cgroup);
    const deadline = Date.now() + 5000;
    while (isPopulated(cgroup) && Date.now() < deadline) sleepSync(10);
  }
  unmountAllUnder(paths.dir);
  const left = mountsUnder(paths.dir);
  if (left.length) throw new PodrunError(`cannot unmount ${left[0]}: still mounted, refusing to delete ${paths.dir}`);
  rmSync(paths.dir, { recursive: true, force: true });
  if (cgroup) {
    removeCgroup(cgroup);
    // The shared parent goes too once the last pod has left it.
    try {
      rmdirSync(dirname(cgroup));
    } catch {
      /* other pods (or another root's pods) still live there */
    }
  }
}
