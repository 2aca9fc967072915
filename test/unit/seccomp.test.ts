// seccomp without root: the manifest fields, profile validation, Docker's conditional
// entries, action encoding, which profile a container gets and where Localhost files are.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RUNTIME_DEFAULT_PROFILE } from '../../src/container/seccomp/default-profile.js';
import { validateProfile } from '../../src/container/seccomp/profile.js';
import { actionValue, filterPlan, type FilterEnvironment } from '../../src/container/seccomp/rules.js';
import { seccompProgram } from '../../src/container/seccomp/program.js';
import { selectSeccompProfile } from '../../src/container/seccomp/select.js';
import { parseManifest } from '../../src/manifest/parse.js';
import { StatePaths } from '../../src/state/paths.js';
import { InvalidInputError, NotFoundError } from '../../src/util/errors.js';

function pod(podSc?: unknown, ctrSc?: unknown) {
  return parseManifest(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        ...(podSc ? { securityContext: podSc } : {}),
        containers: [{ name: 'c', image: '/', command: ['true'], ...(ctrSc ? { securityContext: ctrSc } : {}) }],
      },
    }),
    'p.json',
  );
}
const fieldOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof InvalidInputError) return e.message;
    throw e;
  }
  throw new Error('no error');
};

describe('manifest: seccompProfile', () => {
  it('parses pod and container profiles', () => {
    const p = pod({ seccompProfile: { type: 'Unconfined' } }, { seccompProfile: { type: 'Localhost', localhostProfile: 'a/b.json' } });
    expect(p.spec.securityContext?.seccompProfile).toEqual({ type: 'Unconfined' });
    expect(p.spec.containers[0].securityContext?.seccompProfile).toEqual({ type: 'Localhost', localhostProfile: 'a/b.json' });
  });

  it.each([
    [{ seccompProfile: {} }, 'spec.containers[0].securityContext.seccompProfile.type: required'],
    [{ seccompProfile: { type: 'Default' } }, 'spec.containers[0].securityContext.seccompProfile.type: "Default": must be one of'],
    [{ seccompProfile: { type: 'Localhost' } }, 'localhostProfile: must be set when seccomp type is Localhost'],
    [{ seccompProfile: { type: 'RuntimeDefault', localhostProfile: 'x' } }, 'localhostProfile: can only be set when seccomp type is Localhost'],
    [{ seccompProfile: { type: 'Localhost', localhostProfile: '/etc/p.json' } }, 'localhostProfile: "/etc/p.json": must be a relative path'],
    [{ seccompProfile: { type: 'Localhost', localhostProfile: 'a/../../p.json' } }, "localhostProfile: \"a/../../p.json\": must not contain '..'"],
    [{ seccompProfile: { type: 'Unconfined', extra: 1 } }, 'spec.containers[0].securityContext.seccompProfile.extra'],
  ])('refuses %j naming the field', (sc, message) => {
    expect(fieldOf(() => pod(undefined, sc))).toContain(message);
  });

  it('names the pod-level field', () => {
    expect(fieldOf(() => pod({ seccompProfile: { type: 'Localhost' } }))).toContain('spec.securityContext.seccompProfile.localhostProfile');
  });
});

describe('profile validation', () => {
  it('accepts the RuntimeDefault profile, the OCI shape and the old one-name form', () => {
    expect(validateProfile(JSON.parse(JSON.stringify(RUNTIME_DEFAULT_PROFILE)))).toEqual(RUNTIME_DEFAULT_PROFILE);
    expect(() =>
      validateProfile({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ name: 'mkdir', action: 'SCMP_ACT_ERRNO' }] }),
    ).not.toThrow();
  });

  it.each([
    [[], 'a seccomp profile must be a JSON object'],
    [{}, 'defaultAction: undefined is not one of'],
    [{ defaultAction: 'SCMP_ACT_NOTIFY' }, 'SCMP_ACT_NOTIFY needs a listener'],
    [{ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: -1 }, 'defaultErrnoRet'],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] }, 'syscalls[0].names'],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 0, op: 'SCMP_CMP_EQ' }] }] }, 'syscalls[0].args[0].index'],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 0, op: 'EQ' }] }] }, 'syscalls[0].args[0].op'],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: 'new' } }] }, 'syscalls[0].includes.minKernel'],
  ])('refuses %j', (profile, message) => {
    expect(() => validateProfile(profile)).toThrow(message);
  });
});

