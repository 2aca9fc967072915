// koffi declarations of the terminal and fd calls: the pty ioctls (unlock, number, peer,
// window size, controlling terminal), termios (tcgetattr/tcsetattr/cfmakeraw), dup2,
// pidfd_getfd and close_range.
// Node has no pty API; these few calls are all podrun needs, so no native addon.
// libc.so.6 is loaded on the first call, through libc.ts's koffi.
import { koffi, SyscallError } from './libc.js';

type FfiFunction = (...args: any[]) => any;
let lib: ReturnType<ReturnType<typeof koffi>['load']> | undefined;

function declare(prototype: string): FfiFunction {
  let f: FfiFunction | undefined;
  return (...args) => (f ??= (lib ??= koffi().load('libc.so.6')).func(prototype))(...args);
}

const c = {
  // ioctl is variadic; on the supported ABIs an int or pointer third argument is passed
  // the same way as a fixed one, so each use gets its own fixed prototype.
  ioctlInt: declare('int ioctl(int fd, unsigned long req, int arg)'),
  ioctlBuf: declare('int ioctl(int fd, unsigned long req, _Inout_ uint8_t *arg)'),
  tcgetattr: declare('int tcgetattr(int fd, _Out_ uint8_t *termios)'),
  tcsetattr: declare('int tcsetattr(int fd, int when, const uint8_t *termios)'),
  cfmakeraw: declare('void cfmakeraw(_Inout_ uint8_t *termios)'),
  syscall3: declare('long syscall(long number, int a, int b, unsigned int c)'),
  dup2: declare('int dup2(int oldfd, int newfd)'),
  syscall3u: declare('long syscall(long number, unsigned int a, unsigned int b, unsigned int c)'),
};

function check(ret: number | bigint, call: string, detail?: string): number {
  const n = Number(ret);
  if (n < 0) throw new SyscallError(call, koffi().errno(), undefined, detail);
  return n;
}

const TIOCGPTN = 0x80045430;
const TIOCSPTLCK = 0x40045431;
const TIOCGPTPEER = 0x5441;
const TIOCGWINSZ = 0x5413;
const TIOCSWINSZ = 0x5414;
const TIOCSCTTY = 0x540e;
const TCSANOW = 0;
/** sizeof(struct termios) in glibc; a larger buffer is harmless. */
const TERMIOS_BYTES = 64;
const O_RDWR = 2;
const O_NOCTTY = 0o400;
const O_CLOEXEC = 0o2000000;
const SYS_PIDFD_GETFD: Record<string, number> = { x64: 438, arm64: 438 };
const SYS_CLOSE_RANGE: Record<string, number> = { x64: 436, arm64: 436 };
const CLOSE_RANGE_CLOEXEC = 4;

/** Unlocks a pty master's replica (unlockpt). */
export function unlockPty(master: number): void {
  const zero = Buffer.alloc(4);
  check(c.ioctlBuf(master, TIOCSPTLCK, zero), 'ioctl', 'TIOCSPTLCK');
}

/** The pty's number N: its replica is pts/N of the devpts the master came from. */
export function ptyNumber(master: number): number {
  const buf = Buffer.alloc(4);
  check(c.ioctlBuf(master, TIOCGPTN, buf), 'ioctl', 'TIOCGPTN');
  return buf.readInt32LE(0);
}

/**
 * Opens the master's replica without a path lookup (TIOCGPTPEER), so it is the master's
 * own pts whatever the mount namespace looks like. Not a controlling terminal yet.
 */
export function openPtyPeer(master: number): number {
  return check(c.ioctlInt(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC), 'ioctl', 'TIOCGPTPEER');
}

export interface WinSize {
  rows: number;
  cols: number;
}

/** The terminal's window size; undefined when fd is not a terminal. */
export function getWinsize(fd: number): WinSize | undefined {
  const buf = Buffer.alloc(8);
  if (c.ioctlBuf(fd, TIOCGWINSZ, buf) !== 0) return undefined;
  return { rows: buf.readUInt16LE(0), cols: buf.readUInt16LE(2) };
}

export function setWinsize(fd: number, size: WinSize): void {
  const buf = Buffer.alloc(8);
  buf.writeUInt16LE(size.rows, 0);
  buf.writeUInt16LE(size.cols, 2);
  check(c.ioctlBuf(fd, TIOCSWINSZ, buf), 'ioctl', 'TIOCSWINSZ');
}

/** Makes the terminal on fd the controlling terminal of the calling session leader. */
export function setControllingTerminal(fd: number): void {
  check(c.ioctlInt(fd, TIOCSCTTY, 0), 'ioctl', 'TIOCSCTTY');
}

/** The terminal's settings, opaque, for restoreTermios. */
function getTermios(fd: number): Buffer {
  const buf = Buffer.alloc(TERMIOS_BYTES);
  check(c.tcgetattr(fd, buf), 'tcgetattr', `fd ${fd}`);
  return buf;
}

export function setTermios(fd: number, termios: Buffer): void {
  check(c.tcsetattr(fd, TCSANOW, termios), 'tcsetattr', `fd ${fd}`);
}

/** Puts the terminal in raw mode (cfmakeraw); returns the settings it had. */
export function makeRaw(fd: number): Buffer {
  const saved = getTermios(fd);
  const raw = Buffer.from(saved);
  c.cfmakeraw(raw);
  setTermios(fd, raw);
  return saved;
}

/** A copy of another process's fd (pidfd_getfd, Linux 5.6+), close-on-exec. */
export function pidfdGetfd(pidfd: number, targetFd: number): number {
  return check(c.syscall3(SYS_PIDFD_GETFD[process.arch], pidfd, targetFd, 0), 'pidfd_getfd', `fd ${targetFd}`);
}

/** dup2(2): `newFd` becomes a copy of `oldFd` (Node has no call for it). */
export function dup2(oldFd: number, newFd: number): void {
  check(c.dup2(oldFd, newFd), 'dup2', `fd ${oldFd} -> ${newFd}`);
}

/**
 * Marks every fd from `first` up close-on-exec (close_range, Linux 5.11+), so that
 * nothing a process inherited without FD_CLOEXEC reaches the program it execs.
 */
export function cloexecFrom(first: number): void {
  check(c.syscall3u(SYS_CLOSE_RANGE[process.arch], first, 0xffffffff, CLOSE_RANGE_CLOEXEC), 'close_range', `from fd ${first}`);
}
