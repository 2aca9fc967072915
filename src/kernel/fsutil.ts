// Small filesystem helpers for building container roots safely.
import { lstatSync, mkdirSync, readlinkSync, writeFileSync, existsSync } from 'node:fs';
import { posix } from 'node:path';
import { mknod } from '../../native-bindings/libc.js';
import { errnoText } from '../util/errno.js';
import { PodrunError } from '../util/errors.js';

const S_IFIFO = 0o010000;

export function mkfifo(path: string, mode = 0o600): void {
  mknod(path, S_IFIFO | mode, 0, 0);
}

/**
 * Joins `unsafe` below `root`, resolving symlinks as if `root` were `/`, so that an
 * image's symlink (say /data -> /etc) can never point a mount outside the container.
 */
export function secureJoin(root: string, unsafe: string): string {
  const parts = unsafe.split('/').filter((p) => p && p !== '.');
  const resolved: string[] = [];
  let hops = 0;
  while (parts.length) {
    const part = parts.shift()!;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = posix.join(root, ...resolved, part);
    let st;
    try {
      st = lstatSync(candidate);
    } catch {
      resolved.push(part);
      continue;
    }
    if (st.isSymbolicLink()) {
      if (++hops > 40) throw new PodrunError(`${unsafe}: ${errnoText('ELOOP')}`);
      const target = readlinkSync(candidate);
      const more = target.split('/').filter((p) => p && p !== '.');
      if (target.startsWith('/')) resolved.length = 0;
      parts.unshift(...more);
      continue;
    }
    resolved.push(part);
  }
  return posix.join(root, ...resolved);
}

/** Creates a mount point of the right kind (directory, or empty file for file binds). */
export function ensureMountPoint(target: string, isDir: boolean): void {
  if (existsSync(target)) return;
  if (isDir) {
    mkdirSync(target, { recursive: true });
  } else {
    mkdirSync(posix.dirname(target), { recursive: true });
    writeFileSync(target, '');
  }
}
