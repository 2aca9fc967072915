// On-disk compatibility: a supervisor of this code re-adopts pods that the code before
// the refactoring of issue 7 (commit OLD) created. The old tree is checked out as a
// temporary git worktree and built; its CLI runs a pod and its supervisor is killed -9;
// then this tree's CLI, on the same state root, must see the same processes, continue
// the restarts, exec into the pod, read its logs and events, and remove it without a trace.
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, canRun, inStandInHost, manifest, newRoot, podrun, processesIn, removeRoot, until, type Run } from './helpers.js';

/** The last commit before issue 7's work: the layout of the state root it writes is the contract. */
const OLD = 'b6372ea';
const POD = 'compat';
const root = canRun ? newRoot('compat') : '/nonexistent';
const ENV = { PODRUN_SUPERVISOR_IDLE_MS: '3000', PODRUN_BACKOFF_INITIAL_SECONDS: '1', PODRUN_BACKOFF_MAX_SECONDS: '2' };
let work = '';
let oldTree = '';

async function oldPodrun(args: string[], input?: string): Promise<Run> {
  const r = await execa(...inStandInHost(join(oldTree, 'bin/podrun'), ['--root', root, ...args]), { reject: false, timeout: 60_000, env: ENV, ...(input ? { input } : {}) });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}
const newPodrun = (args: string[]) => podrun(root, args, { env: ENV });

