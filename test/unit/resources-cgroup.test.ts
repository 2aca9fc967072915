import { describe, expect, it } from 'vitest';
import { cgroupSettings, cpuMaxValue, hugetlbSizeName, milliCpuToQuota, milliCpuToShares, sharesToWeight } from '../../src/cgroup/limit-files.js';
import { validatePod } from '../../src/manifest/parse.js';
import { containerCgroupLimits, oomScoreAdj, podCgroupLimits, qosClass, resourceNeeds } from '../../src/pod/pod-resources.js';
import { refusal, unmetNeeds } from '../../src/pod/resource-check.js';

const Mi = 2n ** 20n;
const Gi = 2n ** 30n;

type R = { requests?: Record<string, string>; limits?: Record<string, string> } | undefined;
function pod(apps: R[], inits: Array<[R, boolean?]> = [], annotations: Record<string, string> = {}) {
  return validatePod({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', annotations },
    spec: {
      initContainers: inits.map(([resources, sidecar], i) => ({ name: `i${i}`, image: '/', command: ['x'], resources, ...(sidecar ? { restartPolicy: 'Always' } : {}) })),
      containers: apps.map((resources, i) => ({ name: `c${i}`, image: '/', command: ['x'], resources })),
    },
  });
}
const g = (cpu: string, memory: string): R => ({ limits: { cpu, memory } });

describe('the kubelet\'s cpu formulas', () => {
  it.each([[0n, 2n], [1n, 2n], [250n, 256n], [500n, 512n], [1000n, 1024n], [300_000n, 262_144n]])('MilliCPUToShares(%s) = %s', (m, s) => {
    expect(milliCpuToShares(m)).toBe(s);
  });
  it.each([[2n, 1n], [256n, 10n], [512n, 20n], [1024n, 39n], [262_144n, 10_000n]])('shares %s → cpu.weight %s (linear)', (s, w) => {
    expect(sharesToWeight(s)).toBe(w);
  });
  it.each([[0n, 0n], [1n, 1000n], [500n, 50_000n], [1500n, 150_000n], [2000n, 200_000n]])('milliCPUToQuota(%s) = %s', (m, q) => {
    expect(milliCpuToQuota(m)).toBe(q);
  });
  it('writes cpu.max as "quota period", "max" without a limit', () => {
    expect(cpuMaxValue(undefined)).toBe('max 100000');
    expect(cpuMaxValue(250n)).toBe('25000 100000');
  });
  it.each([[2n * Mi, '2MB'], [Gi, '1GB'], [64n * 1024n, '64KB']])('hugetlb file of page size %s: hugetlb.%s.max', (b, n) => {
    expect(hugetlbSizeName(b)).toBe(n);
  });
});

describe('QoS class (ComputePodQOS)', () => {
  it.each([
    ['no resources anywhere', pod([undefined, {}]), 'BestEffort'],
    ['cpu and memory limits (requests defaulted)', pod([g('1', '1Gi'), g('500m', '64Mi')]), 'Guaranteed'],
    ['requests equal to limits', pod([{ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }]), 'Guaranteed'],
    ['a request below its limit', pod([{ requests: { cpu: '500m' }, limits: { cpu: '1', memory: '1Gi' } }]), 'Burstable'],
    ['one container without limits', pod([g('1', '1Gi'), undefined]), 'Burstable'],
    ['memory only', pod([{ limits: { memory: '1Gi' } }]), 'Burstable'],
    ['an init container without limits', pod([g('1', '1Gi')], [[undefined]]), 'Burstable'],
    ['an init container with its own', pod([g('1', '1Gi')], [[g('2', '2Gi')]]), 'Guaranteed'],
    ['ephemeral-storage only', pod([{ limits: { 'ephemeral-storage': '1Gi' } }]), 'BestEffort'],
  ])('%s → %s', (_what, p, qos) => {
    expect(qosClass(p.spec)).toBe(qos);
  });
});

describe('oom_score_adj (qos/policy.go)', () => {
  const node = Gi;
  const adj = (p: ReturnType<typeof pod>, i = 0, init = false) => oomScoreAdj(p.spec, (init ? p.spec.initContainers : p.spec.containers)[i]!, node);
  it('Guaranteed -997, BestEffort 1000', () => {
    expect(adj(pod([g('1', '1Gi')]))).toBe(-997);
    expect(adj(pod([undefined]))).toBe(1000);
  });
  it.each([
    ['512Mi', 500],
    ['10Mi', 991], // 1000 - floor(1000*10Mi/1Gi)
    ['2Gi', 3], // at least 1000 + (-997)
    ['100Ki', 999], // never the BestEffort value
  ])('Burstable with a %s memory request: %s', (req, want) => {
    expect(adj(pod([{ requests: { memory: req } }]))).toBe(want);
  });
  it('a sidecar is no higher than the regular container with the smallest request', () => {
    const p = pod([{ requests: { memory: '256Mi' } }, { requests: { memory: '128Mi' } }], [[{ requests: { cpu: '100m' } }, true]]);
    expect(adj(p, 0, true)).toBe(1000 - 125);
    expect(adj(p, 1)).toBe(1000 - 125);
  });
});

