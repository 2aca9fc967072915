// cgroup v2 driven through its files. Works on pure v2 hosts (/sys/fs/cgroup) and on
// hybrid ones (/sys/fs/cgroup/unified, no controllers: used for tracking and kill only).
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmdirSync, statfsSync, write, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readMountInfo } from '../kernel/mountinfo.js';
import { asPodrunError, PodrunError, SyscallError } from '../util/errors.js';
import { sleepSync } from '../util/sleep-sync.js';

let mountCache: string | undefined;

const CGROUP2_SUPER_MAGIC = 0x63677270;
// Where pure v2 and hybrid hosts mount it. Checked first with statfs because parsing
// mountinfo costs every `podrun exec` 1-2 ms, and with many pods enough garbage for a
// ~4 ms young-generation GC (bench/README.md).
const USUAL_MOUNTS = ['/sys/fs/cgroup', '/sys/fs/cgroup/unified'];

/** The cgroup2 mount point: a usual place, or else the first one in mountinfo. */
export function cgroup2Mount(): string {
  if (mountCache) return mountCache;
  for (const p of USUAL_MOUNTS) {
    try {
      if (statfsSync(p).type === CGROUP2_SUPER_MAGIC) return (mountCache = p);
    } catch {
      /* not there: next */
    }
  }
  const m = readMountInfo().find((e) => e.fsType === 'cgroup2');
  if (!m) throw new PodrunError('no cgroup2 filesystem is mounted (looked in /proc/self/mountinfo)');
  mountCache = m.mountPoint;
  return mountCache;
}

/** The cgroup2 path (absolute, under the mount) of a process. */
export function cgroupOf(pid: number | 'self'): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('0::'));
  return join(cgroup2Mount(), line ? line.slice(3) : '/');
}

export function createCgroup(path: string): void {
  mkdirSync(path, { recursive: true });
}

/** Moves a process (0 = the caller) into the cgroup. */
export function joinCgroup(path: string, pid: number | 0 = 0): void {
  writeFileSync(join(path, 'cgroup.procs'), String(pid));
}

/**
 * An open cgroup.procs of the cgroup, for moving the caller there later with
 * joinCgroupFd: the kernel checks such a move against the opener's credentials (Linux
 * 5.16+), so it still works after the caller gave up its privileges.
 */
export function openCgroupProcs(path: string): number {
  return openSync(join(path, 'cgroup.procs'), 'w');
}

/** Moves the caller into the cgroup whose cgroup.procs `fd` is (openCgroupProcs). */
export function joinCgroupFd(fd: number): void {
  writeSync(fd, '0');
}

/**
 * Moves the calling process into the cgroup from a libuv thread ("0" is the writer's
 * whole thread group), resolving once it is there, so that the caller's thread can work
 * meanwhile. The first move after a quiet spell waits for an RCU grace period (the kernel's
 * cgroup_threadgroup_rwsem), 8-20 ms on a 2-CPU VM; the path is resolved now, by the caller.
 */
export function joinCgroupInBackground(path: string): Promise<void> {
  const file = join(path, 'cgroup.procs');
  const fd = openSync(file, 'w');
  return new Promise((resolve, reject) => {
    write(fd, '0', (err) => {
      closeSync(fd);
      if (err) reject(new SyscallError('write', Math.abs(err.errno ?? 0), file));
      else resolve();
    });
  });
}

export function cgroupPids(path: string): number[] {
  try {
    return readFileSync(join(path, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** All pids in the cgroup and its descendants. */
export function cgroupPidsRecursive(path: string): number[] {
  const out = cgroupPids(path);
  for (const child of subCgroups(path)) out.push(...cgroupPidsRecursive(child));
  return out;
}

function subCgroups(path: string): string[] {
  try {
    return readdirSync(path, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => join(path, d.name));
  } catch {
    return [];
  }
}

export function isPopulated(path: string): boolean {
  try {
    return /populated 1/.test(readFileSync(join(path, 'cgroup.events'), 'utf8'));
  } catch {
    return false;
  }
}

/** SIGKILLs every process in the cgroup subtree (cgroup.kill, or one by one on old kernels). */
export function killCgroup(path: string): void {
  if (!existsSync(path)) return;
  const killFile = join(path, 'cgroup.kill');
  if (existsSync(killFile)) {
    writeFileSync(killFile, '1');
    return;
  }
  for (const pid of cgroupPidsRecursive(path)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/**
 * Removes the cgroup and its descendants, killing what is left inside. rmdir can fail
 * with EBUSY for a moment after the last process died, so it retries for a bounded time.
 */
export function removeCgroup(path: string, timeoutMs = 5000): void {
  if (!existsSync(path)) return;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      removeTree(path);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      // Node's error names the call, errno and the directory that failed (maybe a child).
      if (code !== 'EBUSY' || Date.now() > deadline) throw asPodrunError(e);
      killCgroup(path);
      sleepSync(10);
    }
  }
}

function removeTree(path: string): void {
  for (const child of subCgroups(path)) removeTree(child);
  try {
    rmdirSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
