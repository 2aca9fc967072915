// The pure parts of ephemeral-storage eviction: the pod's summed limit as the kubelet sums
// it, the kubelet's order and messages, quantities quoted in Kubernetes' canonical form,
// the interval knob; and the du-like measure (on a temporary directory).
import { linkSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasStorageLimits, podStorageLimit, storageCheckFromEnv, storageEvictionMessage } from '../../src/pod/eviction.js';
import { diskUsage, type PodStorageUsage } from '../../src/pod/storage-usage.js';
import { canonicalBytes, canonicalQuantity } from '../../src/model/quantity-canonical.js';
import type { Container, Pod, Volume } from '../../src/model/pod.js';

const Mi = 1024n * 1024n;
const ctr = (name: string, limit?: bigint, extra: Partial<Container> = {}): Container => ({
  name, image: '/', command: ['true'], env: [], volumeMounts: [],
  resources: { requests: {}, limits: limit === undefined ? {} : { 'ephemeral-storage': limit } }, ...extra,
});
const pod = (containers: Container[], initContainers: Container[] = [], volumes: Volume[] = []): Pod => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', labels: {}, annotations: {} },
  spec: { containers, initContainers, volumes, restartPolicy: 'Always', terminationGracePeriodSeconds: 30, shareProcessNamespace: false },
});
const sidecar = (name: string, limit?: bigint) => ctr(name, limit, { restartPolicy: 'Always' });
const emptyDir = (name: string, sizeLimit?: string, medium: '' | 'Memory' = ''): Volume => ({
  name, emptyDir: { medium, ...(sizeLimit ? { sizeLimit, sizeLimitBytes: Number(bytesOf(sizeLimit)) } : {}) },
});
const bytesOf = (q: string) => ({ '1Mi': Mi, '1024Ki': Mi, '2M': 2_000_000n, '0': 0n }[q] ?? 0n);
const MiB = 1024 * 1024;
const usage = (containers: Record<string, [number, number]>, volumes: Record<string, number> = {}, podFiles = 0): PodStorageUsage => ({
  containers: Object.fromEntries(Object.entries(containers).map(([k, [rootfs, logs]]) => [k, { rootfs, logs }])),
  volumes,
  podFiles,
});

describe("the pod's ephemeral-storage limit (resourcehelper.PodLimits)", () => {
  it.each([
    ['no limits', pod([ctr('a'), ctr('b')]), undefined],
    ['the app containers that have one, summed', pod([ctr('a', Mi), ctr('b'), ctr('c', 2n * Mi)]), 3n * Mi],
    ['a larger init container raises it', pod([ctr('a', Mi)], [ctr('i', 5n * Mi)]), 5n * Mi],
    ['a smaller init container does not', pod([ctr('a', 3n * Mi)], [ctr('i', Mi)]), 3n * Mi],
    ['sidecars add to the apps', pod([ctr('a', Mi)], [sidecar('s', 2n * Mi)]), 3n * Mi],
    ['an init container after a sidecar runs beside it', pod([ctr('a', Mi)], [sidecar('s', 2n * Mi), ctr('i', 4n * Mi)]), 6n * Mi],
    ['an init container before the sidecar does not', pod([ctr('a', Mi)], [ctr('i', 4n * Mi), sidecar('s', 2n * Mi)]), 4n * Mi],
    ['only an init container has one', pod([ctr('a')], [ctr('i', Mi)]), Mi],
  ])('%s', (_what, p, want) => expect(podStorageLimit(p)).toBe(want));
});

