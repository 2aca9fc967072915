// podrun stats on the real kernel: the CPU figures are the container cgroups' cpu.stat
// usage_usec (between a read before and a read after the command), the rate is a busy
// loop's and an idle container's, and figures whose files this host's cgroup2 tree does
// not have (memory, pids on hybrid hosts) are null / "-", never 0. --watch prints a
// table per interval without a terminal, redraws in place on one, and ends with the pod.
import { execa } from 'execa';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PODRUN, canRun, inStandInHost, manifest, newRoot, podrun, podrunAt, removeRoot, until } from './helpers.js';

const root = canRun ? newRoot('stats') : '/nonexistent';
const { pr, ok, env: ENV } = podrunAt(root);
const usageUsec = (cg: string) => Number(/^usage_usec (\d+)$/m.exec(readFileSync(join(cg, 'cpu.stat'), 'utf8'))![1]);
const fileFigure = (cg: string, file: string) => (existsSync(join(cg, file)) ? Number(readFileSync(join(cg, file), 'utf8')) : null);

const POD = 'st-busy';

describe.skipIf(!canRun)('podrun stats', () => {
  afterAll(async () => {
    await pr(['rm', '-f', POD, 'st-watch']);
    await removeRoot(root);
  });

  it('reports the cgroup files: cpu usage and rate, and null where a file is absent', async () => {
    await ok(['run', '-f', '-'], manifest(POD, [
      { name: 'spin', command: ['sh', '-c', 'while true; do :; done'] },
      { name: 'idle', command: ['sleep', '3600'] },
    ]));
    const p = JSON.parse(await ok(['inspect', POD]));
    const cg = (name: string) => join(p.status.sandbox.cgroup, `ctr-${name}`);
    await until('the loop has used some CPU', () => usageUsec(cg('spin')) > 100_000);

    const before = { spin: usageUsec(cg('spin')), idle: usageUsec(cg('idle')) };
    const doc = JSON.parse(await ok(['stats', '-o', 'json', '--interval', '0.5', POD]));
    const after = { spin: usageUsec(cg('spin')), idle: usageUsec(cg('idle')) };

    expect(doc.intervalSeconds).toBe(0.5);
    expect(doc.containers.map((c: any) => [c.pod, c.container, c.state, c.cgroup])).toEqual([
      [POD, 'spin', 'running', cg('spin')],
      [POD, 'idle', 'running', cg('idle')],
    ]);
    for (const c of doc.containers) {
      const name = c.container as 'spin' | 'idle';
      expect(c.cpu.usageUsec).toBeGreaterThanOrEqual(before[name]);
      expect(c.cpu.usageUsec).toBeLessThanOrEqual(after[name]);
      // Whatever this host has: the file's figure when it exists, null (not 0) when it does not.
      expect(c.memory.currentBytes === null).toBe(fileFigure(cg(name), 'memory.current') === null);
      expect(c.memory.peakBytes === null).toBe(fileFigure(cg(name), 'memory.peak') === null);
      expect(c.pids.current === null).toBe(fileFigure(cg(name), 'pids.current') === null);
    }
    const [spin, idle] = doc.containers;
    // The loop keeps a CPU busy when it gets one: the machine is shared, so only a share is asserted.
    expect(spin.cpu.rateCores).toBeGreaterThan(0.05);
    expect(idle.cpu.rateCores).toBeLessThan(0.02);

    const table = (await ok(['stats', '--interval', '0.2'])).trim().split('\n');
    expect(table[0].split(/\s{3,}/)).toEqual(['POD', 'CONTAINER', 'CPU %', 'CPU TIME', 'MEMORY', 'MEM PEAK', 'PIDS']);
    const row = table.find((l) => l.startsWith(`${POD}   spin`))!.split(/\s{3,}/);
    expect(row[2]).toMatch(/^\d+\.\d%$/);
    expect(row[3]).toMatch(/^\d+:\d\d\.\d\d$/);
    if (fileFigure(cg('spin'), 'memory.current') === null) expect(row[4]).toBe('-');
    if (fileFigure(cg('spin'), 'pids.current') === null) expect(row[6]).toBe('-');

    const missing = await pr(['stats', 'no-such-pod']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('pod "no-such-pod" not found');
    const bad = await pr(['stats', '--interval', '0', POD]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--interval');
    // Invalid input changes nothing: no supervisor is started for a root that has none.
    const fresh = newRoot('stats-fresh');
    const yaml = await podrun(fresh, ['stats', '-o', 'yaml']);
    expect(yaml.exitCode).toBe(2);
    expect(yaml.stderr.trim()).toBe('podrun: --output: "yaml": must be json');
    expect(readdirSync(fresh)).toEqual([]);
    rmSync(fresh, { recursive: true });
  }, 60_000);

  it('--watch: a table per interval without a terminal, in place on one; it ends with the pod', async () => {
    await ok(['run', '-f', '-'], manifest('st-watch', [{ name: 'w', command: ['sleep', '3600'] }]));
    const plain = execa(...inStandInHost(PODRUN, ['--root', root, 'stats', '--watch', '--interval', '0.2', 'st-watch']), { reject: false, timeout: 30_000, env: ENV });
    let out = '';
    plain.stdout!.on('data', (d) => (out += d));
    await until('three tables', () => out.split('POD ').length > 3);

    // On a terminal (script(1) gives it one): the alternate screen, redrawn from the top.
    const cmd = [PODRUN, '--root', root, 'stats', '-w', '--interval', '0.2', 'st-watch'].join(' ');
    const tty = execa(...inStandInHost('script', ['-qefc', cmd, '/dev/null']), { reject: false, timeout: 30_000, env: ENV });
    let screen = '';
    tty.stdout!.on('data', (d) => (screen += d));
    await until('two redraws', () => screen.split('\x1b[H\x1b[2J').length > 2);

    await ok(['rm', '-f', 'st-watch']);
    const [p, t] = await Promise.all([plain, tty]);
    expect(p.exitCode).toBe(0);
    expect(out).not.toContain('\x1b');
    expect(out.trim().split('\n\n').every((table) => table.split('\n')[1].startsWith('st-watch   w '))).toBe(true);
    expect(t.exitCode).toBe(0);
    expect(screen.startsWith('\x1b[?1049h')).toBe(true);
    expect(screen.trimEnd().endsWith('\x1b[?1049l')).toBe(true);
  }, 60_000);
});
