// Moving the calling thread (Node's main thread) in and out of namespaces.
// Children spawned while switched inherit the switched namespaces; everything here
// is synchronous so that no event-loop callback ever runs in a foreign namespace.
import { closeSync, openSync } from 'node:fs';
import { CLONE, setns, unshare } from '../../native-bindings/libc.js';

export type NsType = 'net' | 'ipc' | 'uts' | 'pid' | 'mnt' | 'cgroup';

export const NS_FLAG: Record<NsType, number> = {
  net: CLONE.NEWNET,
  ipc: CLONE.NEWIPC,
  uts: CLONE.NEWUTS,
  pid: CLONE.NEWPID,
  mnt: CLONE.NEWNS,
  cgroup: CLONE.NEWCGROUP,
};

// setns into a mount namespace needs a thread-private fs_struct (else EINVAL).
let fsUnshared = false;
function ensureOwnFs(): void {
  if (!fsUnshared) {
    unshare(CLONE.FS);
    fsUnshared = true;
  }
}

export interface NsSwitch {
  /** Target namespace files (pins or /proc/PID/ns/X) to enter. */
  enter?: Partial<Record<NsType, string>>;
  /** Namespaces to create fresh (unshare). `pid` affects children only. */
  create?: NsType[];
}

/**
 * Runs `fn` with the main thread switched as asked, then restores every namespace
 * (and the cwd, which a mount-namespace switch resets).
 */
export function withNamespaces<T>(sw: NsSwitch, fn: () => T): T {
  const types = new Set<NsType>([...Object.keys(sw.enter ?? {}), ...(sw.create ?? [])] as NsType[]);
  const saved = new Map<NsType, number>();
  const cwd = types.has('mnt') ? process.cwd() : undefined;
  const targets: [NsType, number, string][] = [];
  try {
    for (const t of types) saved.set(t, openSync(`/proc/thread-self/ns/${t}`, 'r'));
    // Open every target before joining any: paths may not resolve once inside a mount ns.
    for (const [t, p] of Object.entries(sw.enter ?? {}) as [NsType, string][]) {
      targets.push([t, openSync(p, 'r'), p]);
    }
    if (types.has('mnt')) ensureOwnFs();
    joinOpened(targets);
    if (sw.create?.length) {
      let flags = 0;
      for (const t of sw.create) flags |= NS_FLAG[t];
      unshare(flags);
    }
    return fn();
  } finally {
    for (const [t, fd] of saved) {
      setns(fd, NS_FLAG[t], `/proc/thread-self/ns/${t} (restore)`);
    }
    if (cwd !== undefined) process.chdir(cwd);
    for (const fd of saved.values()) closeSync(fd);
    for (const [, fd] of targets) closeSync(fd);
  }
}

/** setns into each opened target, in order (a mount namespace needs a thread-private fs first). */
function joinOpened(targets: readonly [NsType, number, string][]): void {
  if (targets.some(([t]) => t === 'mnt')) ensureOwnFs();
  for (const [t, fd, p] of targets) setns(fd, NS_FLAG[t], p);
}

/**
 * Moves the main thread into the namespaces for good: for a process that never comes
 * back (it is about to give up the privileges a return would need), such as `podrun exec`
 * once it enters a container.
 */
export function enterNamespaces(enter: Partial<Record<NsType, string>>): void {
  const targets: [NsType, number, string][] = [];
  try {
    // Every target opened before joining any: paths may not resolve once inside a mount ns.
    for (const [t, p] of Object.entries(enter) as [NsType, string][]) targets.push([t, openSync(p, 'r'), p]);
    joinOpened(targets);
  } finally {
    for (const [, fd] of targets) closeSync(fd);
  }
}