describe('the pod cgroup (ResourceConfigForPod)', () => {
  it('Guaranteed: summed shares, quota and memory', () => {
    const l = podCgroupLimits(pod([g('500m', '64Mi'), g('250m', '32Mi')]));
    expect(l).toMatchObject({ cpuShares: 768n, cpuLimit: 750n, memoryLimit: 96n * Mi });
  });
  it('Burstable: a limit only when every container has one', () => {
    const l = podCgroupLimits(pod([g('500m', '64Mi'), { limits: { cpu: '1' } }]));
    expect(l.cpuLimit).toBe(1500n);
    expect(l.memoryLimit).toBeUndefined();
    expect(l.cpuShares).toBe(milliCpuToShares(1500n));
  });
  it('BestEffort: the minimum shares, nothing else', () => {
    expect(podCgroupLimits(pod([undefined]))).toEqual({ cpuShares: 2n, hugePages: new Map() });
  });
  it('init containers: the max of each one (with the sidecars before it) and the sum of the rest', () => {
    const l = podCgroupLimits(pod([g('1', '256Mi'), g('1', '256Mi')], [[g('100m', '100Mi'), true], [g('3', '1Gi')]]));
    // apps + sidecar = 2100m / 612Mi; the init container runs beside the sidecar: 3100m / 1124Mi.
    expect(l.cpuLimit).toBe(3100n);
    expect(l.memoryLimit).toBe(1124n * Mi);
  });
  it('hugepages from the requests, pids.max from the annotation', () => {
    const l = podCgroupLimits(pod([{ limits: { memory: '64Mi', 'hugepages-2Mi': '4Mi' } }], [], { 'podrun.io/pids-limit': '100' }));
    expect(l.hugePages).toEqual(new Map([[2n * Mi, 4n * Mi]]));
    expect(l.pidsMax).toBe(100);
  });
});

describe('a container cgroup\'s files', () => {
  const all = new Set(['cpu', 'memory', 'pids', 'hugetlb']);
  it('writes the kubelet\'s values, 0 for huge page sizes not asked for', () => {
    const c = pod([{ requests: { cpu: '250m' }, limits: { cpu: '500m', memory: '128Mi', 'hugepages-2Mi': '2Mi' } }]).spec.containers[0]!;
    expect(cgroupSettings(containerCgroupLimits(c), all, [2n * Mi, Gi])).toEqual([
      { controller: 'cpu', file: 'cpu.weight', value: '10' },
      { controller: 'cpu', file: 'cpu.max', value: '50000 100000' },
      { controller: 'memory', file: 'memory.max', value: String(128n * Mi) },
      { controller: 'memory', file: 'memory.swap.max', value: '0' },
      { controller: 'hugetlb', file: 'hugetlb.2MB.max', value: String(2n * Mi) },
      { controller: 'hugetlb', file: 'hugetlb.1GB.max', value: '0' },
    ]);
  });
  it('shares come from the limit when the request is 0; nothing for missing controllers', () => {
    const c = pod([{ requests: { cpu: '0' }, limits: { cpu: '1' } }]).spec.containers[0]!;
    expect(cgroupSettings(containerCgroupLimits(c), new Set(['cpu']), [])).toEqual([
      { controller: 'cpu', file: 'cpu.weight', value: '39' },
      { controller: 'cpu', file: 'cpu.max', value: '100000 100000' },
    ]);
    expect(cgroupSettings(containerCgroupLimits(c), new Set(), [])).toEqual([]);
  });
});

describe('what a host cannot hold', () => {
  const p = pod([{ requests: { cpu: '100m' }, limits: { memory: '64Mi', 'hugepages-1Gi': '1Gi' } }], [[{ limits: { cpu: '1' } }]], { 'podrun.io/pids-limit': '10' });
  it('lists every limit and request with its field and controller', () => {
    expect(resourceNeeds(p).map((n) => [n.field, n.controller, n.kind])).toEqual([
      ['spec.initContainers[0].resources.limits.cpu', 'cpu', 'limit'],
      ['spec.containers[0].resources.limits.memory', 'memory', 'limit'],
      ['spec.containers[0].resources.requests.cpu', 'cpu', 'request'],
      ['spec.containers[0].resources.limits.hugepages-1Gi', 'hugetlb', 'limit'],
      ['metadata.annotations[podrun.io/pids-limit]', 'pids', 'limit'],
    ]);
  });
  it('refuses on the first limit, naming the others; requests alone are no refusal', () => {
    const unmet = unmetNeeds(resourceNeeds(p), new Set(['hugetlb', 'pids']), [2n * Mi], '/sys/fs/cgroup');
    expect(unmet.map((u) => u.field)).toEqual([
      'spec.initContainers[0].resources.limits.cpu',
      'spec.containers[0].resources.limits.memory',
      'spec.containers[0].resources.requests.cpu',
      'spec.containers[0].resources.limits.hugepages-1Gi',
    ]);
    expect(unmet[3]!.message).toContain('no 1GB huge pages');
    expect(refusal(unmet)?.message).toMatch(/^spec\.initContainers\[0\]\.resources\.limits\.cpu cannot be enforced: the cgroup v2 controller "cpu" is not available in \/sys\/fs\/cgroup \(and 2 more: .*memory, .*hugepages-1Gi\)/);
    expect(refusal(unmet.filter((u) => u.kind === 'request'))).toBeUndefined();
  });
});
