// Reading /proc/self/mountinfo and unmounting what lives below a directory.
import { readFileSync } from 'node:fs';
import { MNT_DETACH, umount2 } from '../../native-bindings/libc.js';

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
}

// mountinfo escapes space, tab, newline and backslash as octal.
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function readMountInfo(pid: number | 'self' = 'self'): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n')) {
    if (!line) continue;
    const [left, right] = line.split(' - ');
    const f = left.split(' ');
    const r = right.split(' ');
    out.push({ mountPoint: unescape(f[4]), fsType: r[0], source: unescape(r[1]) });
  }
  return out;
}

/** Mount points at or below `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : dir + '/';
  return readMountInfo()
    .map((m) => m.mountPoint)
    .filter((p) => p === dir || p.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}

/** Lazily unmounts everything at or below `dir` (stacked mounts included). */
export function unmountAllUnder(dir: string): void {
  for (let round = 0; round < 8; round++) {
    const mps = mountsUnder(dir);
    if (mps.length === 0) return;
    for (const mp of mps) umount2(mp, MNT_DETACH);
  }
}
