// podrun stats where the controllers exist (the pure cgroup v2 guest of `make test-vm`):
// memory.current / memory.peak and pids.current of a container with a memory limit in a
// pod with a PID limit (so that the memory and pids controllers reach its cgroup) are
// what the files say, beside the CPU figures; and pause / unpause freeze and thaw it there.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi } from '../../src/api/client.js';
import { newRoot, removeRoot, until } from '../integration/helpers.js';
import { cgroupFile, cgroupKeyed, getPod, startSupervisor, vmOk, vmPod, vmPodrun, vmReady, VM_TIMEOUT_MS } from './helpers.js';

const MiB = 2 ** 20;
const figure = (cg: string, file: string) => Number(cgroupFile(cg, file));

describe.skipIf(!vmReady)('stats and pause with the memory and pids controllers', { timeout: VM_TIMEOUT_MS }, () => {
  const root = vmReady ? newRoot('vm-stats') : '';
  beforeAll(() => startSupervisor(root));
  afterAll(async () => {
    await vmPodrun(root, ['rm', '-f', 'stats']);
    await removeRoot(root);
  });

  it('reports memory.current, memory.peak and pids.current as the files say', async () => {
    // 24 MiB written to the pod's /dev/shm (a tmpfs: the pages are charged to the writer's
    // cgroup), then three idle children: 4 processes in the container. A counter for pause.
    const script = 'dd if=/dev/zero of=/dev/shm/fill bs=1048576 count=24 2>/dev/null; sleep 600 & sleep 600 & i=0; while true; do i=$((i+1)); echo $i > /dev/shm/n; sleep 0.2; done';
    await vmOk(root, ['run', '-f', '-'], {
      input: vmPod('stats', [{ name: 'mem', command: ['sh', '-c', script], resources: { limits: { memory: '128Mi' } } }], {
        annotations: { 'podrun.io/pids-limit': '64' },
      }),
    });
    const pod = await getPod(root, 'stats');
    const cg = join(pod.status.sandbox.cgroup, 'ctr-mem');
    // sh, two sleeps, and the loop's own sleep most of the time: 3 or 4.
    await until('the memory is charged and the children run', () => figure(cg, 'memory.current') > 24 * MiB && figure(cg, 'pids.current') >= 3, VM_TIMEOUT_MS / 4, 200);

    const before = { cpu: cgroupKeyed(cg, 'cpu.stat').usage_usec!, peak: figure(cg, 'memory.peak') };
    const [c] = JSON.parse(await vmOk(root, ['stats', '-o', 'json', '--interval', '0.5', 'stats'])).containers;
    const after = { cpu: cgroupKeyed(cg, 'cpu.stat').usage_usec!, peak: figure(cg, 'memory.peak'), current: figure(cg, 'memory.current') };

    expect([3, 4]).toContain(c.pids.current);
    // The container's memory moves little; the file read just after is within 5%.
    expect(c.memory.currentBytes).toBeGreaterThan(24 * MiB);
    expect(Math.abs(c.memory.currentBytes - after.current)).toBeLessThan(after.current * 0.05);
    expect(c.memory.peakBytes).toBeGreaterThanOrEqual(before.peak);
    expect(c.memory.peakBytes).toBeLessThanOrEqual(after.peak);
    expect(c.memory.peakBytes).toBeGreaterThanOrEqual(c.memory.currentBytes);
    expect(c.cpu.usageUsec).toBeGreaterThanOrEqual(before.cpu);
    expect(c.cpu.usageUsec).toBeLessThanOrEqual(after.cpu);
    expect(c.cpu.rateCores).toBeGreaterThanOrEqual(0);
  });

  it('pause freezes the pod (the counter stops), unpause thaws it', async () => {
    const pod = await getPod(root, 'stats');
    const sock = join(root, 'supervisor.sock');
    const counterFile = join(root, 'pods', 'stats', 'shm', 'n');
    const counter = () => Number(readFileSync(counterFile, 'utf8').trim() || 0);
    // Over the socket: a CLI start costs seconds in the guest (the verbs are tested on the host).
    await callApi(sock, 'pausePod', { params: { name: 'stats' } });
    expect(cgroupFile(pod.status.sandbox.cgroup, 'cgroup.events')).toMatch(/^frozen 1$/m);
    const at = counter();
    await sleep(2000);
    expect(counter()).toBe(at);
    expect((await getPod(root, 'stats')).status.conditions.find((x) => x.type === 'podrun.io/Paused')?.status).toBe('True');
    await callApi(sock, 'unpausePod', { params: { name: 'stats' } });
    expect(cgroupFile(pod.status.sandbox.cgroup, 'cgroup.events')).toMatch(/^frozen 0$/m);
    await until('the counter runs again', () => counter() > at + 2, VM_TIMEOUT_MS / 4, 200);
  });
});