describe('actions and conditional entries', () => {
  it('encodes actions as the kernel values, errno EPERM when unset', () => {
    expect(actionValue('SCMP_ACT_ALLOW', undefined)).toBe(0x7fff0000);
    expect(actionValue('SCMP_ACT_ERRNO', undefined)).toBe(0x00050001);
    expect(actionValue('SCMP_ACT_ERRNO', 38)).toBe(0x00050026);
    expect(actionValue('SCMP_ACT_KILL_PROCESS', undefined)).toBe(0x80000000);
    expect(actionValue('SCMP_ACT_KILL', undefined)).toBe(0);
    expect(actionValue('SCMP_ACT_TRAP', undefined)).toBe(0x00030000);
    expect(actionValue('SCMP_ACT_LOG', undefined)).toBe(0x7ffc0000);
    expect(actionValue('SCMP_ACT_TRACE', 5)).toBe(0x7ff00005);
  });

  const env = (caps: string[], kernel = '6.1.0'): FilterEnvironment => ({ goArch: 'amd64', scmpArch: 'SCMP_ARCH_X86_64', caps: new Set(caps), kernel });
  const allowed = (plan: ReturnType<typeof filterPlan>, name: string) => plan.rules.filter((r) => r.names.includes(name));

  it('RuntimeDefault without CAP_SYS_ADMIN: no unshare or mount, clone only without namespace flags, clone3 ENOSYS', () => {
    const plan = filterPlan(RUNTIME_DEFAULT_PROFILE, env(['CAP_CHOWN']));
    expect(plan.defaultAction).toBe(0x00050001);
    expect(plan.arches).toEqual(['x86_64', 'x86', 'x32']);
    expect(allowed(plan, 'unshare')).toEqual([]);
    expect(allowed(plan, 'mount')).toEqual([]);
    expect(allowed(plan, 'keyctl')).toEqual([]);
    expect(allowed(plan, 'clone')).toEqual([{ names: ['clone'], action: 0x7fff0000, args: [{ index: 0, op: 7, value: 2114060288, valueTwo: 0 }] }]);
    expect(allowed(plan, 'clone3').map((r) => r.action)).toEqual([0x00050026]);
    expect(allowed(plan, 'arch_prctl')).toHaveLength(1);
    expect(allowed(plan, 'riscv_flush_icache')).toEqual([]);
  });

  it('RuntimeDefault with CAP_SYS_ADMIN allows unshare, mount and clone3, and a minKernel gate holds', () => {
    const plan = filterPlan(RUNTIME_DEFAULT_PROFILE, env(['CAP_SYS_ADMIN'], '4.4.0'));
    expect(allowed(plan, 'unshare').map((r) => r.args)).toEqual([[]]);
    expect(allowed(plan, 'mount')).toHaveLength(1);
    expect(allowed(plan, 'clone3').map((r) => r.action)).toEqual([0x7fff0000]);
    expect(allowed(plan, 'ptrace')).toEqual([]); // minKernel 4.8
    expect(allowed(filterPlan(RUNTIME_DEFAULT_PROFILE, env([], '4.8')), 'ptrace')).toHaveLength(1);
  });

  it('skips rules that repeat the default action and splits conditions on one argument', () => {
    const plan = filterPlan(
      {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
        syscalls: [
          { names: ['read'], action: 'SCMP_ACT_ALLOW' },
          { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 0, value: 2, op: 'SCMP_CMP_EQ' }] },
        ],
      },
      env([]),
    );
    expect(plan.arches).toEqual(['x86_64', 'x86']);
    expect(plan.rules.map((r) => r.args.map((a) => a.value))).toEqual([[1], [2]]);
  });
});

