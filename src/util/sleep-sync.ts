// Blocks the thread for `ms`: for the few synchronous kernel waits (a cgroup emptying,
// rmdir's EBUSY) that must finish before a synchronous teardown goes on.
const cell = new Int32Array(new SharedArrayBuffer(4));

export function sleepSync(ms: number): void {
  Atomics.wait(cell, 0, 0, ms);
}
