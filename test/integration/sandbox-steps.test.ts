// Root-only: the real sandbox steps are re-runnable after a crash at any point. A stand-in
// supervisor (sandbox-crash.mjs) is SIGKILLed after each step of the set-up, and after
// each step of a teardown; destroySandbox, run by another process as a new supervisor
// would, must then leave no mount, pin, cgroup, process or directory, and run again
// harmlessly.
import { execa } from 'execa';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, canRun, inStandInHost, networkLeftovers, newRoot, removeRoot } from './helpers.js';

const DRIVER = join(import.meta.dirname, 'sandbox-crash.mjs');

const mountsUnder = (path: string) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(path));

/**
 * Where each step of SANDBOX_STEPS (src/pod/sandbox.ts) leaves its mark; a new step is added
 * here too. `sysctls` leaves none: its values live in the pod's namespaces and end with them;
 * nor does `pod-resources`: its values live in the pod cgroup.
 */
const STEP_MARKS: [string, ((dir: string, cgroup: string) => string) | undefined][] = [
  ['pin-dir', (dir) => join(dir, 'ns')],
  ['namespaces', (dir) => join(dir, 'ns', 'net')],
  ['network', (dir) => join(dir, 'network.json')],
  ['sysctls', undefined],
  ['host-ports', (dir) => join(dir, 'host-ports.json')],
  ['shm', (dir) => join(dir, 'shm')],
  ['volumes', (dir) => join(dir, 'volumes')],
  ['etc-files', (dir) => join(dir, 'etc')],
  ['pod-cgroup', (_, cgroup) => cgroup],
  ['pod-resources', undefined],
  ['pause-holder', (_, cgroup) => join(cgroup, 'pause')],
];
const STEPS = STEP_MARKS.map(([name]) => name);
const MARKED = new Set(STEP_MARKS.filter(([, mark]) => mark).map(([name]) => name));

/** The steps whose mark is there: a path that exists, or has a mount at or below it. */
function present(dir: string, cgroup: string): string[] {
  return STEP_MARKS.filter(([, mark]) => mark && (existsSync(mark(dir, cgroup)) || mountsUnder(mark(dir, cgroup)).length > 0)).map(([n]) => n);
}

/** The start time of a live process (not a zombie), or undefined. */
function startTime(pid: number): number | undefined {
  try {
    const t = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = t.slice(t.lastIndexOf(')') + 2).split(' ');
    return f[0] === 'Z' || f[0] === 'X' ? undefined : Number(f[19]);
  } catch {
    return undefined;
  }
}

describe.skipIf(!canRun)('sandbox steps after a crash', () => {
  const root = canRun ? newRoot('steps') : '';
  // A failed test must not leave its sandbox behind: destroy what is left, then the root.
  const made: [dir: string, uid: string][] = [];
  afterAll(async () => {
    for (const [dir, uid] of made) if (existsSync(dir)) await execa(...inStandInHost('node', [DRIVER, 'destroy', dir, uid]), { reject: false });
    await removeRoot(root);
  });

  async function crashThenDestroy(mode: 'setup' | 'teardown', n: number): Promise<void> {
    const uid = randomUUID();
    const dir = join(root, 'pods', `${mode}-${n}`);
    made.push([dir, uid]);
    const r = await execa(...inStandInHost('node', [DRIVER, mode, dir, uid, String(n)]), { reject: false });
    expect(r.signal, `${mode} ${n}: ${r.stderr}`).toBe('SIGKILL');
    const rec = JSON.parse(r.stdout) as { cgroup: string; pid?: number; pidStart?: number };
    const { cgroup } = rec;
    expect(cgroup).toMatch(new RegExp(`^/sys/fs/cgroup/.*/pod-${uid}$`));
    const done = (mode === 'setup' ? STEPS.slice(0, n) : STEPS.slice(0, STEPS.length - n)).filter((s) => MARKED.has(s));
    // Exactly the steps done (and not undone) left their mark: each undo removed its own.
    expect(present(dir, cgroup), `after ${mode} ${n}`).toEqual(done);
    if (done.includes('pin-dir')) expect(mountsUnder(join(dir, 'ns')).length).toBeGreaterThan(0);
    const holder = rec.pid && rec.pidStart === startTime(rec.pid) && done.includes('pause-holder') ? rec.pid : undefined;
    if (done.includes('pause-holder')) expect(holder, 'the pause holder runs').toBeDefined();

    for (const attempt of [1, 2]) {
      const d = await execa(...inStandInHost('node', [DRIVER, 'destroy', dir, uid]), { reject: false });
      expect(d.exitCode, `destroy #${attempt} after ${mode} ${n}: ${d.stderr}`).toBe(0);
      expect(present(dir, cgroup)).toEqual([]);
      expect(mountsUnder(dir), `mounts after ${mode} ${n}`).toEqual([]);
      expect(existsSync(dir), `pod dir after ${mode} ${n}`).toBe(false);
      expect(existsSync(cgroup), `cgroup after ${mode} ${n}`).toBe(false);
      if (holder) expect(startTime(holder), 'the pause holder is gone').not.toBe(rec.pidStart);
    }
    // The network's undo took the veth, the bridge (its last pod) and the lease along.
    expect(await networkLeftovers(root), `network after ${mode} ${n}`).toEqual({ links: [], leases: [], nftTables: [] });
  }

  it('knows every step of SANDBOX_STEPS, in order', async () => {
    const { SANDBOX_STEPS } = (await import(join(REPO, 'dist/src/pod/sandbox.js'))) as { SANDBOX_STEPS: { name: string }[] };
    expect(SANDBOX_STEPS.map((s) => s.name)).toEqual(STEPS);
  });

  for (let k = 0; k <= STEPS.length; k++) {
    it(`a crash after ${k ? `step ${STEPS[k - 1]}` : 'no step'} of the set-up`, () => crashThenDestroy('setup', k));
  }
  for (let j = 1; j < STEPS.length; j++) {
    it(`a crash after undoing ${STEPS.slice(-j).reverse().join(', ')}`, () => crashThenDestroy('teardown', j));
  }
});
