// computePodActions, the pod's decisions as a pure function: restart policies by exit,
// CrashLoopBackOff (first crash at once, doubling, cap, expiry, forced by start), init
// containers in order, sidecars, and the earliest of several back-offs as the wake-up.
import { describe, expect, it } from 'vitest';
import { computePodActions, type PodAction, type PodFacts } from '../../src/pod/actions.js';
import { forcedByStart, startProgress } from '../../src/pod/start-progress.js';
import type { Container } from '../../src/model/pod.js';
import type { BackoffEntry, ContainerRecord, PodRecord } from '../../src/state/records.js';
import { beginInstance, instanceExited, instanceFailedToStart, instanceUnknown } from '../../src/pod/instance-state.js';
import { PodrunError, StartError } from '../../src/util/errors.js';

type Policy = 'Always' | 'OnFailure' | 'Never';
const ctr = (name: string, extra: Partial<Container> = {}): Container => ({ name, image: '/', command: ['true'], env: [], volumeMounts: [], resources: { requests: {}, limits: {} }, ...extra });
const sidecar = (name: string) => ctr(name, { restartPolicy: 'Always' });

const T = 1_000_000_000; // "now" of most cases, epoch ms
const iso = (ms: number) => new Date(ms).toISOString();
const BACKOFF = { initialMs: 1000, maxMs: 4000 };
const facts = (forced: string[] = []): PodFacts => ({ forced: new Set(forced), backoff: BACKOFF });

function pod(policy: Policy, specs: { init?: Container[]; apps: Container[] }, state: Record<string, Partial<ContainerRecord>> = {}): PodRecord {
  const inits = specs.init ?? [];
  const record = (c: Container, init: boolean): ContainerRecord => ({ name: c.name, init, state: 'created', cgroup: '', restartCount: 0, ...state[c.name] });
  return {
    pod: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default', labels: {}, annotations: {} },
      spec: { containers: specs.apps, initContainers: inits, volumes: [], restartPolicy: policy, terminationGracePeriodSeconds: 30, shareProcessNamespace: false },
    },
    createdAt: iso(T - 60_000),
    startedAt: iso(T - 60_000),
    sandbox: { state: 'ready', cgroup: '/x', hostname: 'p', namespaces: { net: '', ipc: '', uts: '' } },
    containers: [...inits.map((c) => record(c, true)), ...specs.apps.map((c) => record(c, false))],
  };
}

const running = (extra: Partial<ContainerRecord> = {}): Partial<ContainerRecord> => ({ state: 'running', startedAt: iso(T - 5000), started: true, ...extra });
/** An instance that ran and ended `agoMs` before T. */
const ended = (exit: Partial<ContainerRecord>, agoMs = 10, backoff?: BackoffEntry): Partial<ContainerRecord> => ({
  state: 'exited',
  startedAt: iso(T - agoMs - 100),
  finishedAt: iso(T - agoMs),
  ...(backoff ? { backoff } : {}),
  ...exit,
});

const EXITS: Record<string, Partial<ContainerRecord>> = {
  'exit 0': { exitCode: 0, reason: 'Completed' },
  'exit 1': { exitCode: 1, reason: 'Error' },
  'a signal': { exitCode: 137, signal: 'SIGKILL', reason: 'Error' },
  unknown: { state: 'unknown', exitCode: undefined, reason: 'ContainerStatusUnknown' },
  'a start error': { exitCode: 127, reason: 'StartError', message: 'nope: executable file not found in $PATH' },
};

const kinds = (actions: PodAction[]) => actions.map((a) => `${a.kind} ${'container' in a ? a.container : ''}`.trim());

