// The kubelet's job survives the supervisor: after kill -9 of the supervisor, running
// containers keep running, and the next podrun command brings a supervisor back that
// resumes restart policies (with the back-off state where it was) and probes; an exit
// it could not observe is reported without an invented exit code.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canRun, manifest, newRoot, podrun, removeRoot, until } from './helpers.js';

const root = canRun ? newRoot('lc-super') : '/nonexistent';
const ENV = { PODRUN_SUPERVISOR_IDLE_MS: '3000', PODRUN_BACKOFF_INITIAL_SECONDS: '1', PODRUN_BACKOFF_MAX_SECONDS: '2' };
const pr = (args: string[], input?: string) => podrun(root, args, { env: ENV, ...(input ? { input } : {}) });

async function inspect(pod: string): Promise<any> {
  const r = await pr(['inspect', pod]);
  if (r.exitCode !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}
const ctr = async (pod: string, name: string) => (await inspect(pod)).status.containerStatuses.find((c: any) => c.name === name);

function supervisorPid(): number | undefined {
  try {
    const pid = Number(readFileSync(join(root, 'supervisor.pid'), 'utf8'));
    return existsSync(`/proc/${pid}`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('podrun-supervisor') ? pid : undefined;
  } catch {
    return undefined;
  }
}

const gone = (pid: number) => {
  try {
    return /^\S+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
};

describe.skipIf(!canRun)('lifecycle across a supervisor restart', () => {
  afterAll(async () => {
    await pr(['rm', '-f', 'sv-crash', 'sv-probe', 'sv-exit']);
    for (const p of ['sv-crash', 'sv-probe', 'sv-exit']) expect(existsSync(join(root, 'pods', p))).toBe(false);
    await removeRoot(root);
  });

  it('restarts, probes and exits observed while it was away resume after kill -9 of the supervisor', async () => {
    const run = (json: string) => pr(['run', '-f', '-'], json);
    expect((await run(manifest('sv-crash', [{ name: 'c', command: ['sh', '-c', 'exit 1'] }]))).exitCode).toBe(0);
    expect(
      (
        await run(
          manifest('sv-probe', [
            { name: 'p', command: ['sleep', '3600'], extra: { livenessProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 1 } } },
          ]),
        )
      ).exitCode,
    ).toBe(0);
    expect((await run(manifest('sv-exit', [{ name: 'e', command: ['sh', '-c', 'sleep 3; exit 3'] }]))).exitCode).toBe(0);
    await until('a restart of each', async () => (await ctr('sv-crash', 'c')).restartCount >= 1 && (await ctr('sv-probe', 'p')).restartCount >= 1, 20_000);
    const exiting = (await ctr('sv-exit', 'e')).pid as number;

    const sup = supervisorPid()!;
    expect(sup).toBeGreaterThan(0);
    process.kill(sup, 'SIGKILL');
    await until('the supervisor is gone', () => gone(sup));
    const crashBefore = JSON.parse(readFileSync(join(root, 'pods/sv-crash/pod.json'), 'utf8')).containers[0].restartCount;
    const probeBefore = JSON.parse(readFileSync(join(root, 'pods/sv-probe/pod.json'), 'utf8')).containers[0].restartCount;
    // sv-exit's container ends while nobody supervises (polled through /proc, not podrun).
    await until('the container exited while the supervisor was down', () => gone(exiting), 10_000);

    // The next command brings a supervisor back; it resumes everything.
    await until('crash-looping again', async () => (await ctr('sv-crash', 'c')).restartCount >= crashBefore + 2, 20_000);
    await until('liveness kills again', async () => (await ctr('sv-probe', 'p')).restartCount >= probeBefore + 1, 20_000);
    const e = await until('sv-exit restarted', async () => {
      const s = await ctr('sv-exit', 'e');
      return s.restartCount >= 1 && s;
    }, 20_000);
    // Its end was seen through a pidfd (exit 3) or could not be seen: never an invented code.
    const last = e.lastState.terminated;
    if (last.reason === 'ContainerStatusUnknown') expect(last.exitCode).toBeUndefined();
    else expect(last).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(supervisorPid()).not.toBe(sup);
  }, 90_000);
});
