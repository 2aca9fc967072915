// Root-only integration tests of container log files on real pods: size-based rotation
// (PODRUN_LOG_MAX_SIZE / PODRUN_LOG_MAX_FILES, read by the supervisor when it starts),
// reading across rotated files, and `logs -f` across rotations and container restarts.
import { execa, type ResultPromise } from 'execa';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PODRUN, REPO, inStandInHost, canRun, inspect, leftovers, manifest, newRoot, podrun, stopSupervisor, until } from './helpers.js';

const MAX_SIZE = 16 * 1024;
const MAX_FILES = 3;
// Every command of this file carries the limits: whichever one starts the supervisor
// (the first, or the next after it idled out) hands them on.
const ENV = { PODRUN_SUPERVISOR_IDLE_MS: '3000', PODRUN_LOG_MAX_SIZE: '16Ki', PODRUN_LOG_MAX_FILES: String(MAX_FILES) };

/** Lines `line-<n>-<padding>` for n in [from, to), as the container prints them. */
const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `line-${from + i}-${'x'.repeat(40)}`);
/** Shell: print `lines(from, to)`, with `pause` after every 50 when given. */
const printLines = (from: number, to: number, pause = '') =>
  `i=${from}; while [ $i -lt ${to} ]; do echo line-$i-${'x'.repeat(40)}; i=$((i+1)); ${pause ? `[ $((i % 50)) -eq 0 ] && ${pause};` : ''} done`;
/** Shell: wait until the test creates FILE in the pod's `sync` volume. */
const waitFor = (file: string) => `until [ -e /sync/${file} ]; do usleep 20000; done`;

