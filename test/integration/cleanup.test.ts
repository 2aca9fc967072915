// Nothing leaks: after `rm` (also after kill -9 of the supervisor or of the pause holder,
// and after a failed create) no mount, cgroup, process, pin or pod directory remains.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { execa, type ResultPromise } from 'execa';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { canRun, inspect, manifest, newRoot, ok, podrun, PODRUN, inStandInHost, processesIn, runPod, stopSupervisor, removeRoot, until } from './helpers.js';

const root = canRun ? newRoot('cleanup') : '/nonexistent';
const CG_PARENT = '/sys/fs/cgroup/unified/podrun';
const background: ResultPromise[] = [];

// ---- process identity ------------------------------------------------------------------

interface Proc {
  pid: number;
  start: number;
  what: string;
}

function stat(pid: number): { state: string; ppid: number; start: number } | undefined {
  try {
    const t = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = t.slice(t.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0], ppid: Number(rest[1]), start: Number(rest[19]) };
  } catch {
    return undefined;
  }
}

function proc(pid: number, what: string): Proc {
  const st = stat(pid);
  if (!st) throw new Error(`${what} (pid ${pid}) is not running`);
  return { pid, start: st.start, what };
}

/** The same process (pid + start time), alive and not a zombie. */
function alive(p: Proc): boolean {
  const st = stat(p.pid);
  return !!st && st.start === p.start && st.state !== 'Z' && st.state !== 'X';
}

/** Gone from the process table (a zombie is waited for: PID 1 here reaps orphans lazily). */
function vanished(p: Proc): boolean {
  const st = stat(p.pid);
  return !st || st.start !== p.start;
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** `--root DIR` of a podrun supervisor (it sets its process title to `podrun-supervisor --root DIR`). */
function supervisorRootOf(pid: number): string | undefined {
  const words = cmdline(pid).join(' ').split(/\s+/).filter(Boolean);
  if (!words.some((w) => w === 'podrun-supervisor' || w.endsWith('supervisor/main.js'))) return undefined;
  const i = words.indexOf('--root');
  return i >= 0 ? words[i + 1] : undefined;
}

/** The live supervisor processes of our root. */
function supervisorPids(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    if (supervisorRootOf(Number(d)) !== root) continue;
    const st = stat(Number(d));
    if (st && st.state !== 'Z') out.push(Number(d));
  }
  return out;
}

async function supervisorPid(): Promise<number> {
  return until('the supervisor of the root', () => {
    const p = supervisorPids();
    return p.length === 1 ? p[0] : 0;
  });
}

// ---- what a pod leaves -------------------------------------------------------------------

interface Footprint {
  name: string;
  dir: string;
  cgroup: string;
  pins: string[];
  procs: Proc[];
}

function mountsMentioning(s: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(s));
}

