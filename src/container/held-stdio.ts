// A container's held stdio: its pty master (tty: true) or the write end of its stdin FIFO
// (stdin: true), as the supervisor uses it (a stream for input and, for a terminal, its
// output), and the stdio holder that keeps a copy: a `sleep infinity` with the fd as its
// fd 3, in the pod's pause cgroup. The holder is what keeps the container's terminal
// from hanging up (and its stdin from reaching end-of-file) when the supervisor dies: a
// new supervisor takes a copy of the fd back with pidfd_getfd. conmon plays this part
// for CRI-O and Podman, with the log and attach pumps in it too; here the pumps stay in
// the supervisor, so the holder costs one tiny process and no Node heap (docs/terminals.md).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import tty from 'node:tty';
import { dirname, join } from 'node:path';
import { closeFd, kill, pidfdOpen } from '../../native-bindings/libc.js';
import { pidfdGetfd, setWinsize, type WinSize } from '../../native-bindings/pty.js';
import { joinCgroup } from '../cgroup/cgroup2.js';
import { isSameLiveProcess, readProcStat } from '../kernel/procfs.js';
import { PodrunError } from '../util/errors.js';

const HELD_FD = 3;
const SLEEP = ['/usr/bin/sleep', '/bin/sleep'];

export interface StdioHolder {
  pid: number;
  pidStart: number;
}

/** Starts a holder of `fd` (a copy: the caller keeps its own) in the pause cgroup of the pod of `containerCgroup`. */
function startStdioHolder(fd: number, containerCgroup: string): StdioHolder {
  const child = spawn(SLEEP.find((p) => existsSync(p)) ?? 'sleep', ['infinity'], {
    stdio: ['ignore', 'ignore', 'ignore', fd],
    detached: true,
  });
  child.on('error', () => {});
  child.unref();
  if (!child.pid) throw new PodrunError('could not start the stdio holder (sleep)');
  try {
    // With the pod's pause holder: the pod's removal kills it, whatever else happened.
    joinCgroup(join(dirname(containerCgroup), 'pause'), child.pid);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  const st = readProcStat(child.pid);
  if (!st) throw new PodrunError('the stdio holder exited at once');
  return { pid: child.pid, pidStart: st.startTime };
}

/** A copy of fd `fd` of process `pid` (pidfd_getfd), close-on-exec. */
export function copyFdOf(pid: number, fd: number): number {
  const pidfd = pidfdOpen(pid);
  try {
    return pidfdGetfd(pidfd, fd);
  } finally {
    closeFd(pidfd);
  }
}

function stopStdioHolder(h: StdioHolder): void {
  if (isSameLiveProcess(h.pid, h.pidStart)) kill(h.pid, 9);
}

export interface HeldStdio {
  tty: boolean;
  /** The supervisor's copy of the fd. */
  fd: number;
  /** The master (read: the terminal's output; write: its input) or the stdin FIFO (write only). */
  stream: Duplex;
  holder: StdioHolder;
}

function wrap(fd: number, isTty: boolean, holder: StdioHolder): HeldStdio {
  const stream = isTty ? new tty.ReadStream(fd) : new Socket({ fd, readable: false, writable: true });
  // EIO on the master: every replica is closed (the container is gone); EPIPE cannot happen
  // on the FIFO, which the holder also holds open.
  stream.on('error', () => {});
  return { tty: isTty, fd, stream, holder };
}

/** Holds `fd` (the supervisor's, handed over): starts its holder and wraps it for use. */
export function holdStdio(fd: number, isTty: boolean, containerCgroup: string): HeldStdio {
  return wrap(fd, isTty, startStdioHolder(fd, containerCgroup));
}

/** A new supervisor's copy of what a live holder holds, or undefined when the holder is gone. */
export function adoptHeldStdio(holder: StdioHolder, isTty: boolean): HeldStdio | undefined {
  if (!isSameLiveProcess(holder.pid, holder.pidStart)) return undefined;
  return wrap(copyFdOf(holder.pid, HELD_FD), isTty, holder);
}

export function resizeHeldStdio(h: HeldStdio, size: WinSize): void {
  if (h.tty) setWinsize(h.fd, size);
}

/** The instance is over (or was never started): the holder goes, and this copy. */
export function closeHeldStdio(h: HeldStdio): void {
  stopStdioHolder(h.holder);
  h.stream.destroy();
}

/** stdinOnce: the container's stdin reaches end-of-file (holder and supervisor let go of it). */
export function closeHeldStdin(h: HeldStdio): void {
  if (!h.tty) closeHeldStdio(h);
}
