// Container hardening: the securityContext fields (src/manifest/security-context.ts, via
// parse.ts) and the capability set and no_new_privs computed from them
// (src/container/capabilities.ts).
import { describe, expect, it } from 'vitest';
import { capabilityMask, capabilityNames, capabilitySet, containerPrivileges, DEFAULT_CAPABILITIES, noNewPrivs } from '../../src/container/capabilities.js';
import { validatePod } from '../../src/manifest/parse.js';
import { CAPABILITY_NAMES, capabilityName } from '../../src/model/capabilities.js';
import type { SecurityContext } from '../../src/model/pod.js';
import { InvalidInputError } from '../../src/util/errors.js';

type Obj = Record<string, unknown>;

const sc = (securityContext: Obj): SecurityContext =>
  validatePod({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'a', image: '/' }, { name: 'b', image: '/', securityContext }] },
  }).spec.containers[1].securityContext!;

function invalid(securityContext: Obj): InvalidInputError {
  try {
    sc(securityContext);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    const err = e as InvalidInputError;
    expect(err.exitCode).toBe(2);
    expect(err.message.startsWith(`${err.field}: `)).toBe(true);
    return err;
  }
  throw new Error('accepted');
}

const ALL = [...CAPABILITY_NAMES];
const set = (s: Obj, available = ALL) => capabilitySet(sc(s), available);

describe('capability names', () => {
  it('takes names with or without CAP_ and nothing else', () => {
    expect(capabilityName('CAP_NET_ADMIN')).toBe('NET_ADMIN');
    expect(capabilityName('NET_ADMIN')).toBe('NET_ADMIN');
    expect(capabilityName('CHECKPOINT_RESTORE')).toBe('CHECKPOINT_RESTORE');
    for (const bad of ['net_admin', 'CAP_', 'CAP_CAP_CHOWN', 'ALL', 'NET_FOO']) expect(capabilityName(bad), bad).toBeUndefined();
  });

  it('puts each name at its kernel bit', () => {
    expect(CAPABILITY_NAMES.length).toBe(41);
    expect(capabilityMask(['CHOWN'])).toBe(1n);
    expect(capabilityMask(['SYS_ADMIN'])).toBe(1n << 21n);
    expect(capabilityMask(['CHECKPOINT_RESTORE'])).toBe(1n << 40n);
    // Every bit but 24 (SYS_RESOURCE), and bit 50, which no kernel names yet.
    expect(capabilityNames(0x1fffeffffffn | (1n << 50n))).toEqual(ALL.filter((n) => n !== 'SYS_RESOURCE'));
  });
});

describe('capability sets', () => {
  it('defaults to containerd\'s set, the mask Docker and containerd containers show', () => {
    expect(set({})).toEqual(capabilitySet(undefined, ALL));
    expect(capabilityMask(set({}))).toBe(0xa80425fbn);
    expect(new Set(set({}))).toEqual(new Set(DEFAULT_CAPABILITIES));
  });

  it('adds and drops names with or without CAP_, a drop winning over an add', () => {
    const s = set({ capabilities: { add: ['NET_ADMIN', 'CAP_SYS_TIME', 'CAP_CHOWN'], drop: ['CAP_KILL', 'MKNOD', 'NET_ADMIN'] } });
    expect(s).toContain('SYS_TIME');
    expect(s).toContain('CHOWN');
    for (const gone of ['KILL', 'MKNOD', 'NET_ADMIN']) expect(s).not.toContain(gone);
    expect(s.length).toBe(DEFAULT_CAPABILITIES.length - 1);
  });

  it('drop ALL then add keeps only the added ones; add ALL is every available capability', () => {
    expect(set({ capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } })).toEqual(['NET_BIND_SERVICE']);
    expect(set({ capabilities: { drop: ['ALL'] } })).toEqual([]);
    expect(set({ capabilities: { add: ['ALL'] } }, ['CHOWN', 'SYS_ADMIN'])).toEqual(['CHOWN', 'SYS_ADMIN']);
    // As containerd: ALL in both empties the set, then the named adds apply.
    expect(set({ capabilities: { add: ['ALL', 'KILL'], drop: ['ALL'] } })).toEqual(['KILL']);
    expect(set({ capabilities: { add: ['ALL'], drop: ['CHOWN'] } })).toEqual(ALL.filter((n) => n !== 'CHOWN'));
  });

  it('never gives a capability the runtime lacks', () => {
    expect(set({ capabilities: { add: ['SYS_ADMIN'] } }, ['CHOWN', 'KILL'])).toEqual(['CHOWN', 'KILL']);
  });

  it('privileged: every capability the runtime has, whatever add and drop say', () => {
    expect(set({ privileged: true, capabilities: { drop: ['ALL'] } }, ['CHOWN', 'BPF'])).toEqual(['CHOWN', 'BPF']);
    expect(set({ privileged: true })).toEqual(ALL);
  });
});

