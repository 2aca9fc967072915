// Pure lifecycle logic: CrashLoopBackOff arithmetic, restart decisions, the phase and
// conditions with init containers, sidecars and probes, and the probe worker's thresholds.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { advance, backoffFromEnv, restartNotBefore, KUBELET_BACKOFF, } from '../../src/pod/backoff.js';
import type { BackoffEntry } from '../../src/state/records.js';
import { restartWanted } from '../../src/pod/restart-policy.js';
import { ProbeWorker, type ProbeOutcome } from '../../src/pod/probe-worker.js';
import { containerStatus, displayStatus, podConditions, podPhase, podView, trackConditions } from '../../src/pod/status.js';
import type { Container, Probe } from '../../src/model/pod.js';
import type { ContainerRecord, PodRecord } from '../../src/state/records.js';

type Policy = 'Always' | 'OnFailure' | 'Never';
const ctr = (name: string, extra: Partial<Container> = {}): Container => ({
  name, image: '/', command: ['true'], env: [], volumeMounts: [], resources: { requests: {}, limits: {} }, ...extra,
});

function pod(policy: Policy, specs: { init?: Container[]; apps: Container[] }, state: Record<string, Partial<ContainerRecord>>): PodRecord {
  const inits = specs.init ?? [];
  return {
    pod: {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'p', namespace: 'default', labels: {}, annotations: {} },
      spec: { containers: specs.apps, initContainers: inits, volumes: [], restartPolicy: policy, terminationGracePeriodSeconds: 30, shareProcessNamespace: false },
    },
    createdAt: '',
    sandbox: { state: 'ready', cgroup: '/x', hostname: 'p', namespaces: { net: '', ipc: '', uts: '' } },
    containers: [
      ...inits.map((c) => ({ name: c.name, init: true, state: 'created' as const, cgroup: '', restartCount: 0, ...state[c.name] })),
      ...specs.apps.map((c) => ({ name: c.name, init: false, state: 'created' as const, cgroup: '', restartCount: 0, ...state[c.name] })),
    ],
  };
}

describe('CrashLoopBackOff', () => {
  const s = KUBELET_BACKOFF;
  it('restarts the first crash at once, then waits 10 s, 20 s, 40 s ... capped at 300 s', () => {
    let e: BackoffEntry | undefined;
    let t = 1_000_000;
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const finished = t + 1000; // each instance runs 1 s
      const at = restartNotBefore(e, finished, s);
      waits.push((at - finished) / 1000);
      e = advance(e, at, s);
      t = at;
    }
    expect(waits).toEqual([0, 10, 20, 40, 80, 160, 300, 300]);
  });
  it('forgets the back-off when the container ran longer than twice the cap since the last restart', () => {
    const e = { delayMs: 160_000, lastUpdate: 0 };
    expect(restartNotBefore(e, 600_001, s)).toBe(600_001);
    expect(advance(e, 600_001, s)).toEqual({ delayMs: 10_000, lastUpdate: 600_001 });
    expect(restartNotBefore(e, 500_000, s)).toBe(660_000);
  });
  it('takes its knobs from the environment and refuses nonsense', () => {
    expect(backoffFromEnv({ PODRUN_BACKOFF_INITIAL_SECONDS: '1', PODRUN_BACKOFF_MAX_SECONDS: '4' })).toEqual({ initialMs: 1000, maxMs: 4000 });
    expect(backoffFromEnv({ PODRUN_BACKOFF_MAX_SECONDS: '5' })).toEqual({ initialMs: 5000, maxMs: 5000 });
    expect(() => backoffFromEnv({ PODRUN_BACKOFF_MAX_SECONDS: 'soon' })).toThrow(/PODRUN_BACKOFF_MAX_SECONDS/);
  });
});