/** Records everything a running pod holds, before it is removed. */
async function footprint(name: string, extraPids: Proc[] = []): Promise<Footprint> {
  const p = await inspect(root, name);
  const s = p.status.sandbox;
  expect(s.cgroup, 'status.sandbox.cgroup').toMatch(/^\/sys\/fs\/cgroup\//);
  const procs: Proc[] = [];
  if (s.pid && stat(s.pid)) procs.push(proc(s.pid, `pause holder of ${name}`));
  for (const c of p.status.containerStatuses) {
    if (c.pid && stat(c.pid)) procs.push(proc(c.pid, `container ${name}/${c.name}`));
  }
  // Everything else in the pod's cgroup too (exec'd processes, children).
  for (const pid of processesIn(s.cgroup)) {
    if (!procs.some((x) => x.pid === pid) && stat(pid)) procs.push(proc(pid, `process ${pid} (${cmdline(pid).join(' ')}) in ${name}'s cgroup`));
  }
  for (const x of extraPids) if (!procs.some((y) => y.pid === x.pid)) procs.push(x);
  const dir = join(root, 'pods', name);
  expect(existsSync(dir)).toBe(true);
  const pins = Object.values(s.namespaces as Record<string, string>);
  expect(pins).toHaveLength(3);
  for (const pin of pins) expect(mountsMentioning(pin).length, `pin ${pin} is mounted`).toBeGreaterThan(0);
  return { name, dir, cgroup: s.cgroup, pins, procs };
}

async function expectGone(f: Footprint): Promise<void> {
  expect(mountsMentioning(f.dir), `mounts under ${f.dir}`).toEqual([]);
  for (const pin of f.pins) expect(existsSync(pin), `pin ${pin}`).toBe(false);
  expect(existsSync(f.cgroup), `cgroup ${f.cgroup}`).toBe(false);
  expect(existsSync(f.dir), `pod dir ${f.dir}`).toBe(false);
  for (const p of f.procs) expect(alive(p), `${p.what} (pid ${p.pid}) still alive`).toBe(false);
  await until(
    `the processes of ${f.name} to leave the process table`,
    () => {
      const left = f.procs.filter((p) => !vanished(p));
      if (left.length) throw new Error(left.map((p) => `${p.what} pid ${p.pid} state ${stat(p.pid)?.state} ppid ${stat(p.pid)?.ppid}`).join('; '));
      return true;
    },
    20_000,
    200,
  );
  const r = await podrun(root, ['inspect', f.name]);
  expect(r.exitCode, `inspect ${f.name} after rm: ${r.stderr}`).toBe(1);
  expect(r.stderr).toContain(f.name);
}

/** Cgroups under podrun/ that appeared since `before` and that no pod record (of any root) claims. */
function unclaimedCgroups(before: Set<string>): string[] {
  if (!existsSync(CG_PARENT)) return [];
  const fresh = readdirSync(CG_PARENT).filter((d) => d.startsWith('pod-') && !before.has(d));
  if (!fresh.length) return [];
  const claimed = new Set<string>();
  const roots = new Set(['/run/podrun']);
  for (const d of readdirSync('/tmp')) if (d.startsWith('podrun')) for (const r of [join('/tmp', d), join('/tmp', d, 'root')]) roots.add(r);
  for (const d of readdirSync('/proc')) {
    const r = /^\d+$/.test(d) ? supervisorRootOf(Number(d)) : undefined;
    if (r) roots.add(r);
  }
  for (const r of roots) {
    const pods = join(r, 'pods');
    if (!existsSync(pods)) continue;
    for (const p of readdirSync(pods)) {
      try {
        const rec = JSON.parse(readFileSync(join(pods, p, 'pod.json'), 'utf8'));
        claimed.add(String(rec.sandbox?.cgroup ?? '').split('/').pop());
      } catch {
        /* mid-create or mid-remove */
      }
    }
  }
  return fresh.filter((d) => !claimed.has(d));
}

const sleeper = (name: string, extra: Record<string, unknown> = {}) => ({ name, command: ['sleep', '1000'], extra });

async function removeAll(): Promise<void> {
  for (const b of background.splice(0)) b.kill('SIGKILL');
  const l = await podrun(root, ['list', '-o', 'json']);
  const names: string[] = l.exitCode === 0 ? JSON.parse(l.stdout).items.map((p: any) => p.metadata.name) : [];
  if (names.length) await podrun(root, ['rm', '-f', ...names]);
}

describe.skipIf(!canRun)('cleanup: nothing leaks', () => {
  // A failed test must not leave its pod to the next one.
  afterEach(removeAll, 60_000);
  afterAll(async () => {
    await removeAll();
    await removeRoot(root);
  }, 60_000);

  it('rm -f of a two-container pod with a Memory emptyDir and a running exec leaves nothing', async () => {
    const name = 'cl-two';
    await runPod(
      root,
      manifest(
        name,
        [
          { name: 'a', command: ['sleep', '1000'], mounts: [{ name: 'mem', mountPath: '/mem' }] },
          { name: 'b', command: ['sleep', '1000'] },
        ],
        { volumes: [{ name: 'mem', emptyDir: { medium: 'Memory' } }] },
      ),
    );
    const p = await inspect(root, name);
    const ctrCgroup = join(p.status.sandbox.cgroup, 'ctr-a');
    expect(mountsMentioning(join(root, 'pods', name, 'volumes', 'mem')).some((l) => l.includes(' tmpfs '))).toBe(true);

    const exec = execa(...inStandInHost(PODRUN, ['--root', root, 'exec', name, '--', 'sleep', '100']), { reject: false, env: { PODRUN_SUPERVISOR_IDLE_MS: '3000' } });
    background.push(exec);
    const execSleep = await until('the exec to run in container a', () =>
      processesIn(ctrCgroup).find((pid) => cmdline(pid).join(' ') === 'sleep 100'),
    );
    const extra = [proc(execSleep, 'exec\'d sleep 100')];
    if (exec.pid) extra.push(proc(exec.pid, 'podrun exec CLI'));
    const f = await footprint(name, extra);
    expect(f.procs.length).toBeGreaterThanOrEqual(5); // pause, a, b, exec'd sleep, exec CLI

    await ok(root, ['rm', '-f', name]);
    const r = await exec; // the exec CLI ends when its command is killed
    expect(r.exitCode).not.toBe(0);
    await expectGone(f);
  });

  it('kill -9 of the supervisor: containers keep running, a new supervisor re-adopts, exec works, rm leaves nothing', async () => {
    const name = 'cl-svkill';
    await runPod(root, manifest(name, [sleeper('main'), sleeper('side')]));
    const f = await footprint(name);
    const before = await inspect(root, name);
    const oldSup = await supervisorPid();
    process.kill(oldSup, 'SIGKILL');
    await until('the old supervisor to die', () => !supervisorPids().includes(oldSup));
    for (const p of f.procs) expect(alive(p), `${p.what} survives the supervisor`).toBe(true);

    const l = JSON.parse(await ok(root, ['list', '-o', 'json']));
    const newSup = await supervisorPid();
    expect(newSup).not.toBe(oldSup);
    const item = l.items.find((x: any) => x.metadata.name === name);
    expect(item?.status.phase).toBe('Running');
    const after = await inspect(root, name);
    expect(after.status.containerStatuses.map((c: any) => [c.name, c.pid, !!c.state.running])).toEqual(
      before.status.containerStatuses.map((c: any) => [c.name, c.pid, true]),
    );
    expect((await ok(root, ['exec', name, '--', 'echo', 'still-here'])).trim()).toBe('still-here');
    for (const p of f.procs) expect(alive(p), `${p.what} after re-adoption`).toBe(true);

    await ok(root, ['rm', '-f', name]);
    await expectGone(f);
  });

  it('a container that exits while the supervisor is down shows terminated, never running', async () => {
    const name = 'cl-exit-away';
    await runPod(root, manifest(name, [sleeper('victim'), sleeper('bystander')], { restartPolicy: 'Never' }));
    const f = await footprint(name);
    const before = await inspect(root, name);
    const victim = f.procs.find((p) => p.what.endsWith('/victim'))!;
    const bystander = f.procs.find((p) => p.what.endsWith('/bystander'))!;
    const oldSup = await supervisorPid();
    process.kill(oldSup, 'SIGKILL');
    await until('the old supervisor to die', () => !supervisorPids().includes(oldSup));
    process.kill(victim.pid, 'SIGKILL');
    await until('the victim container to die', () => !alive(victim));

    const after = await inspect(root, name); // starts a new supervisor, which re-adopts
    const v = after.status.containerStatuses.find((c: any) => c.name === 'victim');
    expect(v.state.running, JSON.stringify(v)).toBeUndefined();
    expect(v.state.terminated, JSON.stringify(v)).toBeTruthy();
    const t = v.state.terminated;
    expect(t.exitCode === 137 || t.reason === 'ContainerStatusUnknown', JSON.stringify(t)).toBe(true);
    expect(v.ready).toBe(false);
    expect(v.pid).toBeUndefined();
    const b = after.status.containerStatuses.find((c: any) => c.name === 'bystander');
    expect(b.state.running, JSON.stringify(b)).toBeTruthy();
    expect(b.pid).toBe(before.status.containerStatuses.find((c: any) => c.name === 'bystander').pid);
    expect(alive(bystander)).toBe(true);

    await ok(root, ['rm', '-f', name]);
    await expectGone(f);
  });

  it('kill -9 of the pause holder, then rm -f: nothing remains', async () => {
    const name = 'cl-pause';
    await runPod(root, manifest(name, [sleeper('main')]));
    const f = await footprint(name);
    const pause = f.procs.find((p) => p.what.startsWith('pause holder'))!;
    expect(pause).toBeTruthy();
    process.kill(pause.pid, 'SIGKILL');
    await until('the pause holder to die', () => !alive(pause));
    // inspect still works (exit 0 whatever state the processes are in).
    await inspect(root, name);
    await ok(root, ['rm', '-f', name]);
    await expectGone(f);
  });

  it('a restartPolicy Never pod whose containers all exit 0 becomes Succeeded, and rm leaves nothing', async () => {
    const name = 'cl-done';
    await runPod(
      root,
      manifest(name, [{ name: 'one', command: ['true'] }, { name: 'two', command: ['sh', '-c', 'echo hi; exit 0'] }], { restartPolicy: 'Never' }),
    );
    const p0 = await inspect(root, name);
    const f: Footprint = {
      name,
      dir: join(root, 'pods', name),
      cgroup: p0.status.sandbox.cgroup,
      pins: Object.values(p0.status.sandbox.namespaces),
      procs: p0.status.sandbox.pid && stat(p0.status.sandbox.pid) ? [proc(p0.status.sandbox.pid, 'pause holder')] : [],
    };
    await ok(root, ['wait', '--for', 'completed', '--timeout', '20', name]);
    const p = await inspect(root, name);
    expect(p.status.phase).toBe('Succeeded');
    for (const c of p.status.containerStatuses) {
      expect(c.state.terminated?.exitCode, JSON.stringify(c)).toBe(0);
      expect(c.state.terminated?.reason).toBe('Completed');
    }
    // Nothing is running any more, so a plain rm (no -f) is enough.
    await ok(root, ['rm', name]);
    await expectGone(f);
  });

  it('10 pods created and removed in parallel: all Running, then all gone', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `cl-par-${i}`);
    await Promise.all(names.map((n) => runPod(root, manifest(n, [sleeper('main')]))));
    const l = JSON.parse(await ok(root, ['list', '-o', 'json']));
    expect(l.kind).toBe('List');
    expect(l.items.map((x: any) => x.metadata.name).sort()).toEqual([...names].sort());
    for (const x of l.items) expect(x.status.phase, x.metadata.name).toBe('Running');
    const fs = await Promise.all(names.map((n) => footprint(n)));
    expect(new Set(fs.map((f) => f.cgroup)).size).toBe(10);

    const rs = await Promise.all(names.map((n) => podrun(root, ['rm', '-f', n])));
    for (const [i, r] of rs.entries()) expect(r.exitCode, `rm -f ${names[i]}: ${r.stderr}`).toBe(0);
    expect(readdirSync(join(root, 'pods'))).toEqual([]);
    expect(mountsMentioning(root)).toEqual([]);
    for (const f of fs) await expectGone(f);
  });

  it('rm -f of the same pod three times at once: every call exits 0, nothing remains', async () => {
    const n = 'cl-rm-race';
    await runPod(root, manifest(n, [sleeper('main')]));
    const f = await footprint(n);
    const rs = await Promise.all([0, 1, 2].map(() => podrun(root, ['rm', '-f', n])));
    for (const r of rs) expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(join(root, 'pods', n))).toBe(false);
    await expectGone(f);
  });

  it('a failed create (missing hostPath of the second container) leaves nothing', async () => {
    const name = 'cl-failed';
    const cgBefore = new Set(existsSync(CG_PARENT) ? readdirSync(CG_PARENT) : []);
    const r = await podrun(root, ['run', '-f', '-'], {
      input: manifest(
        name,
        [
          { name: 'first', command: ['sleep', '1000'] },
          { name: 'second', command: ['sleep', '1000'], mounts: [{ name: 'host', mountPath: '/host' }] },
        ],
        { volumes: [{ name: 'host', hostPath: { path: '/nonexistent/x', type: 'Directory' } }] },
      ),
    });
    const lines = r.stderr.split('\n').filter((x) => x.trim());
    expect(r.exitCode, r.stderr).toBe(2);
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toContain('spec.volumes[0].hostPath.path');
    expect(existsSync('/nonexistent/x')).toBe(false);
    expect(existsSync(join(root, 'pods', name))).toBe(false);
    expect(mountsMentioning(join(root, 'pods', name))).toEqual([]);
    expect(mountsMentioning(root)).toEqual([]);
    await until('no cgroup of the failed pod to remain', () => {
      const left = unclaimedCgroups(cgBefore);
      if (left.length) throw new Error(`leaked cgroups: ${left.join(', ')}`);
      return true;
    }, 5_000);
    const i = await podrun(root, ['inspect', name]);
    expect(i.exitCode).toBe(1);
    const l = JSON.parse(await ok(root, ['list', '-o', 'json']));
    expect(l.items).toEqual([]);
  });
});
