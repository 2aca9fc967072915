// koffi declarations of every libc call podrun makes. Nothing above this layer declares
// FFI functions. Wrappers of calls that can fail check the return value and throw
// SyscallError with the call, the errno name and the path involved, or turn an expected
// failure into a value (kill's ESRCH or flock's EWOULDBLOCK into false, a PIDFD_GET_INFO
// the kernel lacks into undefined); callers never look at raw errno. close(2) is the
// exception: its result is ignored, as a failed close leaves nothing to undo.
// koffi and libc load on the first call, so importing this module costs nothing.
import { dirname, join } from 'node:path';
import { errnoName } from '../src/util/errno.js';
import { SyscallError } from '../src/util/errors.js';
import { nodeRequire } from '../src/util/node-require.js';

export { SyscallError };

/**
 * koffi's package entry loads crypto, https and zlib for its installer before the native
 * module (~20 ms of every exec). Its native module alone exports the same API (the entry
 * only adds deprecated aliases), so load it directly when it is there and of the same
 * version, and fall back to the package entry otherwise (musl, other platforms).
 */
function loadKoffi(): typeof import('koffi') {
  try {
    // Resolving package.json rather than the entry reads it once (~0.5 ms less).
    const pkg = nodeRequire.resolve('koffi/package.json');
    const { version } = nodeRequire(pkg) as { version: string };
    const native = nodeRequire(join(dirname(pkg), 'build', 'koffi', `${process.platform}_${process.arch}`, 'koffi.node')) as typeof import('koffi') & {
      version?: string;
    };
    if (native.version === version) return native;
  } catch {
    /* fall back below */
  }
  return nodeRequire('koffi') as typeof import('koffi');
}

let koffiModule: typeof import('koffi') | undefined;
let libcLib: ReturnType<typeof import('koffi')['load']> | undefined;

/** The koffi module, loaded on first use (libseccomp.ts loads its library through it too). */
export function koffi(): typeof import('koffi') {
  return (koffiModule ??= loadKoffi());
}

/** The errno of the last failed call on this thread. */
function lastErrno(): number {
  return koffi().errno();
}

type FfiFunction = (...args: any[]) => any;

/**
 * `libc.func(prototype)` declares the function on its first call: declaring every one at
 * import costs ~0.7 ms of each `podrun exec`, which calls two of them.
 */
const libc = {
  func(prototype: string): FfiFunction {
    let f: FfiFunction | undefined;
    return (...args) => (f ??= (libcLib ??= koffi().load('libc.so.6')).func(prototype))(...args);
  },
};

function check(ret: number | bigint, call: string, path?: string, detail?: string): number {
  const n = Number(ret);
  if (n < 0) throw new SyscallError(call, lastErrno(), path, detail);
  return n;
}

const c = {
  unshare: libc.func('int unshare(int flags)'),
  setns: libc.func('int setns(int fd, int nstype)'),
  mount: libc.func(
    'int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)',
  ),
  umount2: libc.func('int umount2(const char *target, int flags)'),
  syscall3p: libc.func('long syscall(long number, const char *a, const char *b)'),
  syscall2i: libc.func('long syscall(long number, int a, unsigned int b)'),
  sethostname: libc.func('int sethostname(const char *name, size_t len)'),
  prctl: libc.func('int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)'),
  execve: libc.func('int execve(const char *path, const char **argv, const char **envp)'),
  fcntl: libc.func('int fcntl(int fd, int cmd, int arg)'),
  kill: libc.func('int kill(int pid, int sig)'),
  ioctlBuf: libc.func('int ioctl(int fd, unsigned long req, _Inout_ uint8_t *arg)'),
  socket: libc.func('int socket(int domain, int type, int protocol)'),
  close: libc.func('int close(int fd)'),
  mknod: libc.func('int mknod(const char *path, uint32_t mode, uint64_t dev)'),
  chdir: libc.func('int chdir(const char *path)'),
  setgroups: libc.func('int setgroups(size_t size, const uint32_t *list)'),
  setresgid: libc.func('int setresgid(uint32_t r, uint32_t e, uint32_t s)'),
  setresuid: libc.func('int setresuid(uint32_t r, uint32_t e, uint32_t s)'),
  flock: libc.func('int flock(int fd, int op)'),
  lgetxattr: libc.func('long lgetxattr(const char *path, const char *name, _Out_ uint8_t *value, size_t size)'),
  lsetxattr: libc.func('int lsetxattr(const char *path, const char *name, const uint8_t *value, size_t size, int flags)'),
  prctlFprog: libc.func('int prctl(int option, unsigned long mode, const sock_fprog *prog, unsigned long a4, unsigned long a5)'),
};

