// flock(2) locks on files of the store, taken without blocking Node's event loop (polled
// every few milliseconds), released by closing the file. Lock files are never removed:
// removing one while another process waits on it would let two holders in.
import { closeSync, openSync } from 'node:fs';
import { tryLockExclusive, tryLockShared } from '../../../native-bindings/libc.js';
import { setTimeout as sleep } from 'node:timers/promises';

export type LockMode = 'shared' | 'exclusive';

/** The fd holding the lock, or undefined when another process holds a conflicting one. */
export function tryLock(file: string, mode: LockMode): number | undefined {
  const fd = openSync(file, 'a', 0o600);
  try {
    if (mode === 'shared' ? tryLockShared(fd, file) : tryLockExclusive(fd, file)) return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  closeSync(fd);
  return undefined;
}

export async function lock(file: string, mode: LockMode): Promise<number> {
  for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
    const fd = tryLock(file, mode);
    if (fd !== undefined) return fd;
    await sleep(wait);
  }
}

export async function withLock<T>(file: string, mode: LockMode, fn: () => Promise<T>): Promise<T> {
  const fd = await lock(file, mode);
  try {
    return await fn();
  } finally {
    closeSync(fd);
  }
}
