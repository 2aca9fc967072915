// What this podrun build and this host support (`podrun info`, GET /v1/info), in the spirit
// of `runc features` and `podman info`: a program checks it before it relies on a feature.
// Everything here is read from the running system; nothing needs a supervisor or root.
import { readFileSync } from 'node:fs';
import { machine, release } from 'node:os';
import { cgroup2Mount } from '../cgroup/cgroup2.js';
import { readMountInfo, type MountEntry } from '../kernel/mountinfo.js';
import { LIFECYCLE_HANDLERS, PROBE_HANDLERS } from '../manifest/probes.js';
import { podrunVersion } from './version.js';

/**
 * unified: cgroup v2 only. hybrid: cgroup v2 beside v1 hierarchies, which hold the
 * controllers. legacy: v1 only, none: no cgroups; podrun needs a cgroup2 mount.
 */
export type CgroupMode = 'unified' | 'hybrid' | 'legacy' | 'none';

export interface PodrunFeatures {
  /** The exit status of a re-adopted container, read through its pidfd (PIDFD_GET_INFO, kernel 6.15+). */
  pidfdExitStatus: boolean;
  /** overlayfs in /proc/filesystems: container roots are overlays over their image. */
  overlayfs: boolean;
  /** cgroup.kill (kernel 5.14+); without it a pod's processes are killed one by one. */
  cgroupKill: boolean;
  /** The probe handlers the manifest accepts. */
  probes: string[];
  /** The lifecycle (postStart, preStop) handlers the manifest accepts. */
  lifecycleHooks: string[];
  /** What `image:` may name: a root filesystem directory or a tar archive of one. */
  rootfs: string[];
  /** Capability sets, no_new_privs, masked and read-only paths, privileged (container hardening): built. */
  capabilities: boolean;
  // Not built yet: false until podrun supports them.
  /** Pod networking beyond loopback (pod IPs, a bridge): built. */
  networking: boolean;
  seccomp: boolean;
  /** Named images from the content-addressed store (import, list, inspect, rm; pull when wired). */
  images: boolean;
  /** resources.limits and requests. */
  resourceLimits: boolean;
  /** exec -t, tty and stdin containers, attach: built. */
  terminals: boolean;
}

export interface PodrunInfo {
  version: string;
  /** The Node.js version podrun runs on. */
  node: string;
  /** uname -r. */
  kernel: string;
  /** uname -m. */
  arch: string;
  cgroup: {
    mode: CgroupMode;
    /** The cgroup2 mount podrun uses; absent without one. */
    mount?: string;
    /** The controllers the cgroup2 root offers (its cgroup.controllers). */
    controllers: string[];
  };
  stateRoot: string;
  features: PodrunFeatures;
}

export function cgroupMode(mounts: MountEntry[]): CgroupMode {
  const v2 = mounts.some((m) => m.fsType === 'cgroup2');
  const v1 = mounts.some((m) => m.fsType === 'cgroup');
  return v2 ? (v1 ? 'hybrid' : 'unified') : v1 ? 'legacy' : 'none';
}

/** Whether a kernel release ("6.18.44-fc") is at least major.minor. */
export function kernelAtLeast(kernelRelease: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(kernelRelease);
  if (!m) return false;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj > major || (maj === major && min >= minor);
}

function cgroupInfo(): PodrunInfo['cgroup'] {
  const mode = cgroupMode(readMountInfo());
  if (mode === 'legacy' || mode === 'none') return { mode, controllers: [] };
  const mount = cgroup2Mount();
  const controllers = readFileSync(`${mount}/cgroup.controllers`, 'utf8').split(/\s+/).filter(Boolean);
  return { mode, mount, controllers };
}

export function hostInfo(stateRoot: string): PodrunInfo {
  const kernel = release();
  const cgroup = cgroupInfo();
  return {
    version: podrunVersion(),
    node: process.version,
    kernel,
    arch: machine(),
    cgroup,
    stateRoot,
    features: {
      pidfdExitStatus: kernelAtLeast(kernel, 6, 15),
      overlayfs: /\soverlay$/m.test(readFileSync('/proc/filesystems', 'utf8')),
      cgroupKill: cgroup.mount !== undefined && kernelAtLeast(kernel, 5, 14),
      probes: [...PROBE_HANDLERS],
      lifecycleHooks: [...LIFECYCLE_HANDLERS],
      rootfs: ['directory', 'tarball'],
      capabilities: true,
      networking: true,
      seccomp: true,
      images: true,
      // Built; held here only where the cgroup2 root offers the controllers limits need.
      resourceLimits: ['memory', 'cpu', 'pids'].every((c) => cgroup.controllers.includes(c)),
      terminals: true,
    },
  };
}
