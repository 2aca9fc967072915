// The pure parts of `podrun stats`: reading cgroup file formats, the CPU rate between
// two samples, and the table's formatting (unavailable figures are "-", never 0).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { flatKeyedValue, readCgroupUsage, singleValue } from '../../src/cgroup/stats.js';
import { containerStats, cpuRate, type ContainerSample } from '../../src/pod/pod-stats.js';
import { formatBytes, formatCpuPercent, formatCpuTime, parseInterval, statsRows } from '../../src/cli/verbs/stats.js';

const sample = (at: number, cpu: number | null, extra: Partial<ContainerSample> = {}): ContainerSample => ({
  pod: 'p', container: 'c', state: 'running', cgroup: '/cg/p/c', at,
  cpuUsageUsec: cpu, memoryCurrentBytes: null, memoryPeakBytes: null, pidsCurrent: null, ...extra,
});

describe('cgroup file formats', () => {
  it.each([
    ['usage_usec 42\nuser_usec 40\nsystem_usec 2\n', 'usage_usec', 42],
    ['usage_usec 42\nuser_usec 40\n', 'user_usec', 40],
    ['user_usec 40\n', 'usage_usec', null],
    ['xusage_usec 1\n', 'usage_usec', null],
    ['', 'usage_usec', null],
  ])('flat-keyed %j %s -> %s', (text, key, want) => expect(flatKeyedValue(text, key)).toBe(want));
  it.each([
    ['123\n', 123],
    ['0\n', 0],
    ['max\n', null],
    ['', null],
  ])('single value %j -> %s', (text, want) => expect(singleValue(text)).toBe(want));
});

describe('a cgroup directory read as figures', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podrun-unit-stats-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('gives null for each absent file, the figure for each present one (0 included)', () => {
    expect(readCgroupUsage(dir)).toEqual({ cpuUsageUsec: null, memoryCurrentBytes: null, memoryPeakBytes: null, pidsCurrent: null });
    writeFileSync(join(dir, 'cpu.stat'), 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n');
    writeFileSync(join(dir, 'pids.current'), '0\n');
    expect(readCgroupUsage(dir)).toEqual({ cpuUsageUsec: 1500, memoryCurrentBytes: null, memoryPeakBytes: null, pidsCurrent: 0 });
    writeFileSync(join(dir, 'memory.current'), '4096\n');
    writeFileSync(join(dir, 'memory.peak'), '8192\n');
    expect(readCgroupUsage(dir)).toMatchObject({ memoryCurrentBytes: 4096, memoryPeakBytes: 8192 });
    expect(readCgroupUsage(join(dir, 'gone')).cpuUsageUsec).toBeNull();
  });
});

describe('the CPU rate over an interval', () => {
  it.each([
    ['one CPU busy for 1 s', sample(0, 1_000), sample(1000, 1_001_000), 1],
    ['a quarter of a CPU over 2 s', sample(0, 0), sample(2000, 500_000), 0.25],
    ['two CPUs', sample(0, 0), sample(500, 1_000_000), 2],
    ['no previous sample', undefined, sample(1000, 5), null],
    ['usage unavailable now', sample(0, 5), sample(1000, null), null],
    ['usage unavailable before', sample(0, null), sample(1000, 5), null],
    ['no time passed', sample(1000, 5), sample(1000, 9), null],
    ['a recreated cgroup (usage went down)', sample(0, 900), sample(1000, 100), null],
    ['another cgroup of the same name', sample(0, 0, { cgroup: '/cg/old/c' }), sample(1000, 10), null],
  ])('%s', (_what, prev, cur, want) => expect(cpuRate(prev, cur)).toBe(want));

  it('pairs each sample with the previous sample of its own cgroup', () => {
    const prev = [sample(0, 0), sample(0, 0, { container: 'd', cgroup: '/cg/p/d' })];
    const cur = [sample(1000, 500_000, { container: 'd', cgroup: '/cg/p/d' }), sample(1000, 100_000), sample(1000, 7, { container: 'new', cgroup: '/cg/p/new' })];
    expect(containerStats(cur, prev).map((s) => [s.container, s.cpu.rateCores])).toEqual([['d', 0.5], ['c', 0.1], ['new', null]]);
  });
});

describe('the stats table', () => {
  it.each([
    [null, '-'],
    [0, '0B'],
    [1023, '1023B'],
    [1536, '1.50KiB'],
    [50 * 1024 * 1024, '50.0MiB'],
    [300 * 1024 * 1024, '300MiB'],
    [3 * 1024 ** 3, '3.00GiB'],
  ])('bytes %s -> %s', (n, want) => expect(formatBytes(n)).toBe(want));
  it.each([
    [null, '-'],
    [0, '0:00.00'],
    [83_450_000, '1:23.45'],
    [5_009_999, '0:05.00'],
    [3_600_000_000, '60:00.00'],
  ])('cpu time %s us -> %s', (n, want) => expect(formatCpuTime(n)).toBe(want));
  it.each([
    [null, '-'],
    [0, '0.0%'],
    [0.256, '25.6%'],
    [1.5, '150.0%'],
  ])('cpu rate %s -> %s', (n, want) => expect(formatCpuPercent(n)).toBe(want));

  it('writes "-" for every figure the host does not have, and 0 only for a real 0', () => {
    const [row] = statsRows(containerStats([sample(1000, 0, { pidsCurrent: 0 })], [sample(0, 0)]));
    expect(row).toEqual(['p', 'c', '0.0%', '0:00.00', '-', '-', '0']);
  });

  it.each([
    [undefined, 1],
    ['2', 2],
    ['0.25', 0.25],
  ])('--interval %s -> %s s', (v, want) => expect(parseInterval(v)).toBe(want));
  it.each(['0', '-1', 'abc', '1s', ''])('--interval %j is refused naming the flag', (v) => {
    expect(() => parseInterval(v)).toThrow(/^--interval: /);
  });
});
