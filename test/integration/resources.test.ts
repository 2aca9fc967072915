// Root-only integration tests of resources on this host, whose cgroup2 tree has no
// controllers (hybrid): a limit is refused at create naming the field and the
// controller, with nothing created; the opt-in (flag or variable) turns it into a
// warning, an event and a pod condition; a request only warns. QoS and oom_score_adj
// are checked on the running container. Real limits are tested in the VM (test/vm/).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { availableControllers } from '../../src/cgroup/controllers.js';
import { cgroup2Mount } from '../../src/cgroup/cgroup2.js';
import { canRun, inspect, killSupervisor, leftovers, manifest, newRoot, ok, podrun, REPO, removeRoot, until } from './helpers.js';

const controllers = canRun ? availableControllers(cgroup2Mount()) : new Set<string>();
const noMemory = !controllers.has('memory');
const noCpu = !controllers.has('cpu');
const noPids = !controllers.has('pids');
if (canRun && !(noMemory && noCpu && noPids)) {
  process.stderr.write('resources.test.ts: some refusals skipped: this host has cgroup v2 memory/cpu/pids controllers (they are tested in the VM)\n');
}

const sleeper = (name: string, resources: unknown, extra: Record<string, unknown> = {}) =>
  manifest(name, [{ name: 'c', command: ['sleep', '3600'], extra: { resources } }], extra);

const events = async (root: string, pod: string) =>
  (await ok(root, ['events', '-o', 'json', pod])).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; reason: string; message: string });

/** The lowest oom_score_adj at or above `wanted` that this host lets podrun's processes set. */
function hostFloorFor(wanted: number): number {
  const script = `import('${join(REPO, 'dist/src/kernel/oom-score.js')}').then((m) => console.log(m.setOomScoreAdj(${wanted})))`;
  return Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim());
}

describe.skipIf(!canRun)('oom_score_adj clamped to what the host permits', () => {
  it('gets the wanted value, or the lowest the kernel accepts above it', () => {
    const script = `const m = await import('${join(REPO, 'dist/src/kernel/oom-score.js')}');
      const fs = await import('node:fs');
      const got = m.setOomScoreAdj(-997);
      let below = 'none';
      try { fs.writeFileSync('/proc/self/oom_score_adj', String(got - 1)); below = 'accepted'; } catch (e) { below = e.code; }
      console.log(JSON.stringify({ got, below, now: Number(fs.readFileSync('/proc/self/oom_score_adj', 'utf8')) }));`;
    const r = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { got: number; below: string; now: number };
    if (r.got === -997) {
      // CAP_SYS_RESOURCE (or a low enough floor): exact; one lower is still fine for the kernel.
      expect(r.below).toBe('accepted');
    } else {
      expect(r.got).toBeGreaterThan(-997);
      expect(r.below).toBe('EACCES');
      expect(r.now).toBe(r.got);
    }
  });
});

