// What a pod uses of the node's disk, measured as the kubelet's stats measure it for
// eviction: per container its writable layer (the overlay's upper directory) and its log
// files, the pod's disk-backed emptyDirs, and the pod's own files (/etc/hosts & co.).
// Measured as `du` does: the blocks allocated (st_blocks x 512), every inode once (hard
// links), without crossing into other filesystems. A walk of lstat calls, asynchronous so
// that the supervisor keeps serving while it runs.
import { lstat, opendir } from 'node:fs/promises';
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

/** Bytes allocated under `path` (0 if it does not exist). */
export async function diskUsage(path: string): Promise<number> {
  const seen = new Set<number>(); // inodes with several links
  let dev: number | undefined;
  const walk = async (p: string): Promise<number> => {
    let st;
    try {
      st = await lstat(p);
    } catch {
      return 0; // gone meanwhile
    }
    dev ??= st.dev;
    if (st.dev !== dev) return 0; // a mount point: another filesystem's
    if (st.nlink > 1 && !st.isDirectory()) {
      if (seen.has(st.ino)) return 0;
      seen.add(st.ino);
    }
    let bytes = st.blocks * 512;
    if (!st.isDirectory()) return bytes;
    let dir;
    try {
      dir = await opendir(p);
    } catch {
      return bytes;
    }
    for await (const e of dir) bytes += await walk(join(p, e.name));
    return bytes;
  };
  return walk(path);
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
