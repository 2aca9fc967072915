// koffi declarations of the bpf(2) commands podrun uses: load a program, attach it to /
// detach it from a cgroup, list a cgroup's programs, open one by its id. glibc has no
// wrapper, so they go through syscall(2) with the architecture's number. Failures become
// SyscallError('bpf(COMMAND)', errno); a program that fails verification carries the
// verifier's log as the detail.
import { koffi, SyscallError } from './libc.js';

type FfiFunction = (...args: any[]) => any;

const SYS_BPF: Record<string, number> = { x64: 321, arm64: 280 };

const CMD = { PROG_LOAD: 5, PROG_ATTACH: 8, PROG_DETACH: 9, PROG_GET_FD_BY_ID: 13, PROG_QUERY: 16 } as const;

export const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
export const BPF_CGROUP_DEVICE = 6;
export const BPF_F_ALLOW_MULTI = 2;

let fns: { load: FfiFunction; query: FfiFunction; raw: FfiFunction } | undefined;

/** Declared on first use: the struct types, then one syscall prototype per attr shape. */
function bpf(): NonNullable<typeof fns> {
  if (fns) return fns;
  const k = koffi();
  // union bpf_attr, the BPF_PROG_LOAD member (its pointers are __aligned_u64).
  k.struct('bpf_prog_load_attr', {
    prog_type: 'uint32', insn_cnt: 'uint32', insns: 'void *', license: 'const char *',
    log_level: 'uint32', log_size: 'uint32', log_buf: 'void *', kern_version: 'uint32', prog_flags: 'uint32',
  });
  // The BPF_PROG_QUERY member; the kernel writes attach_flags and prog_cnt back.
  k.struct('bpf_prog_query_attr', {
    target_fd: 'uint32', attach_type: 'uint32', query_flags: 'uint32', attach_flags: 'uint32', prog_ids: 'void *', prog_cnt: 'uint32',
  });
  const libc = k.load('libc.so.6');
  fns = {
    load: libc.func('long syscall(long nr, int cmd, const bpf_prog_load_attr *attr, unsigned int size)'),
    query: libc.func('long syscall(long nr, int cmd, _Inout_ bpf_prog_query_attr *attr, unsigned int size)'),
    raw: libc.func('long syscall(long nr, int cmd, const uint8_t *attr, unsigned int size)'),
  };
  return fns;
}

function nr(): number {
  const n = SYS_BPF[process.arch];
  if (n === undefined) throw new Error(`bpf(2): no syscall number known for ${process.arch}`);
  return n;
}

function check(ret: number | bigint, cmd: string, path?: string, detail?: string): number {
  const n = Number(ret);
  if (n < 0) throw new SyscallError(`bpf(${cmd})`, koffi().errno(), path, detail);
  return n;
}

function progLoad(type: number, insns: Buffer, license: string, log?: Buffer): number {
  const attr = {
    prog_type: type, insn_cnt: insns.length / 8, insns, license,
    log_level: log ? 1 : 0, log_size: log?.length ?? 0, log_buf: log ?? null, kern_version: 0, prog_flags: 0,
  };
  return Number(bpf().load(nr(), CMD.PROG_LOAD, attr, koffi().sizeof('bpf_prog_load_attr')));
}

/**
 * Loads a program (struct bpf_insn[], 8 bytes each); returns its fd (close-on-exec). The
 * verifier's log is asked for only to explain a failure (a log too small for a success
 * fails the load with ENOSPC).
 */
export function bpfProgLoad(type: number, insns: Buffer, license: string): number {
  const fd = progLoad(type, insns, license);
  if (fd >= 0) return fd;
  const errno = koffi().errno();
  const log = Buffer.alloc(64 * 1024);
  const again = progLoad(type, insns, license, log);
  if (again >= 0) return again;
  const text = log.toString('utf8', 0, Math.max(0, log.indexOf(0))).trim();
  throw new SyscallError('bpf(BPF_PROG_LOAD)', errno, undefined, text ? `verifier: ${text.split('\n').slice(-3).join(' | ')}` : undefined);
}

/** The ids of the programs attached to the cgroup (its directory fd; `path` names it in errors) at this attach point. */
export function bpfProgQuery(targetFd: number, attachType: number, path?: string): number[] {
  for (let size = 16; ; size *= 4) {
    const ids = Buffer.alloc(size * 4);
    const attr = { target_fd: targetFd, attach_type: attachType, query_flags: 0, attach_flags: 0, prog_ids: ids, prog_cnt: size };
    const ret = Number(bpf().query(nr(), CMD.PROG_QUERY, attr, koffi().sizeof('bpf_prog_query_attr')));
    // ENOSPC: more programs than room; the kernel said how many in prog_cnt.
    if (ret < 0 && attr.prog_cnt > size) continue;
    check(ret, 'BPF_PROG_QUERY', path);
    return Array.from({ length: attr.prog_cnt }, (_, i) => ids.readUInt32LE(i * 4));
  }
}

/** Opens a loaded program by its id; returns the fd (close-on-exec). */
export function bpfProgGetFdById(id: number): number {
  const attr = Buffer.alloc(12);
  attr.writeUInt32LE(id, 0);
  return check(bpf().raw(nr(), CMD.PROG_GET_FD_BY_ID, attr, attr.length), 'BPF_PROG_GET_FD_BY_ID', undefined, `id ${id}`);
}

function attachAttr(targetFd: number, progFd: number, attachType: number, flags: number): Buffer {
  // target_fd, attach_bpf_fd, attach_type, attach_flags, replace_bpf_fd
  const attr = Buffer.alloc(20);
  [targetFd, progFd, attachType, flags].forEach((v, i) => attr.writeUInt32LE(v, i * 4));
  return attr;
}

export function bpfProgAttach(targetFd: number, progFd: number, attachType: number, flags: number, path?: string): void {
  const attr = attachAttr(targetFd, progFd, attachType, flags);
  check(bpf().raw(nr(), CMD.PROG_ATTACH, attr, attr.length), 'BPF_PROG_ATTACH', path);
}

export function bpfProgDetach(targetFd: number, progFd: number, attachType: number, path?: string): void {
  const attr = attachAttr(targetFd, progFd, attachType, 0);
  check(bpf().raw(nr(), CMD.PROG_DETACH, attr, attr.length), 'BPF_PROG_DETACH', path);
}