async function inspectWith(run: (args: string[]) => Promise<Run>): Promise<any> {
  const r = await run(['inspect', '-o', 'json', POD]);
  if (r.exitCode !== 0) throw new Error(`inspect exited ${r.exitCode}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
const status = (pod: any, name: string) => pod.status.containerStatuses.find((c: any) => c.name === name);

const procStat = (pid: number): string | undefined => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
};
/** Start time (field 22) of a live, non-zombie process; undefined when it is gone. */
function startTime(pid: number): string | undefined {
  const st = procStat(pid);
  if (!st) return undefined;
  const rest = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return rest[0] === 'Z' || rest[0] === 'X' ? undefined : rest[19];
}

async function git(args: string[]): Promise<string> {
  return (await execa('git', ['-C', REPO, ...args])).stdout;
}

describe.skipIf(!canRun)(`compatibility: pods created by the code of ${OLD}`, () => {
  beforeAll(async () => {
    const has = await execa('git', ['-C', REPO, 'cat-file', '-e', `${OLD}^{commit}`], { reject: false });
    if (has.exitCode !== 0) {
      throw new Error(
        `commit ${OLD} (the code before issue 7) is not in ${REPO}: the compatibility test needs the full history ` +
          `(a shallow clone? run \`git fetch --unshallow\`): ${has.stderr.trim()}`,
      );
    }
    work = mkdtempSync(join(tmpdir(), 'podrun-compat-old-'));
    oldTree = join(work, 'tree');
    await git(['worktree', 'add', '--detach', oldTree, OLD]);
    // The same dependencies (the lock file of OLD only lacked other platforms' entries).
    symlinkSync(join(REPO, 'node_modules'), join(oldTree, 'node_modules'));
    await execa(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', join(oldTree, 'tsconfig.json')]);
  }, 60_000);

  afterAll(async () => {
    if (canRun && existsSync(join(root, 'pods', POD))) await newPodrun(['rm', '-f', POD]);
    await removeRoot(root);
    if (oldTree) await execa('git', ['-C', REPO, 'worktree', 'remove', '--force', oldTree], { reject: false });
    if (work) rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('a new supervisor re-adopts the old pod: same processes, restarts go on, exec, logs, rm -f leaves nothing', async () => {
    const json = manifest(
      POD,
      [
        { name: 'long', command: ['sh', '-c', 'echo long started; exec sleep 3600'], mounts: [{ name: 'mem', mountPath: '/mem' }] },
        { name: 'crash', command: ['sh', '-c', 'echo crashing; exit 1'] },
      ],
      { volumes: [{ name: 'mem', emptyDir: { medium: 'Memory' } }] },
    );
    const created = await oldPodrun(['run', '-f', '-'], json);
    expect(created.exitCode, created.stderr).toBe(0);
    const before = await until('the old supervisor restarted the crashing container', async () => {
      const p = await inspectWith(oldPodrun);
      return status(p, 'crash').restartCount >= 1 && status(p, 'long').state.running && p;
    }, 20_000);
    const longPid: number = status(before, 'long').pid;
    const pausePid: number = before.status.sandbox.pid;
    const cgroup: string = before.status.sandbox.cgroup;
    expect(longPid).toBeGreaterThan(0);
    expect(pausePid).toBeGreaterThan(0);
    const longStart = startTime(longPid);
    const pauseStart = startTime(pausePid);

    // kill -9 the old supervisor, found through the root's pid file.
    const oldSup = Number(readFileSync(join(root, 'supervisor.pid'), 'utf8'));
    expect(readFileSync(`/proc/${oldSup}/cmdline`, 'utf8')).toContain(`podrun-supervisor --root ${root}`);
    process.kill(oldSup, 'SIGKILL');
    await until('the old supervisor is gone', () => startTime(oldSup) === undefined);
    const restartsOnDisk: number = JSON.parse(readFileSync(join(root, 'pods', POD, 'pod.json'), 'utf8')).containers.find(
      (c: any) => c.name === 'crash',
    ).restartCount;

    // This tree's CLI starts this tree's supervisor, which adopts the pod.
    const adopted = await inspectWith(newPodrun);
    expect(Number(readFileSync(join(root, 'supervisor.pid'), 'utf8'))).not.toBe(oldSup);
    expect(adopted.status.phase).toBe('Running');
    expect(status(adopted, 'long')).toMatchObject({ pid: longPid, restartCount: 0, ready: true });
    expect(status(adopted, 'long').state.running).toBeTruthy();
    expect(adopted.status.sandbox).toMatchObject({ pid: pausePid, cgroup });
    expect(startTime(longPid), 'the same long-running process').toBe(longStart);
    expect(startTime(pausePid), 'the same pause holder').toBe(pauseStart);

    await until('restarts go on under the new supervisor', async () => status(await inspectWith(newPodrun), 'crash').restartCount >= restartsOnDisk + 2, 20_000);

    const ex = await newPodrun(['exec', '-c', 'long', POD, '--', 'sh', '-c', 'cat /etc/hostname; test -d /mem && echo mem']);
    expect(ex.exitCode, ex.stderr).toBe(0);
    expect(ex.stdout.split('\n')).toEqual([POD, 'mem']);
    const logs = await newPodrun(['logs', '-c', 'long', POD]);
    expect(logs.stdout.trim()).toBe('long started');
    const prev = await newPodrun(['logs', '-c', 'crash', '--previous', POD]);
    expect(prev.stdout.trim()).toBe('crashing');
    const events = await newPodrun(['events', '-o', 'json', POD]);
    const reasons = events.stdout.trim().split('\n').map((l) => JSON.parse(l).reason);
    expect(reasons.filter((r) => r === 'Started').length).toBeGreaterThanOrEqual(2 + restartsOnDisk + 2);

    const rm = await newPodrun(['rm', '-f', POD]);
    expect(rm.exitCode, rm.stderr).toBe(0);
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(root));
    expect(mounts, 'mounts under the state root').toEqual([]);
    expect(existsSync(cgroup), `cgroup ${cgroup}`).toBe(false);
    expect(existsSync(join(root, 'pods', POD)), 'the pod directory').toBe(false);
    // Zombies do not count: the old supervisor's orphans are reaped by PID 1, in its own time.
    await until('no live process of the pod', () => {
      const left = processesIn(cgroup).filter((pid) => startTime(pid) !== undefined);
      if (left.length) throw new Error(`left in ${cgroup}: ${left.join(', ')}`);
      return startTime(longPid) !== longStart && startTime(pausePid) !== pauseStart;
    }, 10_000);
    expect((await newPodrun(['inspect', POD])).exitCode).toBe(1);
  }, 60_000);
});

