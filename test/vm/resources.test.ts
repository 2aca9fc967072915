// Resource limits for real, in the VM (`make test-vm`): OOMKilled from memory.events,
// pids.max stopping a fork loop inside the pod only, cpu.max throttling a busy loop to
// its quota, cpu.weight from the kubelet's formula, the pod cgroup's sums and its
// controllers, hugepages where the guest kernel has them.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { milliCpuToShares, sharesToWeight } from '../../src/cgroup/limit-files.js';
import { leftovers, newRoot, removeRoot, until } from '../integration/helpers.js';
import { cgroupFile, cgroupKeyed, getPod, podEvents, startSupervisor, vmOk, vmPod, vmPodrun, vmReady, VM_TIMEOUT_MS } from './helpers.js';

const Mi = 2 ** 20;
const HUGE_2M = '/sys/kernel/mm/hugepages/hugepages-2048kB';
const hugePages = vmReady && existsSync(HUGE_2M);
if (vmReady && !hugePages) process.stderr.write('test/vm/resources: hugepages skipped: the guest kernel has no 2 MB huge pages\n');

describe.skipIf(!vmReady)('resources on cgroup v2', { timeout: VM_TIMEOUT_MS }, () => {
  const root = vmReady ? newRoot('vm-res') : '';

  beforeAll(() => startSupervisor(root));

  afterAll(async () => {
    for (const pod of ['oom', 'pids', 'sums']) await vmPodrun(root, ['rm', '-f', pod]);
    await removeRoot(root);
  });

  it('a container over its memory limit is OOMKilled (memory.events), restarted by policy, with an event', async () => {
    await vmOk(root, ['run', '-f', '-'], {
      input: vmPod('oom', [{ name: 'hog', command: ['sh', '-c', 'tail /dev/zero'], resources: { limits: { memory: '32Mi' } } }], { restartPolicy: 'OnFailure' }),
    });
    try {
      const cg = join((await getPod(root, 'oom')).status.sandbox.cgroup, 'ctr-hog');
      expect(cgroupFile(cg, 'memory.max')).toBe(String(32 * Mi));
      if (existsSync(join(cg, 'memory.swap.max'))) expect(cgroupFile(cg, 'memory.swap.max')).toBe('0');
      const st = await until('an OOMKilled instance and a restart', async () => {
        const s = (await getPod(root, 'oom')).status.containerStatuses[0]!;
        return s.restartCount >= 1 && s.lastState.terminated?.reason === 'OOMKilled' ? s : undefined;
      }, VM_TIMEOUT_MS / 2, 500);
      expect(st.lastState.terminated?.exitCode).toBe(137);
      expect(cgroupKeyed(cg, 'memory.events').oom_kill).toBeGreaterThanOrEqual(1);
      expect(podEvents(root, 'oom').some((e) => e.type === 'Warning' && e.reason === 'OOMKilled' && e.container === 'hog')).toBe(true);
    } finally {
      await vmOk(root, ['rm', '-f', 'oom']);
    }
  });

  it('pids.max of the pod stops a fork loop inside it, and nothing else', async () => {
    const loop = 'i=0; while [ $i -lt 64 ]; do sleep 600 & i=$((i+1)); done; echo looped; exec sleep 600';
    await vmOk(root, ['run', '-f', '-'], {
      input: vmPod('pids', [{ name: 'forker', command: ['sh', '-c', loop] }, { name: 'bystander', command: ['sleep', '600'] }], {
        annotations: { 'podrun.io/pids-limit': '16' },
      }),
    });
    try {
      const cg = (await getPod(root, 'pids')).status.sandbox.cgroup;
      expect(cgroupFile(cg, 'pids.max')).toBe('16');
      // The kernel (6.1) counts a refused fork in the forking task's own cgroup's pids.events.
      await until('forks refused at the pod\'s pids.max', () => cgroupKeyed(join(cg, 'ctr-forker'), 'pids.events').max! > 0, VM_TIMEOUT_MS / 2, 500);
      expect(Number(cgroupFile(cg, 'pids.current'))).toBeLessThanOrEqual(16);
      expect(cgroupFile(join(cg, 'ctr-forker'), 'pids.max')).toBe('max'); // the limit is the pod's
      const view = await getPod(root, 'pids');
      const bystander = view.status.containerStatuses.find((c) => c.name === 'bystander')!;
      expect(bystander.state.running).toBeDefined();
      expect(bystander.restartCount).toBe(0);
      // Outside the pod, processes still start.
      expect(execFileSync('sh', ['-c', 'for i in $(seq 20); do true & done; wait; echo ok'], { encoding: 'utf8' }).trim()).toBe('ok');
    } finally {
      await vmOk(root, ['rm', '-f', 'pids']);
    }
  });

  describe('a pod of two limited containers', () => {
    let pod = '';
    const busy = { limits: { cpu: '200m', memory: '32Mi' } };
    const idle = { requests: { cpu: '50m' }, limits: { cpu: '100m', memory: '16Mi', ...(hugePages ? { 'hugepages-2Mi': '4Mi' } : {}) } };

    beforeAll(async () => {
      if (hugePages) writeFileSync('/proc/sys/vm/nr_hugepages', '4'); // the guest's, thrown away with it
      pod = (
        await vmOk(root, ['run', '-f', '-'], {
          input: vmPod('sums', [
            { name: 'busy', command: ['sh', '-c', 'while :; do :; done'], resources: busy },
            { name: 'idle', command: ['sleep', '600'], resources: idle },
          ]),
        })
      ).trim();
      await until('both containers running', async () => (await getPod(root, pod)).status.containerStatuses.every((c) => c.state.running), VM_TIMEOUT_MS / 2, 500);
    });

    afterAll(async () => {
      if (pod) await vmOk(root, ['rm', '-f', pod]);
      expect(leftovers(root).pods).toEqual([]);
    });

    const cgroups = async () => {
      const cg = (await getPod(root, pod)).status.sandbox.cgroup;
      return { pod: cg, busy: join(cg, 'ctr-busy'), idle: join(cg, 'ctr-idle') };
    };

    it('the pod cgroup: the sums of its containers\' limits, controllers for its children, no process of its own', async () => {
      const cg = await cgroups();
      const view = await getPod(root, pod);
      expect(view.status.qosClass).toBe('Burstable');
      expect(cgroupFile(cg.pod, 'cpu.max')).toBe('30000 100000');
      expect(cgroupFile(cg.pod, 'memory.max')).toBe(String(48 * Mi));
      expect(cgroupFile(cg.pod, 'cpu.weight')).toBe(String(sharesToWeight(milliCpuToShares(250n))));
      // Only what the pod's requests and limits need (no PID limit here: no pids).
      expect(cgroupFile(cg.pod, 'cgroup.subtree_control').split(' ').sort()).toEqual(hugePages ? ['cpu', 'hugetlb', 'memory'] : ['cpu', 'memory']);
      expect(cgroupFile(cg.pod, 'cgroup.procs')).toBe('');
      expect(readdirSync(cg.pod, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()).toEqual(['ctr-busy', 'ctr-idle', 'pause']);
    });

    it('cpu.weight of each container is the formula\'s value (linear, from Kubernetes shares)', async () => {
      const cg = await cgroups();
      // busy: request defaulted to 200m → 204 shares → weight 8; idle: 50m → 51 shares → weight 2.
      expect(cgroupFile(cg.busy, 'cpu.weight')).toBe('8');
      expect(cgroupFile(cg.idle, 'cpu.weight')).toBe('2');
      expect(cgroupFile(cg.busy, 'cpu.weight')).toBe(String(sharesToWeight(milliCpuToShares(200n))));
      expect(cgroupFile(cg.busy, 'memory.max')).toBe(String(32 * Mi));
      expect(cgroupFile(cg.idle, 'cpu.max')).toBe('10000 100000');
    });

    it('cpu.max throttles a busy loop: nr_throttled grows, usage within 20% of the quota over 3 s', async () => {
      const cg = await cgroups();
      expect(cgroupFile(cg.busy, 'cpu.max')).toBe('20000 100000');
      const before = cgroupKeyed(cg.busy, 'cpu.stat');
      const t0 = process.hrtime.bigint();
      await sleep(3000); // the measuring window
      const after = cgroupKeyed(cg.busy, 'cpu.stat');
      const elapsedUs = Number(process.hrtime.bigint() - t0) / 1000;
      expect(after.nr_throttled!).toBeGreaterThan(before.nr_throttled!);
      const share = (after.usage_usec! - before.usage_usec!) / elapsedUs;
      expect(share).toBeGreaterThan(0.2 * 0.8);
      expect(share).toBeLessThan(0.2 * 1.2);
    });

    it.skipIf(!hugePages)('hugepages: hugetlb.2MB.max from the limit, 0 for the sizes not asked for, summed in the pod', async () => {
      const cg = await cgroups();
      expect(cgroupFile(cg.idle, 'hugetlb.2MB.max')).toBe(String(4 * Mi));
      expect(cgroupFile(cg.busy, 'hugetlb.2MB.max')).toBe('0');
      expect(cgroupFile(cg.pod, 'hugetlb.2MB.max')).toBe(String(4 * Mi));
      if (existsSync(join(cg.pod, 'hugetlb.1GB.max'))) expect(cgroupFile(cg.idle, 'hugetlb.1GB.max')).toBe('0');
    });
  });
});
