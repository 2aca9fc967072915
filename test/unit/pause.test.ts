// The pure parts of pause: the Paused condition and STATUS, the probes' hold (no attempt
// while paused, an attempt a pause overlapped is discarded), and the verbs' refusals.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PAUSED, pausePod, pausedCondition, probeHoldToken, unpausePod, type Pausable } from '../../src/pod/pause.js';
import { ProbeWorker, type ProbeOutcome } from '../../src/pod/probe-worker.js';
import { displayStatus, podConditions, podView } from '../../src/pod/status.js';
import type { Probe } from '../../src/model/pod.js';
import type { ContainerRecord, PodRecord } from '../../src/state/records.js';

function rec(state: ContainerRecord['state'] = 'running', extra: Partial<PodRecord> = {}): PodRecord {
  return {
    pod: {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'p', namespace: 'default', labels: {}, annotations: {} },
      spec: { containers: [{ name: 'a', image: '/', command: ['true'], env: [], volumeMounts: [], resources: { requests: {}, limits: {} } }], initContainers: [], volumes: [], restartPolicy: 'Always', terminationGracePeriodSeconds: 30, shareProcessNamespace: false },
    },
    createdAt: '',
    sandbox: { state: 'ready', cgroup: '/nonexistent/cgroup', hostname: 'p', namespaces: { net: '', ipc: '', uts: '' } },
    containers: [{ name: 'a', init: false, state, cgroup: '', restartCount: 0, startedAt: 't', started: true, pid: 1 }],
    ...extra,
  };
}

describe('the paused status', () => {
  it('adds a Paused condition only while paused, since the pause', () => {
    expect(pausedCondition(rec())).toBeUndefined();
    expect(podConditions(rec()).some((c) => c.type === PAUSED)).toBe(false);
    const r = rec('running', { paused: { since: '2026-01-01T00:00:00Z' } });
    expect(podConditions(r).find((c) => c.type === PAUSED)).toEqual({
      type: 'podrun.io/Paused', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'PodPaused',
      message: 'the pod is frozen by podrun pause; podrun unpause thaws it',
    });
  });
  it.each([
    ['running, paused', rec('running', { paused: { since: 't' } }), 'Paused'],
    ['running', rec('running'), 'Running'],
    ['failed as a whole, paused', rec('running', { paused: { since: 't' }, terminal: { reason: 'DeadlineExceeded', message: 'm' } }), 'DeadlineExceeded'],
  ])('list STATUS of a pod %s: %s', (_what, r, want) => expect(displayStatus(podView(r))).toBe(want));
  it('the phase stays what it was (Kubernetes has no paused phase)', () => {
    expect(podView(rec('running', { paused: { since: 't' } })).status.phase).toBe('Running');
  });
  it('the hold token is null while paused and changes with every pause', () => {
    expect(probeHoldToken(rec())).toBe(0);
    expect(probeHoldToken(rec('running', { paused: { since: 't' }, pauseCount: 1 }))).toBeNull();
    expect(probeHoldToken(rec('running', { pauseCount: 2 }))).toBe(2);
  });
});

describe('pause and unpause refuse what they cannot do, before touching the cgroup', () => {
  const host = (r: PodRecord): Pausable => ({ rec: r, name: 'p', save: () => {}, requestSync: () => {}, event: () => {}, now: () => '2026-01-01T00:00:00.000Z' });
  it.each([
    ['already paused', rec('running', { paused: { since: 't' } }), 'pod "p" is already paused'],
    ['with no running container', rec('exited'), 'pod "p" has no running container: nothing to pause'],
    ['ended as a whole', rec('running', { terminal: { reason: 'Evicted', message: 'm' } }), 'pod "p" has no running container: nothing to pause'],
  ])('pause of a pod %s', async (_what, r, message) => {
    await expect(pausePod(host(r))).rejects.toThrow(message);
    expect(r.pauseCount).toBeUndefined();
  });
  it('unpause of a pod that is not paused', async () => {
    await expect(unpausePod(host(rec()))).rejects.toThrow('pod "p" is not paused');
  });
});

describe('probes hold while the pod is paused', () => {
  afterEach(() => vi.useRealTimers());
  const probe: Probe = { exec: { command: ['x'] }, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 1 };

  it('makes no attempt while paused, and resumes after', async () => {
    vi.useFakeTimers();
    let token: number | null = null;
    let attempts = 0;
    const w = new ProbeWorker('liveness', probe, Date.now(), {
      started: () => true,
      attempt: async () => (attempts++, { result: 'Success', output: '' }),
      observed: () => {},
      publish: () => {},
      holdToken: () => token,
    });
    w.start();
    await vi.advanceTimersByTimeAsync(3500);
    expect(attempts).toBe(0);
    token = 1;
    await vi.advanceTimersByTimeAsync(2000);
    w.stop();
    expect(attempts).toBe(2);
  });

  it('discards an attempt that a pause overlapped (a frozen server times out)', async () => {
    vi.useFakeTimers();
    let token: number | null = 0;
    const published: string[] = [];
    const w = new ProbeWorker('liveness', probe, Date.now(), {
      started: () => true,
      // The pod is paused and unpaused while this attempt waits for its time-out.
      attempt: async (): Promise<ProbeOutcome> => {
        token = null;
        await new Promise((r) => setTimeout(r, 500));
        token = 1;
        return { result: 'Failure', output: 'timeout' };
      },
      observed: () => {},
      publish: (r) => published.push(r),
      holdToken: () => token,
    });
    w.start();
    await vi.advanceTimersByTimeAsync(600);
    w.stop();
    expect(published).toEqual([]);
  });
});