describe('computePodActions: the restart policy by exit', () => {
  // Every app container exit the integration tests see, under each policy: restarted or not.
  const table: [Policy, string, boolean][] = [
    ['Always', 'exit 0', true], ['Always', 'exit 1', true], ['Always', 'a signal', true], ['Always', 'unknown', true], ['Always', 'a start error', true],
    ['OnFailure', 'exit 0', false], ['OnFailure', 'exit 1', true], ['OnFailure', 'a signal', true], ['OnFailure', 'unknown', true], ['OnFailure', 'a start error', true],
    ['Never', 'exit 0', false], ['Never', 'exit 1', false], ['Never', 'a signal', false], ['Never', 'unknown', false], ['Never', 'a start error', false],
  ];
  it.each(table)('%s after %s: restarted = %s (a first crash at once, arming the back-off)', (policy, exit, restarted) => {
    const r = pod(policy, { apps: [ctr('a')] }, { a: ended(EXITS[exit]) });
    const out = computePodActions(r, T, facts());
    expect(out.actions).toEqual(restarted ? [{ kind: 'restart', container: 'a', backoff: { delayMs: 1000, lastUpdate: T } }] : []);
    expect(out.wakeAt).toBeUndefined();
    expect(out.settled).toBe(true);
  });

  it('starts created app containers, leaves running and stopped ones alone', () => {
    const r = pod('Always', { apps: [ctr('a'), ctr('b'), ctr('c'), ctr('d')] }, { b: running(), c: ended(EXITS['exit 1'], 10), d: { stopped: true } });
    r.containers[2].stopped = true;
    expect(kinds(computePodActions(r, T, facts()).actions)).toEqual(['start a']);
  });

  it('decides nothing before start, for an ended pod, or while the sandbox is not ready', () => {
    const base = () => pod('Always', { apps: [ctr('a')] });
    const notStarted = base();
    delete notStarted.startedAt;
    const deadline = base();
    deadline.terminal = { reason: 'DeadlineExceeded', message: '' };
    const removing = base();
    removing.sandbox.state = 'removing';
    for (const r of [notStarted, deadline, removing]) expect(computePodActions(r, T, facts())).toEqual({ actions: [], settled: false });
    expect(kinds(computePodActions(base(), T, facts()).actions)).toEqual(['start a']);
  });
});