describe('restart decisions', () => {
  const exited = (code: number) => ({ state: 'exited' as const, exitCode: code });
  it('follows the policy table for app containers', () => {
    for (const [policy, code, want] of [
      ['Always', 0, true], ['Always', 1, true], ['OnFailure', 0, false], ['OnFailure', 1, true], ['Never', 1, false], ['Never', 0, false],
    ] as const) {
      const r = pod(policy, { apps: [ctr('a')] }, { a: exited(code) });
      expect(restartWanted(r, r.containers[0]), `${policy} exit ${code}`).toBe(want);
    }
  });
  it('restarts sidecars whatever the pod policy, and regular init containers only on failure', () => {
    const r = pod('Never', { init: [ctr('side', { restartPolicy: 'Always' }), ctr('setup')], apps: [ctr('a')] }, { side: exited(0), setup: exited(0) });
    expect(restartWanted(r, r.containers[0])).toBe(true);
    const r2 = pod('Always', { init: [ctr('setup')], apps: [ctr('a')] }, { setup: exited(0) });
    expect(restartWanted(r2, r2.containers[0])).toBe(false);
    const r3 = pod('Always', { init: [ctr('setup')], apps: [ctr('a')] }, { setup: exited(2) });
    expect(restartWanted(r3, r3.containers[0])).toBe(true);
  });
});

