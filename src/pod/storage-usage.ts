// What a pod uses of the node's disk, measured as the kubelet's stats measure it for
// eviction: per container its writable layer (the overlay's upper directory) and its log
// files, the pod's disk-backed emptyDirs, and the pod's own files (/etc/hosts & co.).
// Measured as `du` does: the blocks allocated (st_blocks x 512), every inode once (hard
// links), without crossing into other filesystems.
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '../model/pod.js';
import type { PodPaths } from '../state/paths.js';

export interface PodStorageUsage {
  /** Bytes of each disk-backed emptyDir, by volume name. */
  volumes: Record<string, number>;
  /** Bytes of each container (init containers too): writable layer and logs. */
  containers: Record<string, { rootfs: number; logs: number }>;
  /** Bytes of the pod's own files (etc/hosts, hostname, resolv.conf). */
  podFiles: number;
}

/**
 * Bytes allocated under `path` (0 if it does not exist). Each directory is read and its
 * entries lstat'ed synchronously (~5 us an entry, 7x faster than fs/promises), yielding
 * to the event loop between directories so that the supervisor keeps serving.
 */
export async function diskUsage(path: string): Promise<number> {
  const top = lstatOrUndefined(path);
  if (!top) return 0;
  const seen = new Set<number>(); // inodes with several links, counted once
  const counted = (st: Stats) => {
    if (st.dev !== top.dev) return 0; // a mount point: another filesystem's
    if (st.nlink > 1 && !st.isDirectory()) {
      if (seen.has(st.ino)) return 0;
      seen.add(st.ino);
    }
    return st.blocks * 512;
  };
  let bytes = counted(top);
  const dirs = top.isDirectory() ? [path] : [];
  for (let dir = dirs.pop(); dir !== undefined; dir = dirs.pop()) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue; // gone meanwhile
    }
    for (const name of names) {
      const p = join(dir, name);
      const st = lstatOrUndefined(p);
      if (!st) continue;
      const b = counted(st);
      bytes += b;
      if (st.isDirectory() && st.dev === top.dev) dirs.push(p);
    }
    await new Promise((r) => setImmediate(r));
  }
  return bytes;
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

/** The pod's figures; memory-backed emptyDirs are RAM (their tmpfs is sized to the limit), not disk. */
export async function measurePodStorage(pod: Pod, paths: PodPaths): Promise<PodStorageUsage> {
  const volumes: PodStorageUsage['volumes'] = {};
  for (const v of pod.spec.volumes) {
    if (v.emptyDir && v.emptyDir.medium !== 'Memory') volumes[v.name] = await diskUsage(paths.volume(v.name));
  }
  const containers: PodStorageUsage['containers'] = {};
  for (const c of [...pod.spec.initContainers, ...pod.spec.containers]) {
    containers[c.name] = { rootfs: await diskUsage(paths.container(c.name).upper), logs: await diskUsage(join(paths.logsDir, c.name)) };
  }
  return { volumes, containers, podFiles: await diskUsage(paths.etcDir) };
}
