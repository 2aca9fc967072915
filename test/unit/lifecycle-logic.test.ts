import { describe, expect, it } from 'vitest';
import { podPhase, podConditions, containerState } from '../../src/pod/status.js';
import { parseSignal } from '../../src/model/signals.js';
import { expandVars, containerEnv, containerArgv } from '../../src/container/init-config.js';
import { parseExecFast } from '../../src/cli/exec-fast.js';
import { parseUser } from '../../src/pod/exec.js';
import type { ContainerRecord, PodRecord } from '../../src/state/records.js';
import type { Container } from '../../src/model/pod.js';

function rec(policy: 'Always' | 'OnFailure' | 'Never', cs: Partial<ContainerRecord>[]): PodRecord {
  return {
    pod: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default', labels: {}, annotations: {} },
      spec: {
        containers: [],
        initContainers: [],
        volumes: [],
        restartPolicy: policy,
        terminationGracePeriodSeconds: 30,
        shareProcessNamespace: false,
      },
    },
    createdAt: '',
    sandbox: { state: 'ready', cgroup: '/x', hostname: 'p', namespaces: { net: '', ipc: '', uts: '' } },
    containers: cs.map((c, i) => ({ name: `c${i}`, init: false, state: 'created', cgroup: '', restartCount: 0, ...c })),
  };
}

describe('podPhase', () => {
  it('is Pending before anything runs and Running while a container runs', () => {
    expect(podPhase(rec('Always', [{}, {}]))).toBe('Pending');
    expect(podPhase(rec('Always', [{ state: 'running' }, { state: 'exited', exitCode: 0 }]))).toBe('Running');
  });
  it('is Succeeded when every container exited 0 under Never or OnFailure', () => {
    expect(podPhase(rec('Never', [{ state: 'exited', exitCode: 0 }, { state: 'exited', exitCode: 0 }]))).toBe('Succeeded');
    expect(podPhase(rec('OnFailure', [{ state: 'exited', exitCode: 0 }]))).toBe('Succeeded');
  });
  it('is Failed when one failed under Never', () => {
    expect(podPhase(rec('Never', [{ state: 'exited', exitCode: 0 }, { state: 'exited', exitCode: 3 }]))).toBe('Failed');
  });
  it('stays Running under Always (the kubelet would restart), unless stopped by the user', () => {
    expect(podPhase(rec('Always', [{ state: 'exited', exitCode: 0 }]))).toBe('Running');
    expect(podPhase(rec('Always', [{ state: 'exited', exitCode: 137, stopped: true }]))).toBe('Failed');
  });
  it('is Pending while an init container has not completed, Failed when it failed under Never', () => {
    expect(podPhase(rec('Never', [{ init: true, state: 'running' }, {}]))).toBe('Pending');
    expect(podPhase(rec('Never', [{ init: true, state: 'exited', exitCode: 1 }, {}]))).toBe('Failed');
  });
  it('Ready and ContainersReady follow the app containers', () => {
    const ready = podConditions(rec('Always', [{ state: 'running' }, { state: 'running' }]));
    expect(ready.find((c) => c.type === 'Ready')?.status).toBe('True');
    const notReady = podConditions(rec('Always', [{ state: 'running' }, { state: 'created' }]));
    expect(notReady.find((c) => c.type === 'ContainersReady')?.status).toBe('False');
  });
  it('renders unknown exits without inventing an exit code', () => {
    const s = containerState({ name: 'a', init: false, state: 'unknown', cgroup: '', restartCount: 0, reason: 'ContainerStatusUnknown' });
    expect(s.terminated?.reason).toBe('ContainerStatusUnknown');
    expect(s.terminated).not.toHaveProperty('exitCode');
  });
});

describe('parseSignal', () => {
  it('accepts names with and without SIG, any case, and numbers', () => {
    expect(parseSignal('TERM')).toEqual({ name: 'SIGTERM', number: 15 });
    expect(parseSignal('sigkill').number).toBe(9);
    expect(parseSignal('10').name).toBe('SIGUSR1');
  });
  it('rejects unknown signals naming the flag', () => {
    expect(() => parseSignal('FOO')).toThrow(/--signal/);
    expect(() => parseSignal('99')).toThrow(/--signal/);
  });
});

describe('$(VAR) expansion and command resolution', () => {
  it('expands known names, keeps unknown ones, and unescapes $$', () => {
    const env = new Map([['A', 'x']]);
    expect(expandVars('$(A)-$(B)-$$(A)', env)).toBe('x-$(B)-$(A)');
  });
  it('builds env in order with defaults, later entries seeing earlier ones', () => {
    const c = { env: [{ name: 'A', value: '1' }, { name: 'B', value: '$(A)2' }] } as unknown as Container;
    const env = containerEnv(c, 'host');
    expect(env.get('B')).toBe('12');
    expect(env.get('HOSTNAME')).toBe('host');
    expect(env.get('PATH')).toContain('/usr/bin');
  });
  it('requires a command for path images', () => {
    expect(() => containerArgv({ name: 'x' } as unknown as Container, new Map(), 'spec.containers[0]')).toThrow(/spec.containers\[0\].command/);
  });
});

describe('exec argument parsing', () => {
  it('parses the fast path', () => {
    const f = parseExecFast(['--root', '/r', 'exec', '-i', '-c', 'side', '-e', 'A=1', '-w', '/tmp', 'pod', '--', 'sh', '-c', 'x']);
    expect(f).toEqual({ root: '/r', pod: 'pod', argv: ['sh', '-c', 'x'], opts: { stdin: true, container: 'side', env: ['A=1'], workdir: '/tmp' } });
  });
  it('defers to the full parser for anything unusual', () => {
    expect(parseExecFast(['exec', '--help'])).toBeUndefined();
    expect(parseExecFast(['exec', '-it', 'pod', 'sh'])).toBeUndefined();
    expect(parseExecFast(['exec', '-t', 'pod', 'sh'])).toBeUndefined();
    expect(parseExecFast(['list'])).toBeUndefined();
  });
  it('parses users', () => {
    expect(parseUser('1000:100')).toEqual({ uid: 1000, gid: 100 });
    expect(() => parseUser('bob')).toThrow(/--user/);
  });
});
