// podrun pause / unpause on the real kernel: the pod cgroup's cgroup.freeze (it works on
// this hybrid host's cgroup2 tree). A counter loop stops advancing while the pod is paused
// and resumes after; the status and `list` say Paused; liveness probes hold (an httpGet
// probe of a frozen server would time out and restart it); exec is refused; the state
// survives kill -9 of the supervisor; stop and rm of a paused pod work and leave nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canRun, killSupervisor, leftovers, manifest, newRoot, podrunAt, processesIn, removeRoot, until } from './helpers.js';

const root = canRun ? newRoot('pause') : '/nonexistent';
const { pr, ok } = podrunAt(root);
const inspect = async (pod: string) => JSON.parse(await ok(['inspect', pod]));
const zombieOrGone = (pid: number) => {
  try {
    return /^\S+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const POD = 'pz-counter';
const PAUSED = 'podrun.io/Paused';
const counterFile = join(root, 'pods', POD, 'volumes', 'data', 'n');
const counter = () => {
  try {
    return Number(readFileSync(counterFile, 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
};

const spec = manifest(
  POD,
  [
    { name: 'count', command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i > /data/n; sleep 0.05; done'], mounts: [{ name: 'data', mountPath: '/data' }] },
    {
      name: 'web',
      command: ['sh', '-c', 'mkdir -p /tmp/w && echo ok > /tmp/w/index.html && exec httpd -f -p 8080 -h /tmp/w'],
      extra: { livenessProbe: { httpGet: { path: '/', port: 8080 }, initialDelaySeconds: 1, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 2 } },
    },
  ],
  { volumes: [{ name: 'data', emptyDir: {} }] },
);

describe.skipIf(!canRun)('pause and unpause', () => {
  let cgroup = '';
  afterAll(async () => {
    await pr(['rm', '-f', POD]);
    await removeRoot(root);
  });

  it('freezes the whole pod, holds its probes, refuses exec, survives a supervisor restart, and thaws', async () => {
    await ok(['run', '-f', '-'], spec);
    const p = await inspect(POD);
    cgroup = p.status.sandbox.cgroup;
    await until('the counter runs', () => counter() > 5);
    await until('the web container started', async () => (await inspect(POD)).status.containerStatuses.find((c: any) => c.name === 'web').started, 15_000);

    // Compared with what they are now: a loaded machine may fail a probe before the pause.
    const restarts: number[] = (await inspect(POD)).status.containerStatuses.map((c: any) => c.restartCount);
    await ok(['pause', POD]);
    expect(readFileSync(join(cgroup, 'cgroup.freeze'), 'utf8').trim()).toBe('1');
    expect(readFileSync(join(cgroup, 'cgroup.events'), 'utf8')).toMatch(/^frozen 1$/m);
    const frozenAt = counter();
    const paused = await inspect(POD);
    expect(paused.status.phase).toBe('Running');
    expect(paused.status.conditions.find((c: any) => c.type === PAUSED)).toMatchObject({ status: 'True', reason: 'PodPaused' });
    expect((await ok(['list'])).split('\n')[1]).toMatch(new RegExp(`^${POD}\\s+\\S+\\s+Paused\\s`));

    const ex = await pr(['exec', POD, '--', 'true']);
    expect(ex.exitCode).toBe(125);
    expect(ex.stderr).toContain(`pod "${POD}" is paused: unpause it before exec`);
    const again = await pr(['pause', POD]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('is already paused');

    // 3 periods of a liveness probe that a frozen server cannot answer (2 failures kill).
    await sleep(3500);
    expect(counter()).toBe(frozenAt);

    await killSupervisor(root);
    const adopted = await inspect(POD); // a new supervisor
    expect(adopted.status.conditions.find((c: any) => c.type === PAUSED)?.status).toBe('True');
    expect(readFileSync(join(cgroup, 'cgroup.freeze'), 'utf8').trim()).toBe('1');
    await sleep(1500);
    expect(counter()).toBe(frozenAt);

    await ok(['unpause', POD]);
    expect(readFileSync(join(cgroup, 'cgroup.events'), 'utf8')).toMatch(/^frozen 0$/m);
    await until('the counter runs again', () => counter() > frozenAt + 5, 5000);
    const thawed = await inspect(POD);
    expect(thawed.status.conditions.some((c: any) => c.type === PAUSED)).toBe(false);
    expect(thawed.status.containerStatuses.map((c: any) => c.restartCount)).toEqual(restarts);
    // The web container answers its probes again: still not restarted a few periods on.
    await sleep(2500);
    expect((await inspect(POD)).status.containerStatuses.map((c: any) => c.restartCount)).toEqual(restarts);

    const not = await pr(['unpause', POD]);
    expect(not.exitCode).toBe(1);
    expect(not.stderr).toContain(`pod "${POD}" is not paused`);

    const events = (await ok(['events', '-o', 'json', POD])).trim().split('\n').map((l) => JSON.parse(l));
    expect(events.filter((e) => e.reason === 'Paused' || e.reason === 'Unpaused').map((e) => e.reason)).toEqual(['Paused', 'Unpaused']);
    // Nothing of the probes while the pod was frozen.
    const [from, to] = ['Paused', 'Unpaused'].map((r) => events.find((e) => e.reason === r).seq);
    expect(events.filter((e) => e.seq > from && e.seq < to).map((e) => e.reason)).toEqual([]);
  }, 90_000);

  it('stops a paused pod (thawed first), kills a frozen one, and removes it without leaks', async () => {
    await ok(['pause', POD]);
    await ok(['stop', '-t', '1', POD]);
    const p = await inspect(POD);
    expect(p.status.conditions.some((c: any) => c.type === PAUSED)).toBe(false);
    expect(p.status.containerStatuses.every((c: any) => c.state.terminated)).toBe(true);
    const events = (await ok(['events', '-o', 'json', POD])).trim().split('\n').map((l) => JSON.parse(l));
    expect(events.at(-1)).toBeDefined();
    expect(events.filter((e) => e.reason === 'Unpaused').at(-1).message).toBe(`Unpaused pod ${POD}: to stop it`);

    // SIGKILL ends frozen processes; nothing restarts them while the pod is paused; rm of
    // the paused pod (its pause holder still frozen) works: cgroup.kill works on frozen groups.
    await ok(['start', POD]);
    await until('running again', async () => (await inspect(POD)).status.containerStatuses.every((c: any) => c.state.running));
    await ok(['pause', POD]);
    await ok(['kill', POD]);
    const killed = await until('killed while frozen', async () => {
      const v = await inspect(POD);
      return v.status.containerStatuses.every((c: any) => !c.state.running) && v;
    }, 10_000);
    expect(killed.status.conditions.find((c: any) => c.type === PAUSED)?.status).toBe('True');
    await sleep(1500); // restartPolicy Always: a restart would be due now, were the pod not paused
    expect((await inspect(POD)).status.containerStatuses.every((c: any) => !c.state.running)).toBe(true);
    expect(readFileSync(join(cgroup, 'cgroup.events'), 'utf8')).toMatch(/^frozen 1$/m);
    await ok(['rm', POD]);
    // Zombies do not count: the first supervisor's orphans are reaped by PID 1 in its own time.
    await until('no live process of the pod', () => processesIn(cgroup).every(zombieOrGone), 10_000);
    expect(leftovers(root)).toMatchObject({ mounts: [], pods: [] });
    expect(leftovers(root).cgroups.filter((c) => cgroup.endsWith(c))).toEqual([]);
  }, 60_000);
});
