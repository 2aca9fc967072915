// runAsNonRoot (src/manifest/run-as-non-root.ts): refused at parse time when the
// container would run as UID 0, naming the field that decides it.
import { describe, expect, it } from 'vitest';
import { validatePod } from '../../src/manifest/parse.js';
import { InvalidInputError } from '../../src/util/errors.js';

type Obj = Record<string, unknown>;

const pod = (podSc: Obj | undefined, ctrSc: Obj | undefined, key = 'containers') => {
  const c = { name: 'c', image: '/', command: ['true'], ...(ctrSc ? { securityContext: ctrSc } : {}) };
  const spec: Obj = { containers: [{ name: 'main', image: '/', command: ['true'] }] };
  if (key === 'containers') spec.containers = [c];
  else spec.initContainers = [c];
  if (podSc) spec.securityContext = podSc;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec };
};

function refusal(podSc: Obj | undefined, ctrSc: Obj | undefined, key?: string): InvalidInputError {
  try {
    validatePod(pod(podSc, ctrSc, key));
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return e as InvalidInputError;
  }
  throw new Error('accepted');
}

describe('runAsNonRoot', () => {
  it('refuses an unset user (a path image runs as root) with the kubelet message', () => {
    const err = refusal({ runAsNonRoot: true }, undefined);
    expect(err.field).toBe('spec.securityContext.runAsNonRoot');
    expect(err.message).toBe('spec.securityContext.runAsNonRoot: container has runAsNonRoot and image will run as root (pod: "p", container: c)');
    expect(err.exitCode).toBe(2);
  });

  it('names the container field when the container asks', () => {
    expect(refusal(undefined, { runAsNonRoot: true }).field).toBe('spec.containers[0].securityContext.runAsNonRoot');
    expect(refusal(undefined, { runAsNonRoot: true }, 'initContainers').field).toBe('spec.initContainers[0].securityContext.runAsNonRoot');
  });

  it('refuses runAsUser 0, naming the runAsUser that sets it', () => {
    const own = refusal(undefined, { runAsNonRoot: true, runAsUser: 0 });
    expect(own.field).toBe('spec.containers[0].securityContext.runAsUser');
    expect(own.message).toMatch(/container's runAsUser breaks non-root policy \(pod: "p", container: c\)$/);
    expect(refusal({ runAsUser: 0 }, { runAsNonRoot: true }).field).toBe('spec.securityContext.runAsUser');
    // The container's runAsUser 0 wins over the pod's 1000.
    expect(refusal({ runAsUser: 1000, runAsNonRoot: true }, { runAsUser: 0 }).field).toBe('spec.containers[0].securityContext.runAsUser');
  });

  it('accepts a non-zero user from either level, and a container false over a pod true', () => {
    expect(validatePod(pod({ runAsNonRoot: true, runAsUser: 1000 }, undefined)).spec.securityContext?.runAsNonRoot).toBe(true);
    expect(() => validatePod(pod({ runAsNonRoot: true, runAsUser: 0 }, { runAsUser: 1000 }))).not.toThrow();
    const p = validatePod(pod({ runAsNonRoot: true }, { runAsNonRoot: false }));
    expect(p.spec.containers[0].securityContext?.runAsNonRoot).toBe(false);
  });

  it('refuses a non-boolean', () => {
    expect(refusal({ runAsNonRoot: 'yes' }, undefined).field).toBe('spec.securityContext.runAsNonRoot');
  });
});
