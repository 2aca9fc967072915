// The pod-level group fields (src/manifest/pod-groups.ts): parsing and the process's groups.
import { describe, expect, it } from 'vitest';
import { podGroups } from '../../src/manifest/pod-groups.js';
import { validatePod } from '../../src/manifest/parse.js';
import { InvalidInputError } from '../../src/util/errors.js';

const podSc = (securityContext: Record<string, unknown>) =>
  validatePod({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { securityContext, containers: [{ name: 'c', image: '/', command: ['true'] }] },
  }).spec.securityContext;

function refusedField(securityContext: Record<string, unknown>): string {
  try {
    podSc(securityContext);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return (e as InvalidInputError).field;
  }
  throw new Error('accepted');
}

describe('supplementalGroups and fsGroup', () => {
  it('parses them and fsGroupChangePolicy', () => {
    expect(podSc({ supplementalGroups: [3000, 4000], fsGroup: 2000, fsGroupChangePolicy: 'OnRootMismatch' })).toEqual({
      supplementalGroups: [3000, 4000],
      fsGroup: 2000,
      fsGroupChangePolicy: 'OnRootMismatch',
    });
    expect(podSc({ supplementalGroups: [] })).toEqual({});
  });

  it('refuses bad IDs and policies, naming the entry', () => {
    expect(refusedField({ supplementalGroups: [1, -1] })).toBe('spec.securityContext.supplementalGroups[1]');
    expect(refusedField({ supplementalGroups: ['5'] })).toBe('spec.securityContext.supplementalGroups[0]');
    expect(refusedField({ supplementalGroups: 5 })).toBe('spec.securityContext.supplementalGroups');
    expect(refusedField({ fsGroup: 2147483648 })).toBe('spec.securityContext.fsGroup');
    expect(refusedField({ fsGroupChangePolicy: 'Never' })).toBe('spec.securityContext.fsGroupChangePolicy');
  });

  it('gives the process fsGroup, then supplementalGroups, each once', () => {
    expect(podGroups({ supplementalGroups: [3000, 2000], fsGroup: 2000 })).toEqual([2000, 3000]);
    expect(podGroups({ supplementalGroups: [3000] })).toEqual([3000]);
    expect(podGroups(undefined)).toEqual([]);
  });
});
