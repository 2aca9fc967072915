import { describe, expect, it } from 'vitest';
import { validatePod } from '../../src/manifest/parse.js';
import { formatQuantity, parseMilliQuantity } from '../../src/model/quantity.js';
import { InvalidInputError } from '../../src/util/errors.js';

function podWith(resources: unknown, extra: Record<string, unknown> = {}) {
  return validatePod({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'r' },
    spec: { containers: [{ name: 'c', image: '/', command: ['true'], resources, ...extra }] },
  });
}
const res = (r: unknown) => podWith(r).spec.containers[0]!.resources;

function fieldOf(fn: () => unknown): [string, string] {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidInputError) return [e.field, e.message];
    throw e;
  }
  throw new Error('no error');
}

describe('parseMilliQuantity (apimachinery, then RoundUp to milli)', () => {
  it.each([
    ['500m', 500n],
    ['1.5', 1500n],
    ['1', 1000n],
    ['0.1m', 1n], // sub-milli rounds up
    ['0.0001', 1n],
    ['1e3', 1000000n],
    ['1E-3', 1n],
    ['128Mi', 134217728000n],
    ['1G', 1000000000000n],
    ['1.G', 1000000000000n],
    ['.5', 500n],
    ['007', 7000n],
    ['+2', 2000n],
    ['-0.1m', -1n], // away from zero, as RoundUp does
    ['0', 0n],
  ])('%s → %s', (text, milli) => {
    expect(parseMilliQuantity(text)).toBe(milli);
  });

  it.each(['', ' 1', '1 ', 'Mi', '1mi', '1KiB', '1e', '1.1.M', '1+1.0M', '0.1am', 'aoeu', '.5i', '1i', '-3.01e-', '1K', '1e1.5'])(
    'refuses %j',
    (text) => {
      expect(parseMilliQuantity(text)).toBeNull();
    },
  );
});

describe('formatQuantity', () => {
  it.each([
    [500n, true, '500m'],
    [2000n, true, '2'],
    [134217728n, false, '128Mi'],
    [1000000000n, false, '1G'],
    [1500n, false, '1500'],
    [0n, false, '0'],
  ])('%s (milli %s) → %s', (v, milli, text) => {
    expect(formatQuantity(v, milli)).toBe(text);
  });
});

describe('container resources', () => {
  it('is empty lists when absent, or {}', () => {
    expect(res(undefined)).toEqual({ requests: {}, limits: {} });
    expect(res({})).toEqual({ requests: {}, limits: {} });
  });

  it('gives cpu in millicores and the rest in bytes, rounded up', () => {
    expect(
      res({
        requests: { cpu: '250m', memory: '64Mi', 'ephemeral-storage': '1Gi' },
        limits: { cpu: 1.5, memory: '1G', 'hugepages-2Mi': '4Mi' },
      }),
    ).toEqual({
      requests: { cpu: 250n, memory: 67108864n, 'ephemeral-storage': 1073741824n, 'hugepages-2Mi': 4194304n },
      limits: { cpu: 1500n, memory: 1000000000n, 'hugepages-2Mi': 4194304n },
    });
    expect(res({ requests: { memory: '1500m', cpu: '0.0001' } }).requests).toEqual({ memory: 2n, cpu: 1n });
  });

  it('defaults a missing request to its limit', () => {
    expect(res({ limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '100m' } }).requests).toEqual({ cpu: 100n, memory: 1073741824n });
  });

  it.each([
    [{ limits: { cpu: 'one' } }, 'spec.containers[0].resources.limits.cpu', /"one": must be a quantity/],
    [{ requests: { memory: '64MB' } }, 'spec.containers[0].resources.requests.memory', /"64MB"/],
    [{ limits: { memory: true } }, 'spec.containers[0].resources.limits.memory', /must be a quantity/],
    [{ limits: { cpu: '-1' } }, 'spec.containers[0].resources.limits.cpu', /greater than or equal to 0/],
    [{ requests: { cpu: '2' }, limits: { cpu: '1' } }, 'spec.containers[0].resources.requests.cpu', /less than or equal to cpu limit of 1/],
    [{ limits: { 'nvidia.com/gpu': 1 } }, 'spec.containers[0].resources.limits.nvidia.com/gpu', /unsupported resource name/],
    [{ limits: { pods: 1 } }, 'spec.containers[0].resources.limits.pods', /unsupported resource name/],
    [{ limits: 'x' }, 'spec.containers[0].resources.limits', /must be an object/],
    [{ limit: {} }, 'spec.containers[0].resources.limit', /did you mean "limits"/],
    [{ claims: [{ name: 'gpu' }] }, 'spec.containers[0].resources.claims', /not supported by podrun yet/],
    [{ requests: { cpu: '1', 'hugepages-2Mi': '2Mi' } }, 'spec.containers[0].resources.limits.hugepages-2Mi', /Limit must be set/],
    [{ requests: { cpu: '1', 'hugepages-2Mi': '2Mi' }, limits: { 'hugepages-2Mi': '4Mi' } }, 'spec.containers[0].resources.requests.hugepages-2Mi', /must be equal to hugepages-2Mi limit of 4Mi/],
    [{ limits: { cpu: '1', 'hugepages-2Mi': '3Mi' } }, 'spec.containers[0].resources.limits.hugepages-2Mi', /whole number of 2Mi pages/],
    [{ limits: { 'hugepages-2Mi': '2Mi' } }, 'spec.containers[0].resources', /HugePages require cpu or memory/],
    [{ limits: { 'hugepages-x': '2Mi', cpu: '1' } }, 'spec.containers[0].resources.limits.hugepages-x', /page size/],
  ])('refuses %j naming the field', (r, field, message) => {
    const [f, m] = fieldOf(() => res(r));
    expect(f).toBe(field);
    expect(m).toMatch(message);
  });
});