describe.skipIf(!canRun)('container logs: rotation, reading across files, following restarts', () => {
  const root = canRun ? newRoot('logs') : '';
  const pods: string[] = [];
  const followers: ResultPromise[] = [];

  // Exact output: execa would strip the final newline.
  const run = (args: string[], opts = {}) => podrun(root, args, { env: ENV, stripFinalNewline: false, ...opts });
  async function ok(args: string[]): Promise<string> {
    const r = await run(args);
    if (r.exitCode !== 0) throw new Error(`podrun ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}`);
    return r.stdout;
  }
  const sync = { mounts: [{ name: 'sync', mountPath: '/sync' }] };
  const withSync = { volumes: [{ name: 'sync', emptyDir: {} }] };
  const touch = (pod: string, file: string) => writeFileSync(join(root, 'pods', pod, 'volumes', 'sync', file), '');
  const logDir = (pod: string, ctr: string) => join(root, 'pods', pod, 'logs', ctr);

  /** `podrun logs -f ARGS` in the background; `out()` is what it printed so far. */
  function follow(args: string[]): { proc: ResultPromise; out: () => string } {
    const proc = execa(...inStandInHost(PODRUN, ['--root', root, 'logs', '-f', ...args]), { env: ENV, reject: false, timeout: 60_000 });
    followers.push(proc);
    let text = '';
    proc.stdout!.on('data', (b: Buffer) => (text += b.toString()));
    return { proc, out: () => text };
  }

  function state(pod: any, ctr: string): any {
    return pod.status.containerStatuses.find((c: any) => c.name === ctr);
  }

  afterAll(async () => {
    for (const p of followers) p.kill('SIGKILL');
    if (pods.length) await run(['rm', '-f', ...pods]);
    await stopSupervisor(root);
    const left = leftovers(root);
    expect(left.mounts).toEqual([]);
    expect(left.pods).toEqual([]);
    rmSync(root, { recursive: true, force: true }); // only once nothing is mounted under it
  });

  it('a chatty container ends with at most maxFiles files, whole records, and logs shows the last lines', async () => {
    const pod = 'logs-chatty';
    pods.push(pod);
    const json = manifest(pod, [{ name: 'c', command: ['sh', '-c', `${printLines(0, 3000)}; echo done`] }], { restartPolicy: 'Never' });
    const r = await run(['run', '-f', '-'], { input: json });
    expect(r.exitCode, r.stderr).toBe(0);
    const w = await run(['wait', '--for', 'completed', '--timeout', '30', pod]);
    expect(w.exitCode, w.stderr).toBe(0);

    // ~300 KB of records for 16 KiB files: rotated many times, pruned to MAX_FILES.
    const files = readdirSync(logDir(pod, 'c')).sort();
    expect(files).toHaveLength(MAX_FILES);
    expect(files).toContain('0.log');
    for (const f of files) {
      expect(f).toMatch(/^0\.log(\.\d{8}-\d{6}(-\d+)?)?$/);
      expect(statSync(join(logDir(pod, 'c'), f)).size).toBeLessThanOrEqual(MAX_SIZE);
    }

    const tail = await ok(['logs', '--tail', '3', pod]);
    expect(tail).toBe(`${lines(2998, 3000).join('\n')}\ndone\n`);
    // Everything that is kept, oldest file first: the end of the output, without a gap or a repeat.
    const all = (await ok(['logs', pod])).split('\n').slice(0, -2);
    const first = Number(all[0]!.split('-')[1]);
    expect(first).toBeGreaterThan(0);
    expect(all).toEqual(lines(first, 3000));
    // At least MAX_FILES - 1 full files of 92-byte records are kept.
    expect(all.length).toBeGreaterThan(((MAX_FILES - 1) * (MAX_SIZE - 92)) / 92);

    const ts = (await ok(['logs', '--timestamps', '--tail', '2', pod])).split('\n').filter(Boolean);
    expect(ts).toEqual([expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line-2999-x+$/), expect.stringMatching(/Z done$/)]);
    // -f on a finished pod prints what there is and ends.
    const f = await run(['logs', '-f', '--tail', '1', pod], { timeout: 10_000 });
    expect(f.exitCode, f.stderr).toBe(0);
    expect(f.stdout).toBe('done\n');
  });

  it('logs -f follows a file through its rotations without losing or repeating a line', async () => {
    const pod = 'logs-follow';
    pods.push(pod);
    // ~46 KB/s (92-byte records) in bursts: a follower polling every 200 ms stays far
    // inside the 48 KiB kept, with a second of slack for a loaded machine.
    const cmd = `echo ready; ${waitFor('go')}; ${printLines(0, 3000, 'usleep 100000')}`;
    const r = await run(['run', '-f', '-'], { input: manifest(pod, [{ name: 'c', command: ['sh', '-c', cmd], ...sync }], { restartPolicy: 'Never', ...withSync }) });
    expect(r.exitCode, r.stderr).toBe(0);
    const f = follow([pod]);
    await until('the follower printed "ready"', () => f.out().startsWith('ready\n'));
    touch(pod, 'go');
    const done = await f.proc;
    expect(done.exitCode, done.stderr).toBe(0);
    expect(readdirSync(logDir(pod, 'c')).length).toBe(MAX_FILES);
    expect(f.out()).toBe(['ready', ...lines(0, 3000)].join('\n') + '\n');
  });

  it('logs -f started before a restart prints both instances in order; --previous shows the first', async () => {
    const pod = 'logs-restart';
    pods.push(pod);
    // Instance n prints "i<n> ..."; the first fails when told to (OnFailure restarts it),
    // the second exits 0 when told to, and so ends for good.
    const cmd = `n=$(ls /sync | grep -c '^run'); touch /sync/run$n; echo "i$n one"; echo "i$n two"; if [ $n -eq 0 ]; then ${waitFor('go')}; exit 1; fi; ${waitFor('stop')}; echo "i$n three"`;
    const json = manifest(
      pod,
      [
        { name: 'c', command: ['sh', '-c', cmd], ...sync },
        { name: 'side', command: ['sleep', '3600'] }, // keeps the pod Running between the two instances
      ],
      { restartPolicy: 'OnFailure', ...withSync },
    );
    const r = await run(['run', '-f', '-'], { input: json });
    expect(r.exitCode, r.stderr).toBe(0);
    const f = follow(['-c', 'c', pod]);
    await until('the follower printed instance 0', () => f.out() === 'i0 one\ni0 two\n');
    touch(pod, 'go');
    await until('the follower printed instance 1', () => f.out() === 'i0 one\ni0 two\ni1 one\ni1 two\n', 15_000);
    expect(f.proc.exitCode).toBeNull(); // still following: instance 1 runs
    expect(state(await inspect(root, pod), 'c').restartCount).toBe(1);
    expect(await ok(['logs', '--previous', '-c', 'c', pod])).toBe('i0 one\ni0 two\n');

    touch(pod, 'stop');
    // Instance 1 exits 0: under OnFailure it ends for good, and so does the follow, after
    // its last line (while the sidecar keeps the pod Running).
    const done = await f.proc;
    expect(state(await inspect(root, pod), 'c').state.terminated).toMatchObject({ exitCode: 0 });
    expect(done.exitCode, done.stderr).toBe(0);
    expect(f.out()).toBe('i0 one\ni0 two\ni1 one\ni1 two\ni1 three\n');
  });

  it('a bad limit stops the supervisor at its start, naming the variable', async () => {
    const bad = newRoot('logs-bad');
    const main = join(REPO, 'dist/src/supervisor/main.js');
    for (const [name, value] of [
      ['PODRUN_LOG_MAX_SIZE', '10MB'],
      ['PODRUN_LOG_MAX_FILES', '1'],
    ] as const) {
      const s = await execa(process.execPath, [main, '--root', bad], { env: { [name]: value }, reject: false, timeout: 15_000 });
      expect(s.exitCode).toBe(2);
      expect(s.stderr).toMatch(new RegExp(`^podrun supervisor: ${name}: "${value}": must be`));
    }
    // It stopped before taking the root: no socket, no lock.
    expect(readdirSync(bad)).toEqual([]);
    rmSync(bad, { recursive: true });
  });
});
