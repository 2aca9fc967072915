// The kubelet's job, done by podrun's supervisor, on real pods: restarts with
// CrashLoopBackOff, probes of every handler with their thresholds, startup gating,
// init containers, sidecars, hooks, termination order and grace, deadlines, events.
// Short periods (1 s) and a 1 s -> 4 s back-off; every wait polls with a time-out.
import { existsSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUSYBOX, canRun, manifest, newRoot, podrun, removeRoot, until, type ContainerOpts } from './helpers.js';

const root = canRun ? newRoot('lifecycle') : '/nonexistent';
const ENV = { PODRUN_SUPERVISOR_IDLE_MS: '3000', PODRUN_BACKOFF_INITIAL_SECONDS: '1', PODRUN_BACKOFF_MAX_SECONDS: '4' };
const created: string[] = [];
const cgroups: string[] = [];

const pr = (args: string[], opts: { input?: string; timeout?: number } = {}) => podrun(root, args, { env: ENV, ...opts });

async function ok(args: string[], opts: { input?: string } = {}): Promise<string> {
  const r = await pr(args, opts);
  if (r.exitCode !== 0) throw new Error(`podrun ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
}

async function run(json: string): Promise<{ exitCode: number; stderr: string }> {
  const name = (JSON.parse(json) as { metadata: { name: string } }).metadata.name;
  created.push(name);
  const r = await pr(['run', '-f', '-'], { input: json });
  try {
    cgroups.push((await inspect(name)).status.sandbox.cgroup);
  } catch {
    /* not created */
  }
  return r;
}

async function runOk(json: string): Promise<void> {
  const r = await run(json);
  if (r.exitCode !== 0) throw new Error(`run exited ${r.exitCode}: ${r.stderr}`);
}

async function inspect(pod: string): Promise<any> {
  return JSON.parse(await ok(['inspect', pod]));
}

function status(p: any, ctr: string): any {
  const s = [...p.status.initContainerStatuses, ...p.status.containerStatuses].find((c: any) => c.name === ctr);
  if (!s) throw new Error(`no status for container ${ctr}`);
  return s;
}

const ctrStatus = async (pod: string, ctr: string) => status(await inspect(pod), ctr);
const condition = (p: any, type: string) => p.status.conditions.find((c: any) => c.type === type);

interface Ev {
  seq: number;
  time: string;
  type: string;
  reason: string;
  container?: string;
  message: string;
}

/** The pod's events, as the supervisor recorded them (ROOT/pods/POD/events.jsonl). */
function events(pod: string): Ev[] {
  const f = join(root, 'pods', pod, 'events.jsonl');
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Ev);
}

const at = (e: Ev) => Date.parse(e.time);
const volumeFile = (pod: string, vol: string, file: string) => join(root, 'pods', pod, 'volumes', vol, file);
const readVolume = (pod: string, vol: string, file: string) => {
  try {
    return readFileSync(volumeFile(pod, vol, file), 'utf8');
  } catch {
    return '';
  }
};

const probe = (handler: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ ...handler, periodSeconds: 1, ...extra });
const execProbe = (command: string[], extra: Record<string, unknown> = {}) => probe({ exec: { command } }, extra);
const DATA = { volumes: [{ name: 'data', emptyDir: {} }] };
const mountData = [{ name: 'data', mountPath: '/data' }];
const sleeper = (name: string, extra: Record<string, unknown> = {}): ContainerOpts => ({ name, command: ['sleep', '3600'], extra });
// A shell that exits 0 on SIGTERM, recording it (busybox sh as PID 1 of its PID namespace).
const graceful = (name: string, log = '/data/log') => ({
  name,
  command: ['sh', '-c', `trap "echo ${name} >> ${log}; exit 0" TERM; while true; do sleep 0.1; done`],
  mounts: mountData,
});

/** Removes finished pods at once: a crash-looping pod left running would load the machine. */
async function removed(...pods: string[]): Promise<void> {
  const r = await pr(['rm', '-f', ...pods]);
  expect(r.exitCode, r.stderr).toBe(0);
}

// Concurrent: each test waits on its own pod; generous time-outs for a loaded 2-core machine.
describe.skipIf(!canRun).concurrent('pod lifecycle', { timeout: 120_000 }, () => {
  afterAll(async () => {
    for (const p of created) await pr(['rm', '-f', p]);
    // Nothing of these pods is left: no cgroup, no mount, no state.
    for (const cg of cgroups) expect(existsSync(cg), cg).toBe(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(root))).toEqual([]);
    for (const p of created) expect(existsSync(join(root, 'pods', p))).toBe(false);
    await removeRoot(root);
  });

  it('restarts a crashing container with a back-off that doubles and caps; its sibling is untouched', async () => {
    const name = 'lc-backoff';
    await runOk(
      manifest(name, [
        { name: 'crash', command: ['sh', '-c', 'echo up; exit 1'] },
        // A second one, out of step with the first: each keeps its own back-off timer.
        { name: 'crash2', command: ['sh', '-c', 'sleep 0.7; echo down; exit 2'] },
        sleeper('steady'),
      ]),
    );
    const steady = await ctrStatus(name, 'steady');
    const waiting = await until('CrashLoopBackOff', async () => {
      const c = await ctrStatus(name, 'crash');
      return c.state.waiting?.reason === 'CrashLoopBackOff' && c;
    });
    expect(waiting.state.waiting.message).toMatch(/^back-off \d+s restarting failed container=crash pod=lc-backoff$/);
    expect(waiting.lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    // restartCount counts a restart from its decision; the Started event follows the spawn.
    await until('6 starts (5 restarts)', () => events(name).filter((e) => e.container === 'crash' && e.reason === 'Started').length >= 6, 45_000, 250);
    // From the events: the first crash restarts at once; then each restart waits 1, 2, 4,
    // 4 s after the exit (plus the time a start takes). The wait counts from the exit
    // (finishedAt), which lies between two moments the test can see: the instance's last
    // log line (stamped when the supervisor reads it, which is before it records the
    // exit) and the BackOff event (recorded when the sync gets to it: after a sibling's
    // start under way, 100 ms or more after the exit on a loaded machine).
    const evs = events(name).filter((e) => e.container === 'crash');
    const starts = evs.filter((e) => e.reason === 'Started');
    const backoffs = evs.filter((e) => e.reason === 'BackOff');
    // The first restart is immediate: no BackOff before it.
    expect(backoffs[0].seq).toBeGreaterThan(starts[1].seq);
    const lastLineAt = (ctr: string, instance: number) => {
      const lines = readFileSync(join(root, 'pods', name, 'logs', ctr, `${instance}.log`), 'utf8').trim().split('\n');
      return Date.parse(lines[lines.length - 1].split(' ')[0]);
    };
    const delaysOf = (ctr: string, n: number) => {
      const es = events(name).filter((e) => e.container === ctr);
      return es
        .filter((e) => e.reason === 'BackOff')
        .slice(0, n)
        .map((b) => {
          const restart = at(es.find((s) => s.reason === 'Started' && s.seq > b.seq)!);
          // The instance that exited: one per Started event before the BackOff (restartCount 0, 1, ...).
          const exited = es.filter((s) => s.reason === 'Started' && s.seq < b.seq).length - 1;
          return { sinceLastLine: (restart - lastLineAt(ctr, exited)) / 1000, sinceBackOff: (restart - at(b)) / 1000 };
        });
    };
    const check = (ctr: string, wants: number[]) => {
      const delays = delaysOf(ctr, wants.length);
      const seen = delays.map((d) => `${d.sinceLastLine}/${d.sinceBackOff}`).join(', ');
      wants.forEach((want, i) => {
        expect(delays[i].sinceLastLine, `${ctr} delay ${i} (since the last line/the BackOff): ${seen}`).toBeGreaterThanOrEqual(want - 0.05);
        expect(delays[i].sinceBackOff, `${ctr} delay ${i} (since the last line/the BackOff): ${seen}`).toBeLessThan(want + 1.5);
      });
    };
    check('crash', [1, 2, 4, 4]);
    check('crash2', [1, 2]);
    const p = await inspect(name);
    expect(p.status.phase).toBe('Running');
    expect(status(p, 'steady')).toMatchObject({ restartCount: 0, pid: steady.pid });
    await removed('lc-backoff');
  });

  it('OnFailure restarts after exit 1 and not after exit 0', async () => {
    const name = 'lc-onfailure';
    await runOk(
      manifest(name, [{ name: 'good', command: ['sh', '-c', 'exit 0'] }, { name: 'bad', command: ['sh', '-c', 'exit 1'] }], { restartPolicy: 'OnFailure' }),
    );
    await until('bad restarted twice', async () => (await ctrStatus(name, 'bad')).restartCount >= 2, 20_000);
    const p = await inspect(name);
    expect(status(p, 'good')).toMatchObject({ restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } });
    expect(p.status.phase).toBe('Running');
    await removed('lc-onfailure');
  });

  it('a failing exec liveness probe restarts the container after failureThreshold failures', async () => {
    const name = 'lc-liveness';
    await runOk(manifest(name, [sleeper('app', { livenessProbe: execProbe(['cat', '/tmp/healthy'], { failureThreshold: 3 }) })]));
    await ok(['exec', name, '--', 'touch', '/dev/shm/kept']);
    const c = await until('a liveness restart', async () => {
      const s = await ctrStatus(name, 'app');
      return s.restartCount >= 1 && s.state.running && s;
    }, 20_000);
    // The new instance is in the same pod: the pinned network namespace and /dev/shm.
    const pod = await inspect(name);
    expect(readlinkSync(`/proc/${c.pid}/ns/net`)).toBe(`net:[${statSync(pod.status.sandbox.namespaces.net).ino}]`);
    expect((await pr(['exec', name, '--', 'test', '-e', '/dev/shm/kept'])).exitCode).toBe(0);
    const evs = events(name).filter((e) => e.container === 'app');
    const started = evs.find((e) => e.reason === 'Started')!;
    const killing = evs.find((e) => e.reason === 'Killing')!;
    expect(killing.message).toMatch(/failed liveness probe, will be restarted/);
    const failures = evs.filter((e) => e.reason === 'Unhealthy' && e.seq > started.seq && e.seq < killing.seq);
    expect(failures).toHaveLength(3);
    expect(failures[0].message).toMatch(/^Liveness probe failed: /);
    // sleep ignores SIGTERM as PID 1: killed after the 2 s floor of a 0 s grace period.
    expect(c.lastState.terminated.exitCode).toBe(137);
    await removed(name);
  });

  it("a probe's terminationGracePeriodSeconds overrides the pod's for the kill it causes", async () => {
    const name = 'lc-probe-grace';
    const stubborn = ['sh', '-c', 'trap "" TERM; while true; do sleep 0.1; done'];
    const liveness = execProbe(['false'], { failureThreshold: 1, terminationGracePeriodSeconds: 3 });
    await runOk(manifest(name, [{ name: 'app', command: stubborn, extra: { livenessProbe: liveness } }], { terminationGracePeriodSeconds: 60 }));
    const c = await until('killed by its liveness probe', async () => {
      const s = await ctrStatus(name, 'app');
      return s.restartCount >= 1 && s;
    }, 20_000);
    const killing = events(name).find((e) => e.reason === 'Killing')!;
    const took = (Date.parse(c.lastState.terminated.finishedAt) - at(killing)) / 1000;
    expect(took).toBeGreaterThanOrEqual(2.9);
    expect(took).toBeLessThan(6); // 3 s, not the pod's 60 s
    expect(c.lastState.terminated.exitCode).toBe(137);
    await ok(['stop', '-t', '0', name]); // rm -f would give the restarted instance its 60 s
    await removed(name);
  });

  it('an exec probe that outlives timeoutSeconds fails and its process is killed', async () => {
    const name = 'lc-exec-timeout';
    await runOk(manifest(name, [sleeper('app', { readinessProbe: execProbe(['sleep', '30'], { timeoutSeconds: 1 }) })]));
    await until('a timed-out attempt', () => events(name).some((e) => /^Readiness probe failed: .*timed out/.test(e.message)), 15_000);
    await until('3 attempts', () => events(name).filter((e) => e.reason === 'Unhealthy').length >= 3, 15_000);
    // One attempt at a time, each killed at its time-out: at most the current one is alive.
    const ps = await ok(['exec', name, '--', 'ps', '-o', 'args']);
    expect(ps.split('\n').filter((l) => l.trim() === 'sleep 30').length).toBeLessThanOrEqual(1);
    expect((await ctrStatus(name, 'app')).ready).toBe(false);
    await removed(name);
  });

  it('readiness follows an exec probe both ways; liveness that passes restarts nothing; wait --for ready honours it', async () => {
    const name = 'lc-ready';
    await runOk(
      manifest(name, [
        sleeper('app', {
          readinessProbe: execProbe(['test', '-e', '/tmp/ready'], { failureThreshold: 2 }),
          livenessProbe: execProbe(['sh', '-c', 'echo . >> /tmp/live']),
        }),
      ]),
    );
    let p = await inspect(name);
    expect(status(p, 'app').ready).toBe(false);
    expect(condition(p, 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
    expect((await pr(['wait', '--for', 'ready', '--timeout', '1', name])).exitCode).toBe(1);
    await ok(['exec', name, '--', 'touch', '/tmp/ready']);
    expect((await pr(['wait', '--for', 'ready', '--timeout', '15', name])).exitCode).toBe(0);
    p = await inspect(name);
    expect(condition(p, 'ContainersReady').status).toBe('True');
    await ok(['exec', name, '--', 'rm', '/tmp/ready']);
    await until('not ready again', async () => (await ctrStatus(name, 'app')).ready === false, 15_000);
    expect(Number((await ok(['exec', name, '--', 'wc', '-l', '/tmp/live'])).trim().split(/\s+/)[0])).toBeGreaterThanOrEqual(2);
    expect((await ctrStatus(name, 'app')).restartCount).toBe(0);
    await removed('lc-ready');
  });

  it('tcpSocket and httpGet probes connect inside the pod: pass on a listening server, fail on a closed port and on 404', async () => {
    const name = 'lc-net';
    await runOk(
      manifest(name, [
        {
          name: 'web',
          command: ['sh', '-c', 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'],
          extra: {
            ports: [{ containerPort: 8080, name: 'http' }],
            readinessProbe: probe({ httpGet: { path: '/index.html', port: 'http' } }),
            livenessProbe: probe({ tcpSocket: { port: 8080 } }),
          },
        },
        sleeper('tcpbad', { readinessProbe: probe({ tcpSocket: { port: 9999 } }, { failureThreshold: 1 }) }),
        sleeper('httpbad', { livenessProbe: probe({ httpGet: { path: '/missing', port: 8080 } }, { failureThreshold: 2 }) }),
      ]),
    );
    await until('web ready', async () => (await ctrStatus(name, 'web')).ready === true, 15_000);
    await until('httpbad restarted', async () => (await ctrStatus(name, 'httpbad')).restartCount >= 1, 20_000);
    const p = await inspect(name);
    expect(status(p, 'tcpbad').ready).toBe(false);
    expect(status(p, 'web').restartCount).toBe(0);
    expect(condition(p, 'Ready')).toMatchObject({ status: 'False', message: expect.stringMatching(/^containers with unready status: \[.*tcpbad.*\]$/) });
    expect(condition(p, 'Ready').message).not.toMatch(/web/);
    const evs = events(name);
    expect(evs.find((e) => e.container === 'tcpbad' && e.reason === 'Unhealthy')?.message).toMatch(/^Readiness probe failed: .*9999.*refused/);
    expect(evs.find((e) => e.container === 'httpbad' && e.reason === 'Unhealthy')?.message).toMatch(/^Liveness probe failed: .*404/);
    await removed('lc-net');
  });

  it('grpc probes: SERVING passes, NOT_SERVING fails and restarts, in a real pod', async () => {
    const name = 'lc-grpc';
    // The host root as image, so the container can run node and the test's gRPC health
    // server, mounted in from this directory (the host root's /tmp is private to the pod,
    // and a clean clone may live there).
    const servers = '/probe-servers/probe-test-servers.mjs';
    const serversVolume = { volumes: [{ name: 'servers', hostPath: { path: import.meta.dirname, type: 'Directory' } }] };
    const mountServers = [{ name: 'servers', mountPath: '/probe-servers', readOnly: true }];
    await runOk(
      manifest(name, [
        // Two servers (the pod shares one network namespace: distinct ports), so the liveness
        // restarts of one never race the readiness of the other.
        {
          name: 'up',
          image: '/',
          command: [process.execPath, servers, '18080', '0', '18081', '-', '0.0.0.0'],
          mounts: mountServers,
          extra: { readinessProbe: probe({ grpc: { port: 18081 } }) },
        },
        {
          name: 'down',
          image: '/',
          command: [process.execPath, servers, '18082', '0', '18083', '-', '0.0.0.0'],
          mounts: mountServers,
          extra: { livenessProbe: probe({ grpc: { port: 18083, service: 'down' } }, { failureThreshold: 2, initialDelaySeconds: 2 }) },
        },
      ], serversVolume),
    );
    await until('ready through grpc', async () => (await ctrStatus(name, 'up')).ready === true, 30_000);
    await until('restarted by the NOT_SERVING liveness probe', async () => (await ctrStatus(name, 'down')).restartCount >= 1, 30_000);
    expect((await ctrStatus(name, 'up')).restartCount).toBe(0);
    expect(events(name).find((e) => /^Liveness/.test(e.message))?.message).toMatch(/^Liveness probe failed: .*NOT_SERVING/);
    await removed(name);
  });

  it('a startup probe holds liveness (and readiness) back until it succeeds', async () => {
    const name = 'lc-startup';
    await runOk(
      manifest(name, [
        sleeper('app', {
          startupProbe: execProbe(['test', '-e', '/tmp/up'], { failureThreshold: 60 }),
          livenessProbe: execProbe(['false'], { failureThreshold: 1 }),
        }),
      ]),
    );
    await until('3 startup failures', () => events(name).filter((e) => /^Startup probe failed/.test(e.message)).length >= 3, 15_000);
    const s = await ctrStatus(name, 'app');
    expect(s).toMatchObject({ started: false, ready: false, restartCount: 0 });
    expect(events(name).filter((e) => /^Liveness/.test(e.message))).toEqual([]);
    const touched = Date.now();
    await ok(['exec', name, '--', 'touch', '/tmp/up']);
    await until('liveness restarts it once started', async () => (await ctrStatus(name, 'app')).restartCount >= 1, 15_000);
    const live = events(name).filter((e) => /^Liveness probe failed/.test(e.message));
    expect(live.length).toBeGreaterThan(0);
    for (const e of live) expect(at(e)).toBeGreaterThanOrEqual(touched - 50);
    await removed('lc-startup');
  });

  it('init containers run in order, each to completion, before the app containers; events come in that order', async () => {
    const name = 'lc-init';
    const m = JSON.parse(manifest(name, [{ name: 'app', command: ['sh', '-c', 'cat /data/order; sleep 3600'], mounts: mountData }], DATA));
    m.spec.initContainers = [
      { name: 'first', image: BUSYBOX, command: ['sh', '-c', 'sleep 0.3; echo first >> /data/order'], volumeMounts: mountData },
      { name: 'second', image: BUSYBOX, command: ['sh', '-c', 'echo second >> /data/order'], volumeMounts: mountData },
    ];
    await runOk(JSON.stringify(m));
    const p = await inspect(name);
    expect(status(p, 'first').state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(Date.parse(status(p, 'second').state.terminated.startedAt)).toBeGreaterThanOrEqual(Date.parse(status(p, 'first').state.terminated.finishedAt));
    expect(condition(p, 'Initialized').status).toBe('True');
    await until('app printed the order', async () => (await ok(['logs', name])) === 'first\nsecond');
    const started = events(name).filter((e) => e.reason === 'Started').map((e) => e.container);
    expect(started).toEqual(['first', 'second', 'app']);
    const evs = events(name);
    expect(evs[0].reason).toBe('Scheduled');
    evs.forEach((e, i) => i > 0 && expect(e.seq).toBe(evs[i - 1].seq + 1));
    await removed('lc-init');
  });

  it('an init failure under Never fails the pod and start says so; under OnFailure the init container is retried', async () => {
    const image = BUSYBOX;
    const withInit = (name: string, policy: string, cmd: string) => {
      const m = JSON.parse(manifest(name, [sleeper('app', { volumeMounts: mountData })], { ...DATA, restartPolicy: policy }));
      m.spec.initContainers = [{ name: 'setup', image, command: ['sh', '-c', cmd], volumeMounts: mountData }];
      return JSON.stringify(m);
    };
    const never = await run(withInit('lc-initfail', 'Never', 'exit 3'));
    expect(never.exitCode).toBe(1);
    expect(never.stderr).toMatch(/init container "setup" failed with exit code 3/);
    let p = await inspect('lc-initfail');
    expect(p.status.phase).toBe('Failed');
    expect(status(p, 'app').state.waiting.reason).toBe('PodInitializing');
    expect(condition(p, 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized' });

    const retry = await run(withInit('lc-initretry', 'OnFailure', 'test -e /data/flag || { touch /data/flag; exit 1; }'));
    expect(retry.exitCode).toBe(1);
    expect(retry.stderr).toMatch(/retried with back-off/);
    await until('app running after the retried init', async () => (await ctrStatus('lc-initretry', 'app')).state.running, 15_000);
    p = await inspect('lc-initretry');
    expect(status(p, 'setup')).toMatchObject({ restartCount: 1, state: { terminated: { exitCode: 0 } } });
    expect(p.status.phase).toBe('Running');
    await removed('lc-initfail', 'lc-initretry');
  });

  it('a sidecar starts before the app containers, is restarted on exit, outlives them and is stopped last', async () => {
    const image = BUSYBOX;
    const sidecar = (name: string, command: string[]) => ({ name, image, command, restartPolicy: 'Always', volumeMounts: mountData });
    // Completion: the app exits 0 under Never; the kubelet then stops the sidecar; Succeeded.
    const m = JSON.parse(manifest('lc-sidecar', [{ name: 'app', command: ['sh', '-c', 'sleep 1; exit 0'] }], { ...DATA, restartPolicy: 'Never' }));
    m.spec.initContainers = [sidecar('side', graceful('side').command)];
    await runOk(JSON.stringify(m));
    await until('Succeeded', async () => (await inspect('lc-sidecar')).status.phase === 'Succeeded', 20_000);
    let p = await inspect('lc-sidecar');
    const side = status(p, 'side').state.terminated;
    const app = status(p, 'app').state.terminated;
    expect(side.exitCode).toBe(0);
    expect(Date.parse(side.startedAt)).toBeLessThanOrEqual(Date.parse(app.startedAt));
    expect(Date.parse(side.finishedAt)).toBeGreaterThanOrEqual(Date.parse(app.finishedAt));
    expect(readVolume('lc-sidecar', 'data', 'log')).toBe('side\n');

    // Stop: app containers first, then sidecars in reverse order; a crashing sidecar is restarted meanwhile.
    const m2 = JSON.parse(manifest('lc-sidecar-stop', [graceful('app')], { ...DATA, terminationGracePeriodSeconds: 10 }));
    m2.spec.initContainers = [sidecar('side1', graceful('side1').command), sidecar('side2', graceful('side2').command), sidecar('flaky', ['sh', '-c', 'sleep 0.5; exit 2'])];
    await runOk(JSON.stringify(m2));
    await until('flaky restarted', async () => (await ctrStatus('lc-sidecar-stop', 'flaky')).restartCount >= 1, 15_000);
    p = await inspect('lc-sidecar-stop');
    expect(status(p, 'app').state.running).toBeTruthy();
    await ok(['stop', 'lc-sidecar-stop']);
    expect(readVolume('lc-sidecar-stop', 'data', 'log')).toBe('app\nside2\nside1\n');
    await removed('lc-sidecar', 'lc-sidecar-stop');
  });

  it('preStop runs before the stop signal; postStart runs, and its failure restarts the container', async () => {
    const name = 'lc-hooks';
    await runOk(
      manifest(
        name,
        [
          { ...graceful('app', '/data/stop'), extra: { lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo preStop >> /data/stop'] } } } } },
          sleeper('post', { volumeMounts: mountData, lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo post > /data/post'] } } } }),
          sleeper('badpost', { lifecycle: { postStart: { exec: { command: ['false'] } } } }),
        ],
        { ...DATA, terminationGracePeriodSeconds: 10 },
      ),
    );
    await until('postStart wrote its file', () => readVolume(name, 'data', 'post') === 'post\n');
    await until('badpost restarted', async () => (await ctrStatus(name, 'badpost')).restartCount >= 1, 15_000);
    expect(events(name).find((e) => e.container === 'badpost' && e.reason === 'FailedPostStartHook')).toBeTruthy();
    await ok(['stop', '-c', 'app', name]);
    expect(readVolume(name, 'data', 'stop')).toBe('preStop\napp\n');
    expect((await ctrStatus(name, 'app')).state.terminated.exitCode).toBe(0);
    await removed('lc-hooks');
  });

  it('httpGet hooks: preStop reaches a server in the pod; a postStart that cannot connect fails the container', async () => {
    const name = 'lc-httphooks';
    // busybox httpd with a CGI script that records each hit in the shared volume.
    const cgi = 'printf "#!/bin/sh\\necho hit >> /data/hook\\necho Content-Type: text/plain\\necho\\necho ok\\n" > /www/cgi-bin/hook';
    await runOk(
      manifest(
        name,
        [
          {
            name: 'web',
            command: ['sh', '-c', `mkdir -p /www/cgi-bin && ${cgi} && chmod +x /www/cgi-bin/hook && exec httpd -f -p 8080 -h /www`],
            mounts: mountData,
            extra: { lifecycle: { preStop: { httpGet: { path: '/cgi-bin/hook', port: 8080 } } } },
          },
          sleeper('nohost', { lifecycle: { postStart: { httpGet: { path: '/', port: 9 } } } }),
        ],
        { ...DATA, terminationGracePeriodSeconds: 3 },
      ),
    );
    await until('nohost failed its hook', () => events(name).some((e) => e.container === 'nohost' && e.reason === 'FailedPostStartHook'), 15_000);
    expect(events(name).find((e) => e.reason === 'FailedPostStartHook')?.message).toMatch(/refused/);
    await until('web serves', async () => (await pr(['exec', '-c', 'web', name, '--', 'wget', '-q', '-O', '-', 'http://127.0.0.1:8080/cgi-bin/hook'])).exitCode === 0);
    const before = readVolume(name, 'data', 'hook').length;
    await ok(['stop', '-c', 'web', name]);
    expect(readVolume(name, 'data', 'hook').length).toBeGreaterThan(before);
    await removed('lc-httphooks');
  });

  it('a sidecar with a startup probe holds the next init container until it has started', async () => {
    const name = 'lc-sidecar-gate';
    const m = JSON.parse(manifest(name, [{ name: 'app', command: ['sleep', '3600'] }], DATA));
    m.spec.initContainers = [
      { name: 'side', image: BUSYBOX, command: ['sleep', '3600'], restartPolicy: 'Always', startupProbe: execProbe(['test', '-e', '/tmp/up'], { failureThreshold: 120 }) },
      { name: 'after', image: BUSYBOX, command: ['sh', '-c', 'exit 0'] },
    ];
    expect((await pr(['create', '-f', '-'], { input: JSON.stringify(m) })).exitCode).toBe(0);
    created.push(name);
    const starting = pr(['start', name]);
    await until('2 startup failures', () => events(name).filter((e) => /^Startup probe failed/.test(e.message)).length >= 2, 15_000);
    let p = await inspect(name);
    expect(status(p, 'side')).toMatchObject({ started: false, state: { running: expect.anything() } });
    expect(status(p, 'after').state.waiting).toBeTruthy();
    expect(status(p, 'app').state.waiting).toBeTruthy();
    expect(p.status.phase).toBe('Pending');
    await ok(['exec', '-c', 'side', name, '--', 'touch', '/tmp/up']);
    expect((await starting).exitCode).toBe(0);
    p = await inspect(name);
    expect(status(p, 'after').state.terminated).toMatchObject({ exitCode: 0 });
    expect(status(p, 'app').state.running).toBeTruthy();
    expect(p.status.phase).toBe('Running');
    await removed(name);
  });

  it('the grace period is respected, then SIGKILL; stop -t overrides it', async () => {
    const name = 'lc-grace';
    await runOk(
      manifest(name, [{ name: 'stubborn', command: ['sh', '-c', 'trap "" TERM; while true; do sleep 0.1; done'] }], { terminationGracePeriodSeconds: 3 }),
    );
    // Measured in the supervisor's own records: from the Killing event to the container's end.
    const graceTaken = async () => {
      const killing = events(name).filter((e) => e.reason === 'Killing').at(-1)!;
      const t = (await ctrStatus(name, 'stubborn')).state.terminated;
      expect(t.exitCode).toBe(137);
      return (Date.parse(t.finishedAt) - at(killing)) / 1000;
    };
    await ok(['stop', name]);
    let took = await graceTaken();
    expect(took).toBeGreaterThanOrEqual(2.9);
    expect(took).toBeLessThan(4.5);
    await ok(['start', name]);
    await ok(['stop', '-t', '1', name]);
    took = await graceTaken();
    expect(took).toBeGreaterThanOrEqual(0.9);
    expect(took).toBeLessThan(2.5);
    await removed('lc-grace');
  });

  it('activeDeadlineSeconds ends the pod as Failed with DeadlineExceeded', async () => {
    const name = 'lc-deadline';
    await runOk(manifest(name, [sleeper('app')], { activeDeadlineSeconds: 2 }));
    await until('Failed', async () => (await inspect(name)).status.phase === 'Failed', 15_000);
    expect((await inspect(name)).status).toMatchObject({ reason: 'DeadlineExceeded' });
    // Its containers are killed the normal way (grace, with the 2 s floor, then SIGKILL).
    await until('app killed', async () => (await ctrStatus(name, 'app')).state.terminated, 15_000);
    expect(events(name).some((e) => e.reason === 'DeadlineExceeded')).toBe(true);
    const again = await pr(['start', name]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/DeadlineExceeded/);
    await removed('lc-deadline');
  });

  it('logs --previous shows the last instance and logs -f follows the container across restarts', async () => {
    const name = 'lc-logs';
    // Each instance lives 4 s, so -f (started during the first, on a loaded machine) sees all three.
    const cmd = 'echo x >> /data/n; n=$(wc -l < /data/n); echo "run $n"; sleep 4; [ "$n" -ge 3 ]';
    await runOk(manifest(name, [{ name: 'app', command: ['sh', '-c', cmd], mounts: mountData }], { ...DATA, restartPolicy: 'OnFailure' }));
    const follow = pr(['logs', '-f', name], { timeout: 60_000 });
    await until('Succeeded', async () => (await inspect(name)).status.phase === 'Succeeded', 45_000);
    const f = await follow;
    expect(f.exitCode).toBe(0);
    // (execa strips the last newline)
    expect(f.stdout).toBe('run 1\nrun 2\nrun 3');
    expect(await ok(['logs', name])).toBe('run 3');
    expect(await ok(['logs', '--previous', name])).toBe('run 2');
    expect((await ctrStatus(name, 'app')).restartCount).toBe(2);
    // A container that ended for good (no restart by its policy) ends -f at once, even
    // while a sibling keeps the pod Running.
    const m = manifest('lc-logs-done', [{ name: 'done', command: ['sh', '-c', 'echo hi'] }, sleeper('runner')], { restartPolicy: 'Never' });
    await runOk(m);
    await until('done exited', async () => (await ctrStatus('lc-logs-done', 'done')).state.terminated);
    const d = await pr(['logs', '-f', '-c', 'done', 'lc-logs-done'], { timeout: 15_000 });
    expect(d).toMatchObject({ exitCode: 0, stdout: 'hi' });
    await removed('lc-logs-done');
    await removed('lc-logs');
  });
});