describe('computePodActions: CrashLoopBackOff', () => {
  const crashed = (agoMs: number, backoff?: BackoffEntry, extra: Partial<ContainerRecord> = {}) =>
    pod('Always', { apps: [ctr('a')] }, { a: ended({ ...EXITS['exit 1'], ...extra }, agoMs, backoff) });

  it('a crash after a restart waits the delay from the exit: waiting CrashLoopBackOff, a BackOff event, a wake-up at the end', () => {
    const out = computePodActions(crashed(300, { delayMs: 1000, lastUpdate: T - 400 }), T, facts());
    expect(out.actions).toEqual([
      {
        kind: 'backOff',
        container: 'a',
        waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1s restarting failed container=a pod=p', until: T - 300 + 1000 },
        event: { type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container a in pod p', container: 'a' },
      },
    ]);
    expect(out.wakeAt).toBe(T + 700);
  });

  it('records the wait once: deciding again while waiting only keeps the wake-up', () => {
    const r = crashed(300, { delayMs: 1000, lastUpdate: T - 400 });
    const first = computePodActions(r, T, facts()).actions[0];
    if (first.kind !== 'backOff') throw new Error(first.kind);
    r.containers[0].waiting = first.waiting;
    expect(computePodActions(r, T + 500, facts())).toEqual({ actions: [], wakeAt: T + 700, settled: true });
  });

  it('restarts once the delay is over, doubling the delay; the delay is capped', () => {
    const table: [number, number][] = [[1000, 2000], [2000, 4000], [4000, 4000]];
    for (const [delay, next] of table) {
      const r = crashed(delay, { delayMs: delay, lastUpdate: T - delay - 100 });
      expect(computePodActions(r, T - 1, facts()).actions.map((a) => a.kind), `delay ${delay}, 1 ms early`).toEqual(['backOff']);
      expect(computePodActions(r, T, facts()).actions, `delay ${delay}`).toEqual([{ kind: 'restart', container: 'a', backoff: { delayMs: next, lastUpdate: T } }]);
    }
  });

  it('forgets the back-off once the container ran longer than twice the cap: the next crash restarts at once', () => {
    const r = crashed(10, { delayMs: 4000, lastUpdate: T - 10 - 8001 });
    expect(computePodActions(r, T, facts()).actions).toEqual([{ kind: 'restart', container: 'a', backoff: { delayMs: 1000, lastUpdate: T } }]);
    const inTime = crashed(10, { delayMs: 4000, lastUpdate: T - 10 - 7999 });
    expect(computePodActions(inTime, T, facts()).actions.map((a) => a.kind)).toEqual(['backOff']);
  });

  it('a restart that start forced skips the back-off and leaves its entry as it was', () => {
    const entry = { delayMs: 4000, lastUpdate: T - 100 };
    const out = computePodActions(crashed(50, entry), T, facts(['a']));
    expect(out.actions).toEqual([{ kind: 'restart', container: 'a', backoff: entry }]);
    expect(out.wakeAt).toBeUndefined();
  });

  it('counts from now when the exit time is not known', () => {
    const r = crashed(0, { delayMs: 1000, lastUpdate: T - 100 }, { state: 'unknown', exitCode: undefined });
    delete r.containers[0].finishedAt;
    expect(computePodActions(r, T, facts()).wakeAt).toBe(T + 1000);
  });

  it('two containers backing off out of step: the earliest restart is the wake-up (one timer serves both)', () => {
    const r = pod('Always', { apps: [ctr('a'), ctr('b')] }, {
      a: ended(EXITS['exit 1'], 50, { delayMs: 1000, lastUpdate: T - 60 }),
      b: ended({ exitCode: 2, reason: 'Error' }, 100, { delayMs: 4000, lastUpdate: T - 200 }),
    });
    const out = computePodActions(r, T, facts());
    expect(kinds(out.actions)).toEqual(['backOff a', 'backOff b']);
    expect(out.wakeAt).toBe(T + 950);
    // Later, with a restarted and b still waiting, b's end is the wake-up.
    r.containers[0] = { ...r.containers[0], ...running() };
    for (const a of out.actions) if (a.kind === 'backOff' && a.container === 'b') r.containers[1].waiting = a.waiting;
    expect(computePodActions(r, T + 1000, facts())).toEqual({ actions: [], wakeAt: T + 3900, settled: true });
  });
});

describe('computePodActions: init containers', () => {
  const inits = [ctr('i1'), ctr('i2')];
  const ok = ended(EXITS['exit 0']);

  it('runs them one at a time, in order, each to success, then the app containers', () => {
    // The last column: initialisation is over (only then is the phase reported).
    const steps: [Record<string, Partial<ContainerRecord>>, string[], boolean][] = [
      [{}, ['start i1'], false],
      [{ i1: running() }, [], false],
      [{ i1: ok }, ['start i2'], false],
      [{ i1: ok, i2: running() }, [], false],
      [{ i1: ok, i2: ok }, ['start a', 'start b'], true],
    ];
    for (const [state, want, settled] of steps) {
      const out = computePodActions(pod('Always', { init: inits, apps: [ctr('a'), ctr('b')] }, state), T, facts());
      expect(kinds(out.actions), JSON.stringify(state)).toEqual(want);
      expect(out.settled).toBe(settled);
    }
  });

  it('a failed init container fails the start under Never, and is retried with back-off otherwise', () => {
    const failed = ended(EXITS['exit 1']);
    const never = computePodActions(pod('Never', { init: inits, apps: [ctr('a')] }, { i1: failed }), T, facts());
    expect(never.actions).toEqual([{ kind: 'failStart', message: 'init container "i1" failed with exit code 1', exitCode: 1 }]);
    for (const policy of ['OnFailure', 'Always'] as const) {
      const out = computePodActions(pod(policy, { init: inits, apps: [ctr('a')] }, { i1: failed }), T, facts());
      expect(out.actions, policy).toEqual([
        { kind: 'failStart', message: `init container "i1" failed with exit code 1 (restartPolicy ${policy}: retried with back-off)`, exitCode: 1 },
        { kind: 'restart', container: 'i1', backoff: { delayMs: 1000, lastUpdate: T } },
      ]);
    }
    const again = computePodActions(pod('OnFailure', { init: inits, apps: [ctr('a')] }, { i1: ended(EXITS['exit 1'], 10, { delayMs: 1000, lastUpdate: T - 20 }) }), T, facts());
    expect(kinds(again.actions)).toEqual(['failStart', 'backOff i1']);
    const unknown = computePodActions(pod('Never', { init: inits, apps: [ctr('a')] }, { i1: ended(EXITS.unknown) }), T, facts());
    expect(unknown.actions).toEqual([{ kind: 'failStart', message: 'init container "i1" failed with exit code unknown', exitCode: 1 }]);
  });

  it('never runs an init container again once an app container ran (the sandbox is the same)', () => {
    const r = pod('Always', { init: inits, apps: [ctr('a')] }, { i1: ended(EXITS['exit 1']), i2: {}, a: ended(EXITS['exit 1'], 10) });
    expect(kinds(computePodActions(r, T, facts()).actions)).toEqual(['restart a']);
  });

  it('a stopped init container holds the rest back', () => {
    expect(computePodActions(pod('Always', { init: inits, apps: [ctr('a')] }, { i1: { stopped: true } }), T, facts()).actions).toEqual([]);
  });
});

describe('computePodActions: sidecars', () => {
  const specs = { init: [sidecar('side'), ctr('setup')], apps: [ctr('a')] };

  it('starts a sidecar, and holds the next init container until it has started', () => {
    expect(kinds(computePodActions(pod('Never', specs), T, facts()).actions)).toEqual(['start side']);
    expect(computePodActions(pod('Never', specs, { side: running({ started: false }) }), T, facts()).actions).toEqual([]);
    expect(kinds(computePodActions(pod('Never', specs, { side: running() }), T, facts()).actions)).toEqual(['start setup']);
  });

  it('restarts a sidecar that ended, whatever the pod policy: during initialisation and beside the app containers', () => {
    const before = computePodActions(pod('Never', specs, { side: ended(EXITS['exit 0']) }), T, facts());
    expect(kinds(before.actions)).toEqual(['restart side']);
    expect(before.settled).toBe(false);
    const beside = computePodActions(pod('Never', specs, { side: ended(EXITS['exit 1']), setup: ended(EXITS['exit 0']), a: running() }), T, facts());
    expect(kinds(beside.actions)).toEqual(['restart side']);
    expect(beside.settled).toBe(true);
  });

  it('stops the running sidecars once the app containers are done for good, and not before', () => {
    const two = { init: [sidecar('s1'), sidecar('s2')], apps: [ctr('a'), ctr('b')] };
    const done = { s1: running(), s2: running(), a: ended(EXITS['exit 0']), b: ended(EXITS['exit 1']) };
    expect(computePodActions(pod('Never', two, done), T, facts()).actions).toEqual([{ kind: 'stopSidecars', containers: ['s1', 's2'], why: 'pod completed' }]);
    // OnFailure restarts b: not done. Always never is. A stopped app container is done.
    expect(kinds(computePodActions(pod('OnFailure', two, done), T, facts()).actions)).toEqual(['restart b']);
    expect(kinds(computePodActions(pod('Always', two, done), T, facts()).actions)).toEqual(['restart a', 'restart b']);
    expect(kinds(computePodActions(pod('Always', two, { ...done, a: { ...done.a, stopped: true }, b: { ...done.b, stopped: true } }), T, facts()).actions)).toEqual(['stopSidecars']);
    // Forced by start: not done either.
    expect(kinds(computePodActions(pod('Never', two, done), T, facts(['a'])).actions)).toEqual(['restart a']);
    // A sidecar that ended first does not hide the ones still running (it used to: the
    // first sidecar alone was looked at, and s2 ran on with the pod never completing).
    expect(computePodActions(pod('Never', two, { ...done, s1: ended(EXITS['exit 1']) }), T, facts()).actions).toEqual([
      { kind: 'stopSidecars', containers: ['s2'], why: 'pod completed' },
    ]);
    // Once they are being stopped, nothing more.
    expect(computePodActions(pod('Never', two, { ...done, s1: running({ stopped: true }), s2: running({ stopped: true }) }), T, facts()).actions).toEqual([]);
  });
});

describe('forcedByStart', () => {
  it('runs again what ended for good or was stopped, and failed init containers; not what the policy restarts', () => {
    const r = pod('OnFailure', { init: [ctr('ok'), ctr('bad'), sidecar('side')], apps: [ctr('done'), ctr('crashed'), ctr('halted'), ctr('up')] }, {
      ok: ended(EXITS['exit 0']),
      bad: ended(EXITS['exit 1']),
      side: ended(EXITS['exit 0']),
      done: ended(EXITS['exit 0']),
      crashed: ended(EXITS['exit 1']),
      halted: ended(EXITS['exit 1'], 10, undefined),
      up: running(),
    });
    r.containers.find((c) => c.name === 'halted')!.stopped = true;
    expect(forcedByStart(r)).toEqual(['bad', 'done', 'halted']);
  });
});

describe('startProgress', () => {
  const since = T;
  it('is done when the pod succeeded, and failed with the reason when it failed', () => {
    expect(startProgress(pod('Never', { apps: [ctr('a')] }, { a: ended(EXITS['exit 0']) }), since)).toBe('done');
    expect(startProgress(pod('Never', { apps: [ctr('a'), ctr('b')] }, { a: ended(EXITS['exit 1']), b: ended(EXITS['a signal']) }), since)).toEqual({
      failed: 'container "a" exited with code 1, container "b" exited with code 137',
    });
    expect(startProgress(pod('Never', { init: [ctr('i1')], apps: [ctr('a')] }, { i1: ended(EXITS['exit 1']) }), since)).toEqual({
      failed: 'init container "i1" failed with exit code 1',
    });
    const deadline = pod('Always', { apps: [ctr('a')] }, { a: running() });
    deadline.terminal = { reason: 'DeadlineExceeded', message: '' };
    expect(startProgress(deadline, since)).toEqual({ failed: 'DeadlineExceeded' });
  });
  it('waits until every app container not stopped runs, ran during the call, or backs off', () => {
    const table: [Partial<ContainerRecord>, 'waiting' | 'done'][] = [
      [{}, 'waiting'],
      [running(), 'done'],
      [{ ...ended(EXITS['exit 1']), waiting: { reason: 'CrashLoopBackOff', message: '', until: T + 1000 } }, 'done'],
      [{ ...ended(EXITS['exit 1']), startedAt: iso(since - 999) }, 'done'],
      [{ ...ended(EXITS['exit 1']), startedAt: iso(since - 1001) }, 'waiting'],
      [{ stopped: true }, 'done'],
    ];
    for (const [state, want] of table) expect(startProgress(pod('Always', { apps: [ctr('a')] }, { a: state }), since), JSON.stringify(state)).toBe(want);
  });
});

describe('instance transitions of a container record', () => {
  const rec = (extra: Partial<ContainerRecord> = {}): ContainerRecord => ({ name: 'a', init: false, state: 'running', cgroup: '', restartCount: 0, pid: 7, ...extra });
  const at = iso(T);

  it('records an exit as Kubernetes reports it: Completed, Error, 128 + signal, OOMKilled, a failed postStart hook', () => {
    const table: [number | undefined, string | undefined, boolean, Partial<ContainerRecord>, Partial<ContainerRecord>][] = [
      [0, undefined, false, {}, { exitCode: 0, reason: 'Completed' }],
      [3, undefined, false, {}, { exitCode: 3, reason: 'Error' }],
      [undefined, 'SIGKILL', false, {}, { exitCode: 137, signal: 'SIGKILL', reason: 'Error' }],
      [undefined, 'SIGKILL', true, {}, { exitCode: 137, reason: 'OOMKilled' }],
      [undefined, 'SIGTERM', false, { message: 'PostStartHook failed: boom' }, { exitCode: 143, reason: 'FailedPostStartHook', message: 'PostStartHook failed: boom' }],
      [1, undefined, false, { message: 'stale' }, { exitCode: 1, reason: 'Error', message: undefined }],
    ];
    for (const [code, sig, oom, before, want] of table) {
      const c = rec(before);
      instanceExited(c, code, sig, oom, at);
      expect(c, `${code} ${sig} ${oom}`).toMatchObject({ state: 'exited', finishedAt: at, ...want });
    }
  });

  it('an exit nobody saw is unknown, with no invented exit code', () => {
    const c = rec({ exitCode: 0 });
    instanceUnknown(c, at);
    expect(c).toMatchObject({ state: 'unknown', reason: 'ContainerStatusUnknown', finishedAt: at });
    expect(c.exitCode).toBeUndefined();
  });

  it('a new instance moves the ended one to lastState and counts the restart; a first start does not', () => {
    const c = rec({ state: 'exited', exitCode: 1, reason: 'Error', finishedAt: at, waiting: { reason: 'CrashLoopBackOff', message: '' } });
    beginInstance(c);
    expect(c).toMatchObject({ restartCount: 1, last: { state: 'exited', exitCode: 1, reason: 'Error', finishedAt: at } });
    expect(c.waiting).toBeUndefined();
    const fresh = rec({ state: 'created' });
    beginInstance(fresh);
    expect(fresh.restartCount).toBe(0);
    expect(fresh.last).toBeUndefined();
  });

  it("a failure to start is the instance's exit: the init stage's reason and code, else StartError 128", () => {
    const c = rec({ state: 'created' });
    expect(instanceFailedToStart(c, new StartError('x: permission denied', 'StartError', 126), iso(T - 5), at)).toBe(126);
    expect(c).toMatchObject({ state: 'exited', exitCode: 126, reason: 'StartError', message: 'x: permission denied', startedAt: iso(T - 5), finishedAt: at });
    expect(c.pid).toBeUndefined();
    const d = rec({ state: 'created' });
    expect(instanceFailedToStart(d, new PodrunError('could not spawn the container init stage'), at, at)).toBe(125);
    expect(d).toMatchObject({ exitCode: 128, reason: 'StartError', message: 'could not spawn the container init stage' });
  });
});
