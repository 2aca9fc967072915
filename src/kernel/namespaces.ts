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

/** Moves the calling thread into the namespace behind `fd` for good (an entry point's set-up). */
export function enterNamespace(fd: number, type: NsType, path?: string): void {
  if (type === 'mnt') ensureOwnFs();
  setns(fd, NS_FLAG[type], path);
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
    for (const [t, fd, p] of targets) setns(fd, NS_FLAG[t], p);
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