describe('the init config\'s capabilities', () => {
  it('names the kept set the OCI way (CAP_...), in bit order, as bounding and effective set', () => {
    const { capabilities } = containerPrivileges(sc({ capabilities: { drop: ['ALL'], add: ['SETUID', 'CHOWN'] } }), ALL);
    expect(capabilities).toEqual({ effective: ['CAP_CHOWN', 'CAP_SETUID'], bounding: ['CAP_CHOWN', 'CAP_SETUID'] });
  });
});

describe('no_new_privs', () => {
  const nnp = (s: Obj) => containerPrivileges(sc(s), ALL).noNewPrivs;

  it('is set by default and with allowPrivilegeEscalation: false, off with true', () => {
    expect(nnp({})).toBe(true);
    expect(noNewPrivs(undefined, DEFAULT_CAPABILITIES)).toBe(true);
    expect(nnp({ allowPrivilegeEscalation: false })).toBe(true);
    expect(nnp({ allowPrivilegeEscalation: true })).toBe(false);
  });

  it('defaults to off, as Kubernetes defaults allowPrivilegeEscalation, when privileged or keeping SYS_ADMIN', () => {
    expect(nnp({ privileged: true })).toBe(false);
    expect(nnp({ capabilities: { add: ['CAP_SYS_ADMIN'] } })).toBe(false);
    expect(nnp({ capabilities: { add: ['ALL'] } })).toBe(false);
    expect(nnp({ capabilities: { add: ['ALL'] }, allowPrivilegeEscalation: false })).toBe(true);
  });
});

describe('securityContext validation', () => {
  it('keeps the fields as written, and runAsUser/runAsGroup beside them', () => {
    const s = { runAsUser: 1, runAsGroup: 2, capabilities: { add: ['CAP_NET_ADMIN'] }, privileged: true, allowPrivilegeEscalation: true, procMount: 'Default', readOnlyRootFilesystem: true };
    expect(sc(s)).toEqual({ ...s, capabilities: { add: ['CAP_NET_ADMIN'], drop: [] } });
    // false asks for nothing and is not kept (Kubernetes omits it too).
    expect(sc({ privileged: false, readOnlyRootFilesystem: false })).toEqual({});
  });

  it('refuses an unknown capability, naming the entry', () => {
    const err = invalid({ capabilities: { drop: ['KILL'], add: ['NET_ADMIN', 'NET_FOO'] } });
    expect(err.field).toBe('spec.containers[1].securityContext.capabilities.add[1]');
    expect(err.message).toMatch(/"NET_FOO": unknown capability/);
    expect(invalid({ capabilities: { drop: ['CAP_'] } }).field).toBe('spec.containers[1].securityContext.capabilities.drop[0]');
  });

  it('refuses lower-case names (containerd would drop "all" silently), saying the upper-case one', () => {
    expect(invalid({ capabilities: { add: ['net_admin'] } }).message).toMatch(/"net_admin": capability names are upper case \(NET_ADMIN\)/);
    expect(invalid({ capabilities: { drop: ['all'] } }).message).toMatch(/upper case \(ALL\)/);
  });

  it('refuses a non-string entry and an unknown capabilities field', () => {
    expect(invalid({ capabilities: { add: [12] } }).field).toBe('spec.containers[1].securityContext.capabilities.add[0]');
    expect(invalid({ capabilities: { remove: ['KILL'] } }).field).toBe('spec.containers[1].securityContext.capabilities.remove');
  });

  it('refuses allowPrivilegeEscalation: false with privileged or with CAP_SYS_ADMIN added (Kubernetes\' rules)', () => {
    const a = invalid({ allowPrivilegeEscalation: false, privileged: true });
    expect(a.field).toBe('spec.containers[1].securityContext.allowPrivilegeEscalation');
    expect(a.message).toMatch(/`privileged` to true/);
    for (const name of ['CAP_SYS_ADMIN', 'SYS_ADMIN']) {
      expect(invalid({ allowPrivilegeEscalation: false, capabilities: { add: [name] } }).message).toMatch(/CAP_SYS_ADMIN/);
    }
  });

  it('refuses procMount: Unmasked (it needs a user namespace) and any other value', () => {
    const err = invalid({ procMount: 'Unmasked' });
    expect(err.field).toBe('spec.containers[1].securityContext.procMount');
    expect(err.message).toMatch(/hostUsers: false/);
    expect(invalid({ procMount: 'Open' }).message).toMatch(/must be one of "Default", "Unmasked"/);
  });

  it('keeps the hardening fields container-level only', () => {
    expect(() =>
      validatePod({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p' },
        spec: { securityContext: { privileged: true }, containers: [{ name: 'a', image: '/' }] },
      }),
    ).toThrow(/spec\.securityContext\.privileged: unknown field/);
  });
});