// Registered before prctlFprog's first declaration names it.
let fprogDeclared = false;
function declareFprog(): void {
  if (!fprogDeclared) koffi().struct('sock_fprog', { len: 'uint16', filter: 'void *' });
  fprogDeclared = true;
}

// Syscall numbers for calls glibc has no wrapper for.
const SYS: Record<string, { pivot_root: number; pidfd_open: number }> = {
  x64: { pivot_root: 155, pidfd_open: 434 },
  arm64: { pivot_root: 41, pidfd_open: 434 },
};
const sys = SYS[process.arch];

export const CLONE = {
  FS: 0x200,
  NEWNS: 0x20000,
  NEWCGROUP: 0x02000000,
  NEWUTS: 0x04000000,
  NEWIPC: 0x08000000,
  NEWPID: 0x20000000,
  NEWNET: 0x40000000,
} as const;

export const MS = {
  RDONLY: 1,
  NOSUID: 2,
  NODEV: 4,
  NOEXEC: 8,
  REMOUNT: 32,
  BIND: 4096,
  MOVE: 8192,
  REC: 16384,
  PRIVATE: 1 << 18,
  SLAVE: 1 << 19,
  SHARED: 1 << 20,
} as const;

export const MNT_DETACH = 2;
export const PR_SET_CHILD_SUBREAPER = 36;
export const F_SETFD = 2;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_SH = 1;

export function unshare(flags: number): void {
  check(c.unshare(flags), 'unshare', undefined, `0x${flags.toString(16)}`);
}

export function setns(fd: number, nstype: number, path?: string): void {
  check(c.setns(fd, nstype), 'setns', path);
}

export function mount(
  source: string | null,
  target: string,
  fstype: string | null,
  flags: number,
  data: string | null = null,
): void {
  check(c.mount(source, target, fstype, flags, data), 'mount', target, source ?? fstype ?? undefined);
}

/** Unmounts; returns false when there was nothing mounted (EINVAL) or no such path (ENOENT). */
export function umount2(target: string, flags: number): boolean {
  if (c.umount2(target, flags) === 0) return true;
  const e = lastErrno();
  const name = errnoName(e);
  if (name === 'EINVAL' || name === 'ENOENT') return false;
  throw new SyscallError('umount2', e, target);
}

export function pivotRoot(newRoot: string, putOld: string): void {
  check(c.syscall3p(sys.pivot_root, newRoot, putOld), 'pivot_root', newRoot);
}

export function sethostname(name: string): void {
  check(c.sethostname(name, Buffer.byteLength(name)), 'sethostname', undefined, name);
}

export function prctl(option: number, arg: number): void {
  check(c.prctl(option, arg, 0, 0, 0), 'prctl', undefined, String(option));
}

const PR_SET_SECCOMP = 22;
const SECCOMP_MODE_FILTER = 2;
const SOCK_FILTER_BYTES = 8;

/** Installs a seccomp BPF program (struct sock_filter[]) on the calling thread. */
export function seccompSetFilter(program: Buffer): void {
  declareFprog();
  const prog = { len: program.length / SOCK_FILTER_BYTES, filter: program };
  check(c.prctlFprog(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog, 0, 0), 'prctl', undefined, 'PR_SET_SECCOMP');
}

/** Replaces the process image; returns only by throwing. */
export function execve(path: string, argv: string[], env: string[]): never {
  c.execve(path, [...argv, null], [...env, null]);
  throw new SyscallError('execve', lastErrno(), path);
}

