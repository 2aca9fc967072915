// PodManager and PodController against the recording fake runtime, on fake timers: the
// whole lifecycle (create, start, crashes and back-off, stop, remove) without root; the
// calls that would reach the kernel are asserted.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseManifest } from '../../src/manifest/parse.js';
import { PodManager } from '../../src/pod/manager.js';
import { StatePaths } from '../../src/state/paths.js';
import { StartError } from '../../src/util/errors.js';
import { FakeRuntime } from './fake-runtime.js';

const ENV = { PODRUN_BACKOFF_INITIAL_SECONDS: '1', PODRUN_BACKOFF_MAX_SECONDS: '4' };

function manifest(policy: string, containers: string[], init: string[] = []): string {
  const list = (names: string[]) => names.map((n) => `  - {name: ${n}, image: /, command: [sleep, "3600"]}`).join('\n');
  return [
    'apiVersion: v1',
    'kind: Pod',
    'metadata: {name: web}',
    'spec:',
    `  restartPolicy: ${policy}`,
    '  terminationGracePeriodSeconds: 3',
    '  containers:',
    list(containers),
    ...(init.length ? ['  initContainers:', list(init)] : []),
  ].join('\n');
}

/** Lets the log pumps, exit handlers and syncs run (they take ticks, not timers). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

let dir: string;
let rt: FakeRuntime;
let m: PodManager;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
  dir = mkdtempSync(join(tmpdir(), 'podrun-unit-'));
  rt = new FakeRuntime();
  m = new PodManager(new StatePaths(dir), ENV, rt);
});

afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

const create = (policy: string, containers: string[], init: string[] = []) => m.create(parseManifest(manifest(policy, containers, init), 'test'));
const ctr = (name: string) => m.record('web').containers.find((c) => c.name === name)!;
const spawns = () => rt.ops('spawn').map((c) => (c.op === 'spawn' ? c.container : ''));
const reasons = (container?: string) => rt.events.filter((e) => e.container === container).map((e) => e.reason);

describe('PodManager and PodController on a fake kernel', () => {
  it('create, start, a crash restarted at once, the next after the back-off, stop, remove', async () => {
    await create('Always', ['app', 'steady']);
    const uid = m.record('web').pod.metadata.uid!;
    expect(rt.calls).toEqual([
      { op: 'resolveImage', image: '/' },
      { op: 'resolveImage', image: '/' },
      { op: 'createSandbox', pod: 'web' },
      { op: 'createCgroup', path: `/fake/cgroup/pod-${uid}/ctr-app` },
      { op: 'createCgroup', path: `/fake/cgroup/pod-${uid}/ctr-steady` },
    ]);
    expect(rt.events.map((e) => e.reason)).toEqual(['Scheduled']);
    expect(m.phase('web')).toBe('Pending');

    await m.start('web');
    expect(spawns()).toEqual(['app', 'steady']);
    expect(m.phase('web')).toBe('Running');
    expect(reasons('app')).toEqual(['Created', 'Started']);

    // The first crash restarts at once and arms the back-off.
    rt.exit('app', 1);
    await settle();
    expect(spawns()).toEqual(['app', 'steady', 'app']);
    expect(ctr('app')).toMatchObject({ state: 'running', restartCount: 1, last: { exitCode: 1, reason: 'Error' }, backoff: { delayMs: 1000 } });

    // The second waits 1 s from its exit: CrashLoopBackOff, one BackOff event, then the restart.
    rt.exit('app', 1);
    await settle();
    const crashedAt = Date.now();
    expect(ctr('app')).toMatchObject({ state: 'exited', exitCode: 1, waiting: { reason: 'CrashLoopBackOff', until: crashedAt + 1000 } });
    expect(reasons('app').filter((r) => r === 'BackOff')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999);
    await settle();
    expect(spawns()).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(10);
    await settle();
    expect(spawns()).toEqual(['app', 'steady', 'app', 'app']);
    expect(ctr('app')).toMatchObject({ state: 'running', restartCount: 2, backoff: { delayMs: 2000, lastUpdate: crashedAt + 1000 + 5 } });
    expect(ctr('app').waiting).toBeUndefined();
    expect(ctr('steady')).toMatchObject({ state: 'running', restartCount: 0 });

    // stop: the stop signal to each; they exit at once, so no SIGKILL; nothing restarts.
    await m.stop('web', undefined);
    expect(rt.ops('signal')).toEqual([
      { op: 'signal', container: 'app', signal: 'SIGTERM' },
      { op: 'signal', container: 'steady', signal: 'SIGTERM' },
    ]);
    await vi.advanceTimersByTimeAsync(10_000);
    await settle();
    expect(spawns()).toHaveLength(4);
    expect(ctr('app')).toMatchObject({ state: 'exited', exitCode: 143, signal: 'SIGTERM', stopped: true });
    expect(m.phase('web')).toBe('Failed');

    expect(await m.remove('web', false)).toBe(true);
    expect(rt.ops('destroySandbox')).toEqual([{ op: 'destroySandbox', dir: 'web' }]);
    expect(m.size).toBe(0);
    expect(existsSync(join(dir, 'pods', 'web'))).toBe(false);
    expect(() => m.phase('web')).toThrow(/not found/);
  });

  it('stop waits the grace period for a container that ignores the stop signal, then SIGKILLs it', async () => {
    await create('Always', ['stubborn']);
    await m.start('web');
    rt.ignores.set('stubborn', new Set(['SIGTERM']));
    let done = false;
    const stopping = m.stop('web', undefined).then(() => (done = true));
    await settle();
    expect(rt.ops('signal')).toEqual([{ op: 'signal', container: 'stubborn', signal: 'SIGTERM' }]);
    await vi.advanceTimersByTimeAsync(2999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect(rt.ops('signal').map((c) => (c.op === 'signal' ? c.signal : ''))).toEqual(['SIGTERM', 'SIGKILL']);
    expect(ctr('stubborn')).toMatchObject({ state: 'exited', exitCode: 137, stopped: true });
  });

  it('two containers backing off out of step each restart on time: the later back-off does not delay the earlier', async () => {
    await create('Always', ['a', 'b']);
    await m.start('web');
    for (const c of ['a', 'b']) rt.exit(c, 1); // first crashes: restarted at once
    await settle();
    const t0 = Date.now();
    rt.exit('a', 1); // a waits until t0 + 1000
    await settle();
    await vi.advanceTimersByTimeAsync(500);
    rt.exit('b', 1); // b waits until t0 + 1500
    await settle();
    expect([ctr('a').waiting?.until, ctr('b').waiting?.until]).toEqual([t0 + 1000, t0 + 1500]);
    await vi.advanceTimersByTimeAsync(505);
    await settle();
    expect(ctr('a').state).toBe('running');
    expect(ctr('b').state).toBe('exited');
    await vi.advanceTimersByTimeAsync(500);
    await settle();
    expect(ctr('b').state).toBe('running');
    expect(spawns()).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
  });

  it('OOMKilled comes from the cgroup\'s oom_kill count, not from exit 137; an event; the restart policy applies', async () => {
    await create('OnFailure', ['app']);
    await m.start('web');
    // SIGKILL without an OOM kill: Error.
    rt.exit('app', null, 'SIGKILL');
    await settle();
    expect(ctr('app')).toMatchObject({ state: 'running', restartCount: 1, last: { exitCode: 137, reason: 'Error' } });
    // The kernel's OOM killer: the count grows during the instance.
    rt.oomKills.set('ctr-app', 1);
    rt.exit('app', null, 'SIGKILL');
    await settle();
    expect(ctr('app')).toMatchObject({ state: 'exited', exitCode: 137, reason: 'OOMKilled', waiting: { reason: 'CrashLoopBackOff' } });
    expect(rt.events.filter((e) => e.reason === 'OOMKilled')).toEqual([
      expect.objectContaining({ type: 'Warning', container: 'app', message: expect.stringContaining('OOM killer') }),
    ]);
    await vi.advanceTimersByTimeAsync(1100);
    await settle();
    expect(ctr('app')).toMatchObject({ state: 'running', restartCount: 2, last: { reason: 'OOMKilled' } });
  });

  it('sees the exit of an instance whose streams had ended before its log pump attached', async () => {
    rt.plans.set('app', ['exitedAtOnce']);
    await create('Never', ['app']);
    await m.start('web');
    await settle();
    expect(ctr('app')).toMatchObject({ state: 'exited', exitCode: 0, reason: 'Completed' });
    expect(m.phase('web')).toBe('Succeeded');
    expect(rt.events.map((e) => e.reason)).toEqual(['Scheduled', 'Created', 'Started', 'Completed']);
  });

  it("a start error is the container's exit (its reason and code) and the start call's failure", async () => {
    rt.plans.set('app', [new StartError('nope: executable file not found in $PATH', 'StartError', 127)]);
    await create('Never', ['app']);
    const err = await m.start('web').catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'exec', exitCode: 127, message: 'pod "web": container "app": nope: executable file not found in $PATH' });
    expect(ctr('app')).toMatchObject({ state: 'exited', exitCode: 127, reason: 'StartError', message: 'nope: executable file not found in $PATH' });
    expect(reasons('app')).toEqual(['Failed']);
    // Under Never it is not tried again.
    await vi.advanceTimersByTimeAsync(10_000);
    await settle();
    expect(spawns()).toEqual(['app']);
  });

  it('runs the init container to success before the app container; start restarts a dead pause holder', async () => {
    await create('Never', ['app'], ['setup']);
    rt.killPauseHolder();
    const starting = m.start('web');
    await settle();
    expect(rt.ops('startPauseHolder')).toHaveLength(1);
    expect(spawns()).toEqual(['setup']);
    rt.exit('setup', 0);
    await starting;
    expect(spawns()).toEqual(['setup', 'app']);
    expect(m.phase('web')).toBe('Running');
  });

  it('of two concurrent removes of a pod, both succeed and the sandbox is destroyed once', async () => {
    await create('Always', ['app']);
    await m.start('web');
    const both = await Promise.all([m.remove('web', true), m.remove('web', true)]);
    expect(both).toEqual([true, true]);
    expect(rt.ops('destroySandbox')).toHaveLength(1);
    expect(m.size).toBe(0);
    expect(await m.remove('web', true)).toBe(false);
    await expect(m.remove('web', false)).rejects.toThrow(/not found/);
  });

  it('a new supervisor re-adopts a pod from disk: a live container is watched to its exit, a dead one is unknown', async () => {
    await create('Always', ['live', 'dead']);
    // What a supervisor that died left: both containers recorded running, one still alive.
    const file = join(dir, 'pods', 'web', 'pod.json');
    const rec = JSON.parse(readFileSync(file, 'utf8'));
    const startedAt = new Date().toISOString();
    rec.startedAt = startedAt;
    const live = rt.orphan('live');
    Object.assign(rec.containers[0], { state: 'running', ...live, startedAt, started: true });
    Object.assign(rec.containers[1], { state: 'running', pid: 9999, pidStart: 1, startedAt, started: true });
    writeFileSync(file, JSON.stringify(rec));

    const next = new PodManager(new StatePaths(dir), ENV, rt);
    next.adoptAll();
    const adopted = (name: string) => next.record('web').containers.find((c) => c.name === name)!;
    expect(adopted('dead')).toMatchObject({ state: 'unknown', reason: 'ContainerStatusUnknown' });
    expect(adopted('dead').exitCode).toBeUndefined();
    await settle();
    // Always: the unknown one is restarted (a first crash: at once); the live one is left running.
    expect(spawns()).toEqual(['dead']);
    expect(adopted('live')).toMatchObject({ state: 'running', pid: live.pid, restartCount: 0 });
    rt.exit('live', 3);
    await settle();
    expect(adopted('live')).toMatchObject({ state: 'running', restartCount: 1, last: { state: 'exited', exitCode: 3, reason: 'Error' } });
    expect(spawns()).toEqual(['dead', 'live']);
  });
});
