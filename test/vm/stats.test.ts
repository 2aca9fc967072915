// podrun stats where the controllers exist (the pure cgroup v2 guest of `make test-vm`):
// memory.current / memory.peak and pids.current of a container with a memory limit in a
// pod with a PID limit (so the memory and pids controllers are enabled down to it) are
// reported as the files say, next to the CPU figures. On hosts whose cgroup2 tree lacks
// those controllers (the hybrid development hosts) the file is skipped, saying why.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canRun, manifest, newRoot, podrunAt, removeRoot, until } from '../integration/helpers.js';

const ROOT_CONTROLLERS = '/sys/fs/cgroup/cgroup.controllers';
const controllers = existsSync(ROOT_CONTROLLERS) ? readFileSync(ROOT_CONTROLLERS, 'utf8').trim().split(/\s+/) : [];
const hasControllers = ['memory', 'pids'].every((c) => controllers.includes(c));
if (canRun && !hasControllers) {
  process.stderr.write('test/vm/stats.test.ts skipped: needs cgroup v2 at /sys/fs/cgroup with the memory and pids controllers (run it with make test-vm)\n');
}

const root = canRun && hasControllers ? newRoot('vm-stats') : '/nonexistent';
const { pr, ok } = podrunAt(root);
const figure = (cg: string, file: string) => Number(readFileSync(join(cg, file), 'utf8').trim());
const usageUsec = (cg: string) => Number(/^usage_usec (\d+)$/m.exec(readFileSync(join(cg, 'cpu.stat'), 'utf8'))![1]);
const MiB = 1024 * 1024;

describe.skipIf(!canRun || !hasControllers)('podrun stats with the memory and pids controllers', () => {
  afterAll(async () => {
    await pr(['rm', '-f', 'vm-stats']);
    await removeRoot(root);
  });

  it('reports memory.current, memory.peak and pids.current as the files say', async () => {
    // 24 MiB written to the pod's /dev/shm (a tmpfs: the pages are charged to the writer's
    // cgroup), three idle children: 4 processes in the container.
    const script = 'dd if=/dev/zero of=/dev/shm/fill bs=1048576 count=24 2>/dev/null; sleep 3600 & sleep 3600 & sleep 3600 & wait';
    const pod = JSON.parse(manifest('vm-stats', [{ name: 'mem', command: ['sh', '-c', script], extra: { resources: { limits: { memory: '128Mi' } } } }]));
    pod.metadata.annotations = { 'podrun.io/pids-limit': '64' };
    await ok(['run', '-f', '-'], JSON.stringify(pod));
    const cg = join(JSON.parse(await ok(['inspect', 'vm-stats'])).status.sandbox.cgroup, 'ctr-mem');
    await until('the memory is charged and the children run', () => figure(cg, 'memory.current') > 24 * MiB && figure(cg, 'pids.current') === 4, 60_000, 200);

    const before = { cpu: usageUsec(cg), peak: figure(cg, 'memory.peak') };
    const [c] = JSON.parse(await ok(['stats', '-o', 'json', '--interval', '0.5', 'vm-stats'])).containers;
    const after = { cpu: usageUsec(cg), peak: figure(cg, 'memory.peak'), current: figure(cg, 'memory.current') };

    expect(c.pids.current).toBe(figure(cg, 'pids.current'));
    expect(c.pids.current).toBe(4);
    // An idle container's memory moves little; the file read just after is within 5%.
    expect(c.memory.currentBytes).toBeGreaterThan(24 * MiB);
    expect(Math.abs(c.memory.currentBytes - after.current)).toBeLessThan(after.current * 0.05);
    expect(c.memory.peakBytes).toBeGreaterThanOrEqual(before.peak);
    expect(c.memory.peakBytes).toBeLessThanOrEqual(after.peak);
    expect(c.memory.peakBytes).toBeGreaterThanOrEqual(c.memory.currentBytes);
    expect(c.cpu.usageUsec).toBeGreaterThanOrEqual(before.cpu);
    expect(c.cpu.usageUsec).toBeLessThanOrEqual(after.cpu);
    expect(c.cpu.rateCores).toBeGreaterThanOrEqual(0);

    const row = (await ok(['stats', '--interval', '0.2', 'vm-stats'])).trim().split('\n')[1].split(/\s{3,}/);
    expect(row.slice(0, 2)).toEqual(['vm-stats', 'mem']);
    expect(row[4]).toMatch(/^\d+(\.\d+)?MiB$/);
    expect(row[5]).toMatch(/^\d+(\.\d+)?MiB$/);
    expect(row[6]).toBe('4');
  }, 180_000);
});
