// AppArmor and SELinux: the fields' parsing (src/manifest/lsm.ts) and the create-time
// decision against the host's facts, injected (src/container/lsm.ts).
import { describe, expect, it } from 'vitest';
import { selectLsmLabels, type HostLsm } from '../../src/container/lsm.js';
import { validatePod } from '../../src/manifest/parse.js';
import type { Pod } from '../../src/model/pod.js';
import { InvalidInputError } from '../../src/util/errors.js';

type Obj = Record<string, unknown>;

const pod = (podSc?: Obj, ctrSc?: Obj, annotations: Record<string, string> = {}): Pod =>
  validatePod({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', annotations },
    spec: {
      ...(podSc ? { securityContext: podSc } : {}),
      containers: [{ name: 'c', image: '/', command: ['true'], ...(ctrSc ? { securityContext: ctrSc } : {}) }],
    },
  });

const NONE: HostLsm = { appArmor: false, appArmorProfiles: new Set(), seLinux: false };
const ARMORED: HostLsm = { appArmor: true, appArmorProfiles: new Set(['podrun-default', 'mine']), seLinux: false };
const SELINUX: HostLsm = { ...NONE, seLinux: true };
const labels = (p: Pod, host: HostLsm) => selectLsmLabels(p, p.spec.containers[0], 'spec.containers[0]', host);

function refusal(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    expect((e as InvalidInputError).exitCode).toBe(2);
    return e as InvalidInputError;
  }
  throw new Error('accepted');
}

const ANN = 'container.apparmor.security.beta.kubernetes.io/c';

describe('AppArmor', () => {
  it('applies nothing for Unconfined or nothing asked, even without AppArmor', () => {
    expect(labels(pod(), NONE)).toEqual({});
    expect(labels(pod({ appArmorProfile: { type: 'Unconfined' } }), NONE)).toEqual({});
    expect(labels(pod(undefined, undefined, { [ANN]: 'unconfined' }), NONE)).toEqual({});
  });

  it('refuses a profile on a host without AppArmor, naming the field or the annotation', () => {
    const podLevel = refusal(() => labels(pod({ appArmorProfile: { type: 'RuntimeDefault' } }), NONE));
    expect(podLevel.field).toBe('spec.securityContext.appArmorProfile');
    expect(podLevel.message).toMatch(/AppArmor is not enabled on this host$/);
    const own = refusal(() => labels(pod(undefined, { appArmorProfile: { type: 'Localhost', localhostProfile: 'mine' } }), NONE));
    expect(own.field).toBe('spec.containers[0].securityContext.appArmorProfile');
    expect(refusal(() => labels(pod(undefined, undefined, { [ANN]: 'localhost/mine' }), NONE)).field).toBe(`metadata.annotations[${ANN}]`);
  });

  it('with AppArmor: the loaded profile, container over annotation over pod', () => {
    expect(labels(pod({ appArmorProfile: { type: 'RuntimeDefault' } }), ARMORED)).toEqual({ appArmor: 'podrun-default' });
    expect(labels(pod({ appArmorProfile: { type: 'RuntimeDefault' } }, undefined, { [ANN]: 'localhost/mine' }), ARMORED)).toEqual({ appArmor: 'mine' });
    expect(labels(pod(undefined, { appArmorProfile: { type: 'Unconfined' } }, { [ANN]: 'localhost/mine' }), ARMORED)).toEqual({});
    const missing = refusal(() => labels(pod(undefined, { appArmorProfile: { type: 'Localhost', localhostProfile: 'other' } }), ARMORED));
    expect(missing.message).toMatch(/"other" is not loaded/);
    const noDefault = { ...ARMORED, appArmorProfiles: new Set<string>() };
    expect(refusal(() => labels(pod({ appArmorProfile: { type: 'RuntimeDefault' } }), noDefault)).message).toMatch(/"podrun-default" is not loaded/);
  });

  it('validates the fields and the annotation as Kubernetes does', () => {
    expect(refusal(() => pod({ appArmorProfile: { type: 'Localhost' } })).field).toBe('spec.securityContext.appArmorProfile.localhostProfile');
    expect(refusal(() => pod({ appArmorProfile: { type: 'Unconfined', localhostProfile: 'x' } })).field).toBe('spec.securityContext.appArmorProfile.localhostProfile');
    expect(refusal(() => pod({ appArmorProfile: {} })).field).toBe('spec.securityContext.appArmorProfile.type');
    expect(refusal(() => pod(undefined, undefined, { [ANN]: 'strict' })).field).toBe(`metadata.annotations[${ANN}]`);
    const other = 'container.apparmor.security.beta.kubernetes.io/nope';
    expect(refusal(() => pod(undefined, undefined, { [other]: 'unconfined' })).message).toMatch(/container not found/);
  });
});

describe('SELinux', () => {
  const full = { user: 'system_u', role: 'system_r', type: 'container_t', level: 's0:c1,c2' };

  it('refuses seLinuxOptions on a host without SELinux, naming the field', () => {
    const err = refusal(() => labels(pod(undefined, { seLinuxOptions: { level: 's0' } }), NONE));
    expect(err.field).toBe('spec.containers[0].securityContext.seLinuxOptions');
    expect(err.message).toMatch(/SELinux is not enabled on this host$/);
    expect(refusal(() => labels(pod({ seLinuxOptions: full }), NONE)).field).toBe('spec.securityContext.seLinuxOptions');
    expect(labels(pod({ seLinuxOptions: {} }), NONE)).toEqual({});
  });

  it('with SELinux: the full label, and a partial one refused', () => {
    expect(labels(pod({ seLinuxOptions: full }), SELINUX)).toEqual({ seLinux: 'system_u:system_r:container_t:s0:c1,c2' });
    expect(refusal(() => labels(pod({ seLinuxOptions: { type: 'container_t' } }), SELINUX)).message).toMatch(/all of user, role, type and level/);
  });
});