describe('which profile a container gets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podrun-seccomp-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const select = (p: ReturnType<typeof pod>) => selectSeccompProfile(p, p.spec.containers[0], 'spec.containers[0]', dir);

  it('RuntimeDefault unless asked otherwise; the container over the pod', () => {
    expect(select(pod())).toBe(RUNTIME_DEFAULT_PROFILE);
    expect(select(pod({ seccompProfile: { type: 'Unconfined' } }))).toBeNull();
    expect(select(pod({ seccompProfile: { type: 'Unconfined' } }, { seccompProfile: { type: 'RuntimeDefault' } }))).toBe(RUNTIME_DEFAULT_PROFILE);
  });

  it('reads Localhost profiles below the seccomp directory and names field and file when they are bad', () => {
    const profile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] };
    writeFileSync(join(dir, 'ok.json'), JSON.stringify(profile));
    writeFileSync(join(dir, 'bad.json'), '{"defaultAction": ');
    expect(select(pod(undefined, { seccompProfile: { type: 'Localhost', localhostProfile: 'ok.json' } }))).toEqual(profile);
    const bad = () => select(pod(undefined, { seccompProfile: { type: 'Localhost', localhostProfile: 'bad.json' } }));
    expect(bad).toThrow(InvalidInputError);
    expect(bad).toThrow(`spec.containers[0].securityContext.seccompProfile.localhostProfile: seccomp profile ${join(dir, 'bad.json')}:`);
    writeFileSync(join(dir, 'arch.json'), JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_NOPE'] }));
    expect(() => select(pod(undefined, { seccompProfile: { type: 'Localhost', localhostProfile: 'arch.json' } }))).toThrow(
      `spec.containers[0].securityContext.seccompProfile.localhostProfile: seccomp profile ${join(dir, 'arch.json')}: seccomp_arch_resolve_name (nope): EINVAL`,
    );
    const missing = () => select(pod({ seccompProfile: { type: 'Localhost', localhostProfile: 'no.json' } }));
    expect(missing).toThrow(NotFoundError);
    expect(missing).toThrow(`spec.securityContext.seccompProfile.localhostProfile: seccomp profile ${join(dir, 'no.json')} not found`);
  });

  it('maps state roots to their seccomp directory as the image cache', () => {
    expect(new StatePaths('/run/podrun').seccompDir).toBe('/var/lib/podrun/seccomp');
    expect(new StatePaths('/tmp/r').seccompDir).toBe('/tmp/r/seccomp');
  });
});

describe('the compiled program (libseccomp, no privilege needed)', () => {
  it('evaluates the capability conditions against the capabilities held', () => {
    const none = seccompProgram(RUNTIME_DEFAULT_PROFILE, []);
    expect(Buffer.from(none, 'base64').length % 8).toBe(0); // struct sock_filter[]
    const admin = seccompProgram(RUNTIME_DEFAULT_PROFILE, ['CAP_SYS_ADMIN']);
    expect(admin).not.toBe(none);
    expect(seccompProgram(RUNTIME_DEFAULT_PROFILE, ['CAP_KILL'])).toBe(none);
  });

  // x86_64: AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, __X32_SYSCALL_BIT; arm64: AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM.
  const ARCH_CONSTANTS: Record<string, number[]> = { x64: [0xc000003e, 0x40000003, 0x40000000], arm64: [0xc00000b7, 0x40000028] };

  it('checks the architecture and its 32-bit halves, so a compat call cannot bypass the filter', () => {
    const program = Buffer.from(seccompProgram(RUNTIME_DEFAULT_PROFILE, []), 'base64');
    // struct sock_filter { u16 code; u8 jt, jf; u32 k }: the constants compared against.
    const ks = new Set(Array.from({ length: program.length / 8 }, (_, i) => program.readUInt32LE(i * 8 + 4)));
    expect(ARCH_CONSTANTS[process.arch].filter((k) => !ks.has(k))).toEqual([]);
  });
});