describe.skipIf(!canRun)('resources on a host without cgroup v2 controllers', () => {
  const root = canRun ? newRoot('resources') : '';

  afterAll(async () => {
    // A failed test must not leave its pod (and so its supervisor) behind.
    for (const pod of ['res-optin', 'res-env', 'res-req', 'res-none']) await podrun(root, ['rm', '-f', pod]);
    await removeRoot(root);
  });

  it.skipIf(!noMemory)('refuses a memory limit at create, naming the field and the controller, and creates nothing', async () => {
    const r = await podrun(root, ['create', '-f', '-'], { input: sleeper('res-refused', { limits: { memory: '64Mi' } }) });
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('spec.containers[0].resources.limits.memory cannot be enforced: the cgroup v2 controller "memory" is not available');
    expect(r.stderr).toContain('--ignore-missing-controllers');
    expect(leftovers(root).pods).toEqual([]);
    expect((await podrun(root, ['inspect', 'res-refused'])).exitCode).toBe(1);
  });

  it.skipIf(!noPids)('refuses the pids limit annotation, naming it and the pids controller', async () => {
    const r = await podrun(root, ['create', '-f', '-'], {
      input: manifest('res-pids', [{ name: 'c', command: ['true'] }]).replace('"metadata":{"name":"res-pids"}', '"metadata":{"name":"res-pids","annotations":{"podrun.io/pids-limit":"64"}}'),
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('metadata.annotations[podrun.io/pids-limit] cannot be enforced: the cgroup v2 controller "pids"');
    expect(leftovers(root).pods).toEqual([]);
  });

  it.skipIf(!noMemory || !noCpu)('with --ignore-missing-controllers: a warning, an event and the pod condition; Guaranteed, oom_score_adj clamped', async () => {
    const r = await podrun(root, ['run', '--ignore-missing-controllers', '-f', '-'], {
      input: sleeper('res-optin', { limits: { memory: '64Mi', cpu: '500m' } }),
    });
    expect(r.exitCode).toBe(0);
    const warnings = r.stderr.trim().split('\n');
    expect(warnings).toEqual([
      expect.stringMatching(/^podrun: warning: spec\.containers\[0\]\.resources\.limits\.memory cannot be enforced: the cgroup v2 controller "memory"/),
      expect.stringMatching(/^podrun: warning: spec\.containers\[0\]\.resources\.limits\.cpu cannot be enforced: the cgroup v2 controller "cpu"/),
    ]);
    const ev = (await events(root, 'res-optin')).filter((e) => e.reason === 'LimitNotEnforced');
    expect(ev.map((e) => [e.type, e.message.split(' ')[0]])).toEqual([
      ['Warning', 'spec.containers[0].resources.limits.memory'],
      ['Warning', 'spec.containers[0].resources.limits.cpu'],
    ]);
    const view = await inspect(root, 'res-optin');
    expect(view.status.qosClass).toBe('Guaranteed');
    expect(view.spec.containers[0].resources).toEqual({ limits: { memory: '64Mi', cpu: '500m' }, requests: { memory: '64Mi', cpu: '500m' } });
    const cond = view.status.conditions.find((c: { type: string }) => c.type === 'podrun.io/LimitsEnforced');
    expect(cond).toMatchObject({ status: 'False', reason: 'MissingCgroupControllers' });
    expect(cond.message).toContain('limits.memory');
    // Nothing it needs is there, so nothing was enabled (a stray controller such as hugetlb stays off).
    expect(readFileSync(join(view.status.sandbox.cgroup, 'cgroup.subtree_control'), 'utf8').trim()).toBe('');
    // Guaranteed asks for -997; without CAP_SYS_RESOURCE the host allows no lower than its floor.
    const pid = await until('the container pid', async () => (await inspect(root, 'res-optin')).status.containerStatuses[0].pid as number);
    expect(Number(readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8'))).toBe(hostFloorFor(-997));
    await ok(root, ['rm', '-f', 'res-optin']);
  });

  it.skipIf(!noMemory)('PODRUN_IGNORE_MISSING_CONTROLLERS=1 opts in too; a bad value is refused (exit 2)', async () => {
    const input = sleeper('res-env', { requests: { memory: '64Mi' }, limits: { memory: '128Mi' } });
    const bad = await podrun(root, ['create', '-f', '-'], { input, env: { PODRUN_IGNORE_MISSING_CONTROLLERS: 'yes' } });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('PODRUN_IGNORE_MISSING_CONTROLLERS: "yes"');
    const r = await podrun(root, ['run', '-f', '-'], { input, env: { PODRUN_IGNORE_MISSING_CONTROLLERS: '1' } });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('podrun: warning: spec.containers[0].resources.limits.memory cannot be enforced');
    const view = await inspect(root, 'res-env');
    expect(view.status.qosClass).toBe('Burstable');
    // Burstable: 1000 - 1000*request/node memory, within [3, 999].
    const want = Math.min(999, Math.max(3, 1000 - Math.floor((1000 * 64 * 2 ** 20) / totalmem())));
    const pid = await until('the container pid', async () => (await inspect(root, 'res-env')).status.containerStatuses[0].pid as number);
    expect(Number(readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8'))).toBe(want);
    // pod.json keeps the quantities: a new supervisor re-adopts the pod with them.
    await killSupervisor(root);
    const again = await inspect(root, 'res-env');
    expect(again.spec.containers[0].resources).toEqual({ limits: { memory: '128Mi' }, requests: { memory: '64Mi' } });
    expect(again.status.qosClass).toBe('Burstable');
    expect(again.status.conditions.find((c: { type: string }) => c.type === 'podrun.io/LimitsEnforced')?.status).toBe('False');
    expect(again.status.containerStatuses[0].pid).toBe(pid);
    await ok(root, ['rm', '-f', 'res-env']);
  });

  it.skipIf(!noCpu)('a cpu request alone only warns (stderr and an event), with no condition; BestEffort gets oom_score_adj 1000', async () => {
    const r = await podrun(root, ['run', '-f', '-'], { input: sleeper('res-req', { requests: { cpu: '250m' } }) });
    expect(r.exitCode).toBe(0);
    expect(r.stderr.trim()).toMatch(/^podrun: warning: spec\.containers\[0\]\.resources\.requests\.cpu cannot be applied: the cgroup v2 controller "cpu"/);
    const ev = (await events(root, 'res-req')).filter((e) => e.reason === 'RequestNotApplied');
    expect(ev).toHaveLength(1);
    const view = await inspect(root, 'res-req');
    expect(view.status.qosClass).toBe('Burstable');
    expect(view.status.conditions.map((c: { type: string }) => c.type)).not.toContain('podrun.io/LimitsEnforced');
    await ok(root, ['rm', '-f', 'res-req']);

    await ok(root, ['run', '-f', '-'], { input: sleeper('res-none', undefined) });
    expect((await inspect(root, 'res-none')).status.qosClass).toBe('BestEffort');
    const pid = await until('the container pid', async () => (await inspect(root, 'res-none')).status.containerStatuses[0].pid as number);
    expect(Number(readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8'))).toBe(1000);
    // An exec'd process gets the container's value, as runc gives it.
    expect((await ok(root, ['exec', 'res-none', '--', 'cat', '/proc/self/oom_score_adj'])).trim()).toBe('1000');
    await ok(root, ['rm', '-f', 'res-none']);
    expect(leftovers(root).pods).toEqual([]);
  });
});