/** Clears FD_CLOEXEC (Node sets it on 0-2; an FFI execve would start with no stdio). */
export function clearCloexec(fd: number): void {
  check(c.fcntl(fd, F_SETFD, 0), 'fcntl', undefined, `fd ${fd}`);
}

/** kill(2); returns false for ESRCH (no such process). */
export function kill(pid: number, sig: number): boolean {
  if (c.kill(pid, sig) === 0) return true;
  const e = lastErrno();
  if (errnoName(e) === 'ESRCH') return false;
  throw new SyscallError('kill', e, undefined, `pid ${pid}`);
}

export function pidfdOpen(pid: number): number {
  return check(c.syscall2i(sys.pidfd_open, pid, 0), 'pidfd_open', undefined, `pid ${pid}`);
}

// PIDFD_GET_INFO = _IOWR(0xFF, 11, struct pidfd_info) with the 64-byte VER0 struct.
const PIDFD_INFO_SIZE = 64;
const PIDFD_GET_INFO = ((3 << 30) | (PIDFD_INFO_SIZE << 16) | (0xff << 8) | 11) >>> 0;
const PIDFD_INFO_EXIT = 0x8;

/**
 * The wait status of an exited process behind a pidfd, even when another process reaped it
 * (kernel 6.15+). Undefined while it runs, or when the kernel cannot say.
 */
export function pidfdExitStatus(pidfd: number): number | undefined {
  const buf = Buffer.alloc(PIDFD_INFO_SIZE);
  buf.writeBigUInt64LE(BigInt(PIDFD_INFO_EXIT), 0);
  if (c.ioctlBuf(pidfd, PIDFD_GET_INFO, buf) !== 0) return undefined;
  const mask = buf.readBigUInt64LE(0);
  if ((mask & BigInt(PIDFD_INFO_EXIT)) === 0n) return undefined;
  return buf.readInt32LE(8 + 8 + 4 * 11);
}

export function closeFd(fd: number): void {
  c.close(fd);
}

const AF_INET = 2;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const SIOCGIFFLAGS = 0x8913;
const SIOCSIFFLAGS = 0x8914;
const IFF_UP = 0x1;

/** Brings an interface of the calling thread's network namespace up (ioctl on an inet socket). */
export function linkUp(ifname: string): void {
  const fd = check(c.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), 'socket', undefined, ifname);
  try {
    const ifr = Buffer.alloc(40);
    ifr.write(ifname, 0, 15, 'utf8');
    check(c.ioctlBuf(fd, SIOCGIFFLAGS, ifr), 'ioctl(SIOCGIFFLAGS)', ifname);
    ifr.writeUInt16LE(ifr.readUInt16LE(16) | IFF_UP, 16);
    check(c.ioctlBuf(fd, SIOCSIFFLAGS, ifr), 'ioctl(SIOCSIFFLAGS)', ifname);
  } finally {
    c.close(fd);
  }
}

export function mknod(path: string, mode: number, major: number, minor: number): void {
  // glibc's makedev encoding for dev_t.
  const dev =
    ((BigInt(major) & 0xfffn) << 8n) |
    ((BigInt(major) & ~0xfffn) << 32n) |
    (BigInt(minor) & 0xffn) |
    ((BigInt(minor) & ~0xffn) << 12n);
  check(c.mknod(path, mode, dev), 'mknod', path);
}

export function chdir(path: string): void {
  check(c.chdir(path), 'chdir', path);
}

export function setUser(uid: number, gid: number, groups: number[]): void {
  check(c.setgroups(groups.length, groups.length ? groups : null), 'setgroups', undefined, `gid ${gid}`);
  check(c.setresgid(gid, gid, gid), 'setresgid', undefined, `gid ${gid}`);
  check(c.setresuid(uid, uid, uid), 'setresuid', undefined, `uid ${uid}`);
}

/** Non-blocking exclusive flock; false when another process holds it. */
export function tryLockExclusive(fd: number, path: string): boolean {
  if (c.flock(fd, LOCK_EX | LOCK_NB) === 0) return true;
  const e = lastErrno();
  if (errnoName(e) === 'EWOULDBLOCK' || errnoName(e) === 'EAGAIN') return false;
  throw new SyscallError('flock', e, path);
}

