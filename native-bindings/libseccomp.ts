// koffi declarations of the libseccomp calls that compile a seccomp filter to BPF
// (libseccomp.so.2, loaded on the first call). libseccomp returns -errno itself rather
// than setting errno; failures become SyscallError with the call and the name involved.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { koffi, SyscallError } from './libc.js';

type FfiFunction = (...args: any[]) => any;
let lib: ReturnType<ReturnType<typeof koffi>['load']> | undefined;

function openLibseccomp(): void {
  if (lib) return;
  lib = koffi().load('libseccomp.so.2');
  // Registered before the first prototype that names it (seccomp_rule_add_array).
  // struct scmp_arg_cmp { unsigned int arg; enum scmp_compare op; scmp_datum_t datum_a, datum_b; }
  koffi().struct('scmp_arg_cmp', { arg: 'uint', op: 'int', datum_a: 'uint64', datum_b: 'uint64' });
}

function declare(prototype: string): FfiFunction {
  let f: FfiFunction | undefined;
  return (...args) => {
    if (!f) {
      openLibseccomp();
      f = lib!.func(prototype);
    }
    return f(...args);
  };
}

const c = {
  init: declare('void *seccomp_init(uint32_t def_action)'),
  release: declare('void seccomp_release(void *ctx)'),
  archResolve: declare('uint32_t seccomp_arch_resolve_name(const char *name)'),
  archAdd: declare('int seccomp_arch_add(void *ctx, uint32_t arch)'),
  attrSet: declare('int seccomp_attr_set(void *ctx, int attr, uint32_t value)'),
  resolveName: declare('int seccomp_syscall_resolve_name(const char *name)'),
  ruleAdd: declare('int seccomp_rule_add_array(void *ctx, uint32_t action, int syscall, unsigned int count, const scmp_arg_cmp *args)'),
  exportBpf: declare('int seccomp_export_bpf(void *ctx, int fd)'),
};

const SCMP_FLTATR_CTL_NNP = 3;
const EEXIST = 17;

function check(ret: number, call: string, detail?: string): void {
  if (ret < 0) throw new SyscallError(call, -ret, undefined, detail);
}

export interface SeccompArgCmp {
  arg: number;
  op: number;
  datum_a: bigint;
  datum_b: bigint;
}

/** A filter under construction; release() it when done. */
export class SeccompFilter {
  private ctx: unknown;

  constructor(defaultAction: number) {
    this.ctx = c.init(defaultAction >>> 0);
    if (!this.ctx) throw new SyscallError('seccomp_init', 22, undefined, `default action 0x${defaultAction.toString(16)}`);
    // The caller decides about no_new_privs: libseccomp would set it on every load.
    check(c.attrSet(this.ctx, SCMP_FLTATR_CTL_NNP, 0), 'seccomp_attr_set', 'CTL_NNP');
  }

  /** Adds an architecture by libseccomp's name (x86, x32); the native one is there already. */
  addArch(name: string): void {
    const token = c.archResolve(name);
    if (!token) throw new SyscallError('seccomp_arch_resolve_name', 22, undefined, name);
    const ret = c.archAdd(this.ctx, token);
    if (ret !== -EEXIST) check(ret, 'seccomp_arch_add', name);
  }

  addRule(action: number, syscall: number, args: SeccompArgCmp[], name: string): void {
    check(c.ruleAdd(this.ctx, action >>> 0, syscall, args.length, args.length ? args : null), 'seccomp_rule_add_array', name);
  }

  /** The compiled program: struct sock_filter[] as the kernel takes it. */
  exportBpf(): Buffer {
    // libseccomp 2.5 exports to a file descriptor only.
    const dir = mkdtempSync(join(tmpdir(), 'podrun-bpf-'));
    try {
      const fd = openSync(join(dir, 'filter'), 'w+');
      try {
        check(c.exportBpf(this.ctx, fd), 'seccomp_export_bpf');
      } finally {
        closeSync(fd);
      }
      return readFileSync(join(dir, 'filter'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  release(): void {
    c.release(this.ctx);
  }
}

/** The native syscall number of a name, or undefined when this kernel's architecture has none. */
export function resolveSyscall(name: string): number | undefined {
  const nr = c.resolveName(name);
  return nr < 0 ? undefined : nr;
}
