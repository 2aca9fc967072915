// A container's cgroup v2 device filter as a BPF_PROG_TYPE_CGROUP_DEVICE program: pure
// logic, the rules and the instructions, which the supervisor puts into the InitConfig
// (building them costs a fresh init stage ~0.7 ms of cold JavaScript; the device-filter
// init step only loads and attaches them). The kernel runs the program on every open and mknod of a device node by a task
// in the cgroup with struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }
// (access_type = access << 16 | type); it returns 1 to allow, 0 to refuse with EPERM.
// The program is built as runc builds it (its devicefilter.go, after crun's ebpf.c): load
// the type, access, major and minor into R2-R5, then one block per rule that jumps to the
// next block on any mismatch and returns 1 at its end, and a final "return 0".

export interface DeviceRule {
  type: 'c' | 'b';
  /** Absent: any. */
  major?: number;
  minor?: number;
  /** A subset of "rwm": read, write, mknod. */
  access: string;
}

/**
 * What every non-privileged container may use: runc's default allowed devices, which
 * containerd's and CRI-O's containers get (containerd's own spec denies everything and
 * runc appends these). mknod of any node is allowed; opening one only for these.
 */
export const DEFAULT_DEVICE_RULES: readonly DeviceRule[] = [
  { type: 'c', access: 'm' },
  { type: 'b', access: 'm' },
  { type: 'c', major: 1, minor: 3, access: 'rwm' }, // null
  { type: 'c', major: 1, minor: 8, access: 'rwm' }, // random
  { type: 'c', major: 1, minor: 7, access: 'rwm' }, // full
  { type: 'c', major: 5, minor: 0, access: 'rwm' }, // tty
  { type: 'c', major: 1, minor: 5, access: 'rwm' }, // zero
  { type: 'c', major: 1, minor: 9, access: 'rwm' }, // urandom
  { type: 'c', major: 136, access: 'rwm' }, // pts/*
  { type: 'c', major: 5, minor: 2, access: 'rwm' }, // ptmx
  { type: 'c', major: 10, minor: 200, access: 'rwm' }, // net/tun, which runc keeps for compatibility
];

/** One struct bpf_insn. */
export interface BpfInsn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

// BPF_DEVCG_DEV_* and BPF_DEVCG_ACC_* (linux/bpf.h).
const DEV_TYPE = { b: 1, c: 2 } as const;
const ACCESS = { m: 1, r: 2, w: 4 } as const;
const ALL_ACCESS = ACCESS.m | ACCESS.r | ACCESS.w;

// Opcodes: class | size/op | source.
const LDX_W = 0x61; // BPF_LDX | BPF_W | BPF_MEM: dst = *(u32 *)(src + off)
const AND32_K = 0x54; // BPF_ALU | BPF_AND | BPF_K
const RSH32_K = 0x74; // BPF_ALU | BPF_RSH | BPF_K
const MOV32_X = 0xbc; // BPF_ALU | BPF_MOV | BPF_X
const MOV32_K = 0xb4; // BPF_ALU | BPF_MOV | BPF_K
const JNE_K = 0x55; // BPF_JMP | BPF_JNE | BPF_K: if dst != imm goto pc + 1 + off
const JNE_X = 0x5d; // BPF_JMP | BPF_JNE | BPF_X
const EXIT = 0x95; // BPF_JMP | BPF_EXIT: return R0

const insn = (code: number, dst: number, src: number, off: number, imm: number): BpfInsn => ({ code, dst, src, off, imm });

/** R2 = type, R3 = access, R4 = major, R5 = minor, from the context in R1. */
const PROLOGUE: readonly BpfInsn[] = [
  insn(LDX_W, 2, 1, 0, 0),
  insn(AND32_K, 2, 0, 0, 0xffff),
  insn(LDX_W, 3, 1, 0, 0),
  insn(RSH32_K, 3, 0, 0, 16),
  insn(LDX_W, 4, 1, 4, 0),
  insn(LDX_W, 5, 1, 8, 0),
];

function accessBits(access: string): number {
  let bits = 0;
  for (const ch of access) {
    const bit = ACCESS[ch as keyof typeof ACCESS];
    if (bit === undefined) throw new Error(`device rule access "${access}": only r, w and m`);
    bits |= bit;
  }
  return bits;
}

/** One rule's block: each test jumps past the block's end (to the next rule) on a mismatch. */
function ruleBlock(rule: DeviceRule): BpfInsn[] {
  const bits = accessBits(rule.access);
  // Each test ends with the jump; `rest` is how many instructions of the block follow it.
  const tests: ((rest: number) => BpfInsn[])[] = [(rest) => [insn(JNE_K, 2, 0, rest, DEV_TYPE[rule.type])]];
  // The asked access must be within the rule's: (access & bits) == access (R1 is free now).
  if (bits !== ALL_ACCESS) tests.push((rest) => [insn(MOV32_X, 1, 3, 0, 0), insn(AND32_K, 1, 0, 0, bits), insn(JNE_X, 1, 3, rest, 0)]);
  if (rule.major !== undefined) tests.push((rest) => [insn(JNE_K, 4, 0, rest, rule.major!)]);
  if (rule.minor !== undefined) tests.push((rest) => [insn(JNE_K, 5, 0, rest, rule.minor!)]);
  const accept = [insn(MOV32_K, 0, 0, 0, 1), insn(EXIT, 0, 0, 0, 0)];
  // Built back to front, so each jump knows how many instructions of the block follow it.
  let block = accept;
  for (const test of tests.reverse()) block = [...test(block.length), ...block];
  return block;
}

/** The program for an allow list: every access a rule does not allow is refused. */
export function deviceFilterProgram(rules: readonly DeviceRule[]): BpfInsn[] {
  return [...PROLOGUE, ...rules.flatMap(ruleBlock), insn(MOV32_K, 0, 0, 0, 0), insn(EXIT, 0, 0, 0, 0)];
}

/** The instructions as the kernel takes them: 8 bytes each, little-endian fields. */
export function encodeProgram(insns: readonly BpfInsn[]): Buffer {
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach((x, i) => {
    buf.writeUInt8(x.code, i * 8);
    buf.writeUInt8((x.src << 4) | x.dst, i * 8 + 1);
    buf.writeInt16LE(x.off, i * 8 + 2);
    buf.writeInt32LE(x.imm, i * 8 + 4);
  });
  return buf;
}

let defaultProgram: string | undefined;

/** The default rules' program as the InitConfig carries it (base64 of struct bpf_insn[]), built once. */
export function defaultDeviceFilter(): string {
  return (defaultProgram ??= encodeProgram(deviceFilterProgram(DEFAULT_DEVICE_RULES)).toString('base64'));
}
