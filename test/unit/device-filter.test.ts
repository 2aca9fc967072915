// The cgroup device filter's BPF program without root: the exact instructions of a rule's
// block (the table runc's devicefilter_test.go checks too), the encoding the kernel takes,
// and what the default program decides, run in a small interpreter of the few opcodes
// the builder uses (the kernel runs the same program in the integration tests).
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEVICE_RULES, deviceFilterProgram, encodeProgram, type BpfInsn } from '../../src/container/device-filter.js';

/** The textual form of an instruction, for readable tables. */
function show(x: BpfInsn): string {
  const ops: Record<number, string> = {
    0x61: `r${x.dst} = *(u32 *)(r${x.src} + ${x.off})`,
    0x54: `w${x.dst} &= ${x.imm}`,
    0x74: `w${x.dst} >>= ${x.imm}`,
    0xbc: `w${x.dst} = w${x.src}`,
    0xb4: `w${x.dst} = ${x.imm}`,
    0x55: `if r${x.dst} != ${x.imm} goto +${x.off}`,
    0x5d: `if r${x.dst} != r${x.src} goto +${x.off}`,
    0x95: 'exit',
  };
  return ops[x.code] ?? `unknown 0x${x.code.toString(16)}`;
}

const PROLOGUE = ['r2 = *(u32 *)(r1 + 0)', 'w2 &= 65535', 'r3 = *(u32 *)(r1 + 0)', 'w3 >>= 16', 'r4 = *(u32 *)(r1 + 4)', 'r5 = *(u32 *)(r1 + 8)'];
const DENY = ['w0 = 0', 'exit'];

/** Runs the program on one struct bpf_cgroup_dev_ctx; returns R0. */
function run(insns: readonly BpfInsn[], ctx: { type: number; access: number; major: number; minor: number }): number {
  const mem = [(ctx.access << 16) | ctx.type, ctx.major, ctx.minor];
  const r = new Array<number>(11).fill(0);
  for (let pc = 0; pc < insns.length; pc++) {
    const x = insns[pc];
    switch (x.code) {
      case 0x61: r[x.dst] = mem[x.off / 4] >>> 0; break;
      case 0x54: r[x.dst] = (r[x.dst] & x.imm) >>> 0; break;
      case 0x74: r[x.dst] = r[x.dst] >>> x.imm; break;
      case 0xbc: r[x.dst] = r[x.src]; break;
      case 0xb4: r[x.dst] = x.imm >>> 0; break;
      case 0x55: if (r[x.dst] !== x.imm >>> 0) pc += x.off; break;
      case 0x5d: if (r[x.dst] !== r[x.src]) pc += x.off; break;
      case 0x95: return r[0];
      default: throw new Error(`opcode 0x${x.code.toString(16)}`);
    }
  }
  throw new Error('fell off the end');
}

const CHAR = 2;
const BLOCK = 1;
const [M, R, W] = [1, 2, 4];

describe('device filter program', () => {
  it.each([
    [
      'a full rule tests type, major and minor, never the access',
      { type: 'c' as const, major: 1, minor: 3, access: 'rwm' },
      ['if r2 != 2 goto +4', 'if r4 != 1 goto +3', 'if r5 != 3 goto +2', 'w0 = 1', 'exit'],
    ],
    [
      'a wildcard mknod rule tests type and access only',
      { type: 'b' as const, access: 'm' },
      ['if r2 != 1 goto +5', 'w1 = w3', 'w1 &= 1', 'if r1 != r3 goto +2', 'w0 = 1', 'exit'],
    ],
    [
      'a wildcard minor skips the minor test',
      { type: 'c' as const, major: 136, access: 'rwm' },
      ['if r2 != 2 goto +3', 'if r4 != 136 goto +2', 'w0 = 1', 'exit'],
    ],
    [
      'read-only access on one device',
      { type: 'c' as const, major: 10, minor: 200, access: 'r' },
      ['if r2 != 2 goto +7', 'w1 = w3', 'w1 &= 2', 'if r1 != r3 goto +4', 'if r4 != 10 goto +3', 'if r5 != 200 goto +2', 'w0 = 1', 'exit'],
    ],
  ])('%s', (_, rule, block) => {
    expect(deviceFilterProgram([rule]).map(show)).toEqual([...PROLOGUE, ...block, ...DENY]);
  });

  it('an empty allow list refuses everything', () => {
    expect(deviceFilterProgram([]).map(show)).toEqual([...PROLOGUE, ...DENY]);
  });

  it('refuses an access letter that is not r, w or m', () => {
    expect(() => deviceFilterProgram([{ type: 'c', access: 'rx' }])).toThrow(/only r, w and m/);
  });

  it('encodes struct bpf_insn: code, dst in the low nibble, src in the high one, off, imm', () => {
    const buf = encodeProgram([{ code: 0x5d, dst: 1, src: 3, off: -2, imm: -1 }]);
    expect([...buf]).toEqual([0x5d, 0x31, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff]);
  });

  const prog = deviceFilterProgram(DEFAULT_DEVICE_RULES);
  it.each([
    ['open /dev/null', CHAR, R | W, 1, 3, 1],
    ['open /dev/urandom', CHAR, R, 1, 9, 1],
    ['open a pty', CHAR, R | W, 136, 7, 1],
    ['open /dev/pts/ptmx', CHAR, R | W, 5, 2, 1],
    ['open /dev/net/tun', CHAR, R | W, 10, 200, 1],
    ['mknod a block device', BLOCK, M, 254, 0, 1],
    ['mknod any char device', CHAR, M, 4, 64, 1],
    ['open the host disk', BLOCK, R, 254, 0, 0],
    ['write the host disk', BLOCK, W, 8, 0, 0],
    ['open /dev/mem', CHAR, R, 1, 1, 0],
    ['open /dev/kmsg', CHAR, R | W, 1, 11, 0],
    ['open /dev/console', CHAR, R | W, 5, 1, 0],
    ['mknod and open /dev/kvm together', CHAR, M | R, 10, 232, 0],
  ])('the default filter: %s', (_, type, access, major, minor, want) => {
    expect(run(prog, { type, access, major, minor })).toBe(want);
  });
});