describe("the kubelet's eviction decision and messages", () => {
  const twoLimited = pod([ctr('a', Mi), ctr('b', 4n * Mi)], [], [emptyDir('data', '1024Ki'), emptyDir('mem', '1Mi', 'Memory'), emptyDir('free')]);
  it.each([
    ['nothing passed', usage({ a: [MiB / 2, 1000], b: [0, 0] }, { data: MiB / 2, free: 0 }), undefined],
    ['an emptyDir at its limit exactly (not past it)', usage({ a: [0, 0], b: [0, 0] }, { data: MiB, free: 0 }), undefined],
    ['an emptyDir past its sizeLimit, quoted canonically', usage({ a: [0, 0], b: [0, 0] }, { data: MiB + 1, free: 0 }), 'Usage of EmptyDir volume "data" exceeds the limit "1Mi". '],
    ['a container past its own limit, with its logs', usage({ a: [MiB, 1], b: [0, 0] }, { data: 0, free: 0 }), 'Container a exceeded its local ephemeral storage limit "1Mi". '],
    ['the pod past its total, counting volumes and its own files', usage({ a: [MiB / 2, 0], b: [MiB, 0] }, { data: MiB / 2, free: 3 * MiB }, 1), 'Pod ephemeral local storage usage exceeds the total limit of containers 5Mi. '],
    ['the emptyDir first, then the pod', usage({ a: [6 * MiB, 0], b: [0, 0] }, { data: 2 * MiB, free: 0 }), 'Usage of EmptyDir volume "data" exceeds the limit "1Mi". '],
    ['the pod before a container', usage({ a: [6 * MiB, 0], b: [0, 0] }, { data: 0, free: 0 }), 'Pod ephemeral local storage usage exceeds the total limit of containers 5Mi. '],
  ])('%s', (_what, u, want) => expect(storageEvictionMessage(twoLimited, u)).toBe(want));

  it('an init container is measured into the pod total, not held to its own limit', () => {
    const p = pod([ctr('a', 4n * Mi)], [ctr('i', Mi)]);
    expect(storageEvictionMessage(p, usage({ a: [0, 0], i: [2 * MiB, 0] }))).toBeUndefined();
    expect(storageEvictionMessage(p, usage({ a: [3 * MiB, 0], i: [2 * MiB, 0] }))).toBe('Pod ephemeral local storage usage exceeds the total limit of containers 4Mi. ');
  });

  it.each([
    ['no limits at all', pod([ctr('a')], [], [emptyDir('d')]), false],
    ['a container limit', pod([ctr('a', Mi)]), true],
    ['an emptyDir sizeLimit on disk', pod([ctr('a')], [], [emptyDir('d', '2M')]), true],
    ['only a Memory emptyDir (a tmpfs of that size)', pod([ctr('a')], [], [emptyDir('m', '1Mi', 'Memory')]), false],
  ])('measured or not: %s', (_what, p, want) => expect(hasStorageLimits(p)).toBe(want));
});

describe("quantities as Kubernetes writes them (Quantity.String())", () => {
  it.each([
    ['1Gi', '1Gi'], ['1024Mi', '1Gi'], ['1024Ki', '1Mi'], ['1000Mi', '1000Mi'], ['1.5Gi', '1536Mi'], ['0.5Gi', '512Mi'],
    ['0.5Ki', '512'], ['1000Ki', '1000Ki'], ['1G', '1G'], ['1000M', '1G'], ['1500M', '1500M'], ['64M', '64M'],
    ['2048', '2048'], ['1000', '1k'], ['0.5', '500m'], ['1e3', '1e3'], ['1500e3', '1500e3'], ['1E', '1E'], ['0', '0'], ['0Mi', '0'],
    ['100m', '100m'], ['12e-1', '1200e-3'],
  ])('%s -> %s', (q, want) => expect(canonicalQuantity(q)).toBe(want));
  it('refuses what is not a quantity', () => expect(canonicalQuantity('1 Gi')).toBeUndefined());
  it.each([
    [0n, '0'], [1000n, '1k'], [1023n, '1023'], [1024n, '1Ki'], [Mi, '1Mi'], [64n * Mi, '64Mi'], [64_000_000n, '64M'],
    [2_048_000_000n, '2048M'], [1000n * Mi, '1000Mi'], [1_024_000n, '1000Ki'], [1536n * Mi, '1536Mi'], [10n ** 9n, '1G'],
  ])('a byte count %s, its form as written: %s', (n, want) => expect(canonicalBytes(n)).toBe(want));
});

describe('PODRUN_STORAGE_CHECK_SECONDS', () => {
  it.each([
    [undefined, 10_000], ['', 10_000], ['2', 2000], ['0.3', 300],
  ])('%j -> %s ms', (v, want) => expect(storageCheckFromEnv({ PODRUN_STORAGE_CHECK_SECONDS: v })).toBe(want));
  it.each(['0', '-1', 'x', '1s'])('%j is refused naming the variable', (v) => {
    expect(() => storageCheckFromEnv({ PODRUN_STORAGE_CHECK_SECONDS: v })).toThrow(/^PODRUN_STORAGE_CHECK_SECONDS: /);
  });
});

describe('the du-like measure', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podrun-unit-du-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('counts allocated blocks, a hard-linked file once, and 0 for a missing path', async () => {
    mkdirSync(join(dir, 'sub'));
    const empty = await diskUsage(dir);
    writeFileSync(join(dir, 'sub', 'f'), Buffer.alloc(256 * 1024, 1));
    const one = await diskUsage(dir);
    expect(one - empty).toBeGreaterThanOrEqual(256 * 1024);
    expect(one - empty).toBeLessThan(256 * 1024 + 64 * 1024);
    linkSync(join(dir, 'sub', 'f'), join(dir, 'g'));
    expect(await diskUsage(dir)).toBe(one);
    expect(await diskUsage(join(dir, 'missing'))).toBe(0);
  });
});