describe('phase and conditions', () => {
  const running = { state: 'running' as const, startedAt: '2026-01-01T00:00:00Z', started: true };
  it('a backing-off container shows waiting CrashLoopBackOff with the crash as lastState; the pod stays Running', () => {
    const r = pod('Always', { apps: [ctr('a')] }, {
      a: { state: 'exited', exitCode: 1, reason: 'Error', finishedAt: 'f', startedAt: 's', waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s', until: 1 }, restartCount: 1 },
    });
    const st = containerStatus(r, r.containers[0]);
    expect(st.state).toEqual({ waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } });
    expect(st.lastState).toMatchObject({ terminated: { exitCode: 1, reason: 'Error' } });
    expect(podPhase(r)).toBe('Running');
  });
  it('OnFailure: a failed container being restarted keeps the pod Running; all exited 0 is Succeeded', () => {
    expect(podPhase(pod('OnFailure', { apps: [ctr('a')] }, { a: { state: 'exited', exitCode: 1, waiting: { reason: 'CrashLoopBackOff', message: '' } } }))).toBe('Running');
    expect(podPhase(pod('OnFailure', { apps: [ctr('a'), ctr('b')] }, { a: { state: 'exited', exitCode: 0 }, b: { state: 'exited', exitCode: 0 } }))).toBe('Succeeded');
  });
  it('init containers: Pending while one runs, Failed after a failure under Never, Pending while retried', () => {
    const specs = { init: [ctr('i1'), ctr('i2')], apps: [ctr('a')] };
    expect(podPhase(pod('Never', specs, { i1: { state: 'exited', exitCode: 0 }, i2: running }))).toBe('Pending');
    expect(podPhase(pod('Never', specs, { i1: { state: 'exited', exitCode: 3 } }))).toBe('Failed');
    expect(podPhase(pod('OnFailure', specs, { i1: { state: 'exited', exitCode: 3, waiting: { reason: 'CrashLoopBackOff', message: '' } } }))).toBe('Pending');
    const c = podConditions(pod('Never', specs, { i1: { state: 'exited', exitCode: 0 }, i2: running }));
    expect(c.find((x) => x.type === 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [i2]' });
  });
  it('an app container waits with PodInitializing while init runs', () => {
    const r = pod('Always', { init: [ctr('i1')], apps: [ctr('a')] }, { i1: running });
    expect(containerStatus(r, r.containers[1]).state).toEqual({ waiting: { reason: 'PodInitializing' } });
  });
  it('sidecars: a running, started sidecar initialises; it counts for readiness; terminated sidecars do not decide the phase', () => {
    const specs = { init: [ctr('side', { restartPolicy: 'Always' })], apps: [ctr('a')] };
    const r = pod('Never', specs, { side: running, a: running });
    expect(podPhase(r)).toBe('Running');
    expect(podConditions(r).find((x) => x.type === 'Ready')?.status).toBe('True');
    const notStarted = pod('Never', specs, { side: { ...running, started: false } });
    expect(podPhase(notStarted)).toBe('Pending');
    expect(podConditions(notStarted).find((x) => x.type === 'Initialized')?.status).toBe('False');
    const done = pod('Never', specs, { side: { state: 'exited', exitCode: 143, stopped: true }, a: { state: 'exited', exitCode: 0, startedAt: 's' } });
    expect(podPhase(done)).toBe('Succeeded');
  });
  it('readiness probes decide ready: not ready until the probe succeeded', () => {
    const probe: Probe = { exec: { command: ['true'] }, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 };
    const specs = { apps: [ctr('a', { readinessProbe: probe })] };
    const r = pod('Always', specs, { a: { ...running, ready: false } });
    expect(containerStatus(r, r.containers[0]).ready).toBe(false);
    expect(podConditions(r).find((x) => x.type === 'ContainersReady')).toMatchObject({ status: 'False', message: 'containers with unready status: [a]' });
    r.containers[0].ready = true;
    expect(podConditions(r).find((x) => x.type === 'Ready')?.status).toBe('True');
  });
  it('a container being stopped is no longer ready', () => {
    const r = pod('Always', { apps: [ctr('a')] }, { a: { ...running, stopped: true } });
    expect(containerStatus(r, r.containers[0]).ready).toBe(false);
    expect(podConditions(r).find((x) => x.type === 'Ready')?.status).toBe('False');
  });
  it('a startup probe holds started (and so ready) until it passes', () => {
    const r = pod('Always', { apps: [ctr('a')] }, { a: { ...running, started: false } });
    expect(containerStatus(r, r.containers[0])).toMatchObject({ started: false, ready: false });
  });
  it('DeadlineExceeded makes the pod Failed with the reason', () => {
    const r = pod('Always', { apps: [ctr('a')] }, { a: running });
    r.terminal = { reason: 'DeadlineExceeded', message: 'm' };
    expect(podPhase(r)).toBe('Failed');
  });
  it('records lastTransitionTime only when a condition changes', () => {
    const r = pod('Always', { apps: [ctr('a')] }, { a: running });
    expect(trackConditions(r, '2026-01-01T00:00:00.123Z')).toContain('Ready');
    expect(trackConditions(r, '2026-01-01T00:00:05.000Z')).toEqual([]);
    expect(podConditions(r).find((x) => x.type === 'Ready')?.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    r.containers[0].state = 'exited';
    expect(trackConditions(r, '2026-01-01T00:00:09.000Z')).toContain('Ready');
  });
});

describe('probe worker', () => {
  afterEach(() => vi.useRealTimers());
  const probe = (p: Partial<Probe>): Probe => ({ exec: { command: ['x'] }, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3, ...p });
  function drive(kind: 'liveness' | 'readiness' | 'startup', p: Probe, results: ProbeOutcome['result'][], started = true) {
    vi.useFakeTimers();
    const published: string[] = [];
    let attempts = 0;
    const w = new ProbeWorker(kind, p, Date.now(), {
      started: () => started,
      attempt: async () => ({ result: results[Math.min(attempts++, results.length - 1)], output: '' }),
      observed: () => {},
      publish: (r) => published.push(r),
    });
    return { w, published, attempts: () => attempts };
  }
  it('publishes a liveness failure only after failureThreshold consecutive failures, then holds', async () => {
    const { w, published, attempts } = drive('liveness', probe({ failureThreshold: 3 }), ['Failure', 'Success', 'Failure', 'Failure', 'Failure', 'Failure']);
    w.start();
    for (let i = 0; i < 8; i++) await vi.advanceTimersByTimeAsync(1000);
    w.stop();
    expect(published.filter((r) => r === 'Failure')).toHaveLength(1);
    expect(attempts()).toBe(5); // on hold after the published failure
  });
  it('readiness needs successThreshold successes, and does not run before the container started', async () => {
    const d = drive('readiness', probe({ successThreshold: 2 }), ['Success'], false);
    d.w.start();
    await vi.advanceTimersByTimeAsync(3000);
    expect(d.attempts()).toBe(0);
    d.w.stop();
    const e = drive('readiness', probe({ successThreshold: 2 }), ['Success']);
    e.w.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(e.published).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(e.published).toEqual(['Success']);
    e.w.stop();
  });
  it('waits initialDelaySeconds, and an Unknown outcome counts for nothing', async () => {
    const d = drive('liveness', probe({ initialDelaySeconds: 3, failureThreshold: 1 }), ['Unknown', 'Failure']);
    d.w.start();
    await vi.advanceTimersByTimeAsync(2500);
    expect(d.attempts()).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(d.attempts()).toBe(1);
    expect(d.published).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(d.published).toEqual(['Failure']);
    d.w.stop();
  });
  it('a startup probe runs only until the container started', async () => {
    const d = drive('startup', probe({ failureThreshold: 5 }), ['Failure', 'Success'], false);
    d.w.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(d.published).toEqual(['Success']);
    expect(d.attempts()).toBe(2);
    d.w.stop();
  });
});

describe('OOM kills', () => {
  it('reads oom_kill from memory.events, and says when there is no memory controller', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { oomKillCount } = await import('../../src/cgroup/memory-events.js');
    const dir = mkdtempSync(join(tmpdir(), 'podrun-memev-'));
    expect(oomKillCount(dir)).toBeUndefined();
    writeFileSync(join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\noom_group_kill 0\n');
    expect(oomKillCount(dir)).toBe(2);
    rmSync(dir, { recursive: true });
  });
});

describe('the STATUS column (kubectl printPod)', () => {
  const run = { state: 'running' as const, startedAt: 's', started: true };
  const show = (r: PodRecord) => displayStatus(podView(r));
  it('shows init progress, init failures and back-off', () => {
    const specs = { init: [ctr('i1'), ctr('i2')], apps: [ctr('a')] };
    expect(show(pod('Always', specs, { i1: { state: 'exited', exitCode: 0 }, i2: run }))).toBe('Init:1/2');
    expect(show(pod('Never', specs, { i1: { state: 'exited', exitCode: 3, reason: 'Error' } }))).toBe('Init:Error');
    expect(show(pod('Always', specs, { i1: { state: 'exited', exitCode: 3, waiting: { reason: 'CrashLoopBackOff', message: '' } } }))).toBe('Init:CrashLoopBackOff');
  });
  it('a started sidecar does not hold the init display', () => {
    const r = pod('Always', { init: [ctr('side', { restartPolicy: 'Always' })], apps: [ctr('a')] }, { side: run, a: run });
    expect(show(r)).toBe('Running');
  });
  it('shows the app containers: CrashLoopBackOff, Completed, Error, NotReady beside a completed one, the deadline', () => {
    expect(show(pod('Always', { apps: [ctr('a')] }, { a: { state: 'exited', exitCode: 1, waiting: { reason: 'CrashLoopBackOff', message: '' } } }))).toBe('CrashLoopBackOff');
    expect(show(pod('Never', { apps: [ctr('a')] }, { a: { state: 'exited', exitCode: 0, reason: 'Completed' } }))).toBe('Completed');
    expect(show(pod('Never', { apps: [ctr('a')] }, { a: { state: 'exited', exitCode: 2, reason: 'Error' } }))).toBe('Error');
    // One container completed, another still running: the pod is not Ready, kubectl says NotReady.
    const mixed = pod('Never', { apps: [ctr('a'), ctr('b')] }, { a: run, b: { state: 'exited', exitCode: 0, reason: 'Completed' } });
    expect(show(mixed)).toBe('NotReady');
    const r = pod('Always', { apps: [ctr('a')] }, { a: run });
    r.terminal = { reason: 'DeadlineExceeded', message: '' };
    expect(show(r)).toBe('DeadlineExceeded');
  });
});