/** Non-blocking shared flock; false when another process holds it exclusively. */
export function tryLockShared(fd: number, path: string): boolean {
  if (c.flock(fd, LOCK_SH | LOCK_NB) === 0) return true;
  const e = lastErrno();
  if (errnoName(e) === 'EWOULDBLOCK' || errnoName(e) === 'EAGAIN') return false;
  throw new SyscallError('flock', e, path);
}

/** lsetxattr(2): sets an extended attribute on the path itself (a symlink is not followed). */
export function lsetxattr(path: string, name: string, value: Buffer): void {
  check(c.lsetxattr(path, name, value, value.length, 0), 'lsetxattr', path, name);
}

/** lgetxattr(2) of a value up to 4 KiB; undefined when the path has no such attribute. */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const buf = Buffer.alloc(4096);
  const n = Number(c.lgetxattr(path, name, buf, buf.length));
  if (n >= 0) return buf.subarray(0, n);
  const e = lastErrno();
  if (errnoName(e) === 'ENODATA') return undefined;
  throw new SyscallError('lgetxattr', e, path, name);
}

export const AF = { INET: AF_INET, INET6: 10 } as const;
export const SOCK = { STREAM: 1, NONBLOCK: 0o4000, CLOEXEC: SOCK_CLOEXEC } as const;

/**
 * socket(2): a new socket fd in the calling thread's network namespace (it stays there
 * whatever the thread does next), for probes that must connect from inside a pod.
 */
export function socket(domain: number, type: number, protocol = 0): number {
  return check(c.socket(domain, type, protocol), 'socket', undefined, `domain ${domain} type 0x${type.toString(16)}`);
}

/** Blocking exclusive flock: waits while another open file holds it (a signal does not end the wait). */
export function lockExclusive(fd: number, path: string): void {
  while (c.flock(fd, LOCK_EX) !== 0) {
    const e = lastErrno();
    if (errnoName(e) !== 'EINTR') throw new SyscallError('flock', e, path);
  }
}

// Capabilities and no_new_privs: the container init stage's hardening steps.
const hardening = {
  capset: libc.func('int capset(const uint8_t *header, const uint8_t *data)'),
};

const PR_SET_KEEPCAPS = 8;
const PR_CAPBSET_DROP = 24;
const PR_SET_NO_NEW_PRIVS = 38;
const LINUX_CAPABILITY_VERSION_3 = 0x20080522;

function prctlChecked(option: number, a2: number, detail: string): void {
  check(c.prctl(option, a2, 0, 0, 0), 'prctl', undefined, detail);
}

/** Removes one capability from the calling thread's bounding set (needs CAP_SETPCAP). */
export function dropBoundingCapability(bit: number): void {
  prctlChecked(PR_CAPBSET_DROP, bit, `PR_CAPBSET_DROP ${bit}`);
}

/** Permitted capabilities survive the next setresuid away from 0 (effective ones never do). */
export function setKeepCaps(): void {
  prctlChecked(PR_SET_KEEPCAPS, 1, 'PR_SET_KEEPCAPS');
}

export function setNoNewPrivs(): void {
  prctlChecked(PR_SET_NO_NEW_PRIVS, 1, 'PR_SET_NO_NEW_PRIVS');
}

/** capset(2) of the calling thread: 64-bit masks of the effective, permitted and inheritable sets. */
export function setCapabilities(effective: bigint, permitted: bigint, inheritable: bigint): void {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(LINUX_CAPABILITY_VERSION_3, 0); // pid 0: this thread
  // Version 3 takes two {effective, permitted, inheritable} u32 triples: low bits, then high.
  const data = Buffer.alloc(24);
  [effective, permitted, inheritable].forEach((mask, i) => {
    data.writeUInt32LE(Number(mask & 0xffffffffn), i * 4);
    data.writeUInt32LE(Number(mask >> 32n), 12 + i * 4);
  });
  check(hardening.capset(header, data), 'capset');
}
