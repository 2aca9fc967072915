// The rotated files of one container instance's log, as the kubelet names them:
// `N.log` is current, `N.log.<YYYYMMDD-hhmmss>` are older (UTC, so a change of
// time zone cannot reorder them), with `-<seq>` added when several rotations
// fall in the same second. Shared by the writer (naming, pruning) and the
// readers (reading an instance in order).
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface RotatedFile {
  path: string;
  /** YYYYMMDD-hhmmss, UTC. */
  stamp: string;
  /** 0 for the first rotation of a second, then 1, 2, ... */
  seq: number;
}

const SUFFIX_RE = /^(\d{8}-\d{6})(?:-(\d+))?$/;

/** `YYYYMMDD-hhmmss` in UTC. */
export function formatStamp(d: Date): string {
  const iso = d.toISOString(); // 2024-01-02T03:04:05.678Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/** Oldest first. Compares the sequence as a number: `-10` comes after `-9`. */
export function compareRotated(a: RotatedFile, b: RotatedFile): number {
  return a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : a.seq - b.seq;
}

/** The rotated file of `file` that `name` (a directory entry) is, or null. */
export function parseRotatedName(file: string, name: string): RotatedFile | null {
  const prefix = `${path.basename(file)}.`;
  if (!name.startsWith(prefix)) return null;
  const m = SUFFIX_RE.exec(name.slice(prefix.length));
  if (!m) return null;
  return { path: path.join(path.dirname(file), name), stamp: m[1]!, seq: m[2] === undefined ? 0 : Number(m[2]) };
}

/** The rotated files of `file`, oldest first; none when its directory does not exist. */
export function rotatedFiles(file: string): RotatedFile[] {
  let names: string[];
  try {
    names = fs.readdirSync(path.dirname(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: RotatedFile[] = [];
  for (const n of names) {
    const r = parseRotatedName(file, n);
    if (r) out.push(r);
  }
  return out.sort(compareRotated);
}

/**
 * The name for the next rotation of `file`: stamped `now`, and always after `latest`
 * (the newest existing one), even if the clock stepped back, so that name order
 * stays write order and a rename never replaces an older rotation.
 */
export function nextRotated(file: string, latest: RotatedFile | undefined, now: Date): RotatedFile {
  const stamp = formatStamp(now);
  const r = !latest || stamp > latest.stamp ? { stamp, seq: 0 } : { stamp: latest.stamp, seq: latest.seq + 1 };
  return { ...r, path: `${file}.${r.stamp}${r.seq ? `-${r.seq}` : ''}` };
}

/** Deletes the oldest of `rotated` (oldest first) so that at most `keep` remain; returns the deleted paths. */
export function pruneRotated(rotated: RotatedFile[], keep: number): string[] {
  const drop = rotated.slice(0, Math.max(0, rotated.length - keep)).map((r) => r.path);
  for (const p of drop) fs.rmSync(p, { force: true });
  return drop;
}

/** True when `file` or any rotation of it exists (a container instance that logged). */
export function instanceLogExists(file: string): boolean {
  return fs.existsSync(file) || rotatedFiles(file).length > 0;
}
