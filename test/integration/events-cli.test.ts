// `podrun events` against a state root whose events the test writes itself with the
// recorder (a fake pod directory): no supervisor, no root needed.
import { execa } from 'execa';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recordEvent } from '../../src/events/recorder.js';
import { StatePaths } from '../../src/state/paths.js';
import { newRoot, podrun, PODRUN, REPO, inStandInHost, until } from './helpers.js';

const built = existsSync(join(REPO, 'dist/src/cli/main.js'));
if (!built) process.stderr.write('events CLI tests skipped: run `make build` first (dist/ missing)\n');

describe.skipIf(!built)('podrun events', () => {
  const root = newRoot('events');
  const state = new StatePaths(root);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const pod = (name: string) => {
    const p = state.pod(name);
    mkdirSync(p.dir, { recursive: true });
    return p;
  };
  const web = pod('web');
  recordEvent(web, { type: 'Normal', reason: 'Created', message: 'Created container server', container: 'server' });
  recordEvent(web, { type: 'Normal', reason: 'Started', message: 'Started container server', container: 'server' });
  recordEvent(web, { type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container server', container: 'server' });
  recordEvent(web, { type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container server', container: 'server' });
  recordEvent(pod('db'), { type: 'Normal', reason: 'SandboxChanged', message: 'Pod sandbox changed' });

  it('prints text lines with a header: TIME TYPE REASON OBJECT MESSAGE', async () => {
    const r = await podrun(root, ['events', 'web']);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0].split(/ {3,}/)).toEqual(['TIME', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(lines.slice(1).map((l) => l.split(/ {3,}/).slice(1))).toEqual([
      ['Normal', 'Created', 'pod/web/server', 'Created container server'],
      ['Normal', 'Started', 'pod/web/server', 'Started container server'],
      ['Warning', 'BackOff', 'pod/web/server', 'Back-off restarting failed container server'],
      ['Warning', 'BackOff', 'pod/web/server', 'Back-off restarting failed container server (x2)'],
    ]);
    for (const l of lines.slice(1)) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z   /);
  });

  it('-o json prints one event object per line; without POD, every pod', async () => {
    const r = await podrun(root, ['events', '-o', 'json']);
    expect(r.exitCode).toBe(0);
    const evs = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    // merged by time (ties in pod name order), each pod in seq order
    expect(evs.map((e) => `${e.pod}${e.seq}`).sort()).toEqual(['db1', 'web1', 'web2', 'web3', 'web4']);
    expect(evs.filter((e) => e.pod === 'web').map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    for (let i = 1; i < evs.length; i++) expect(evs[i].time >= evs[i - 1].time).toBe(true);
    expect(evs.find((e) => e.pod === 'web' && e.seq === 4)).toMatchObject({ type: 'Warning', reason: 'BackOff', pod: 'web', container: 'server', count: 2 });
    expect(evs.find((e) => e.pod === 'db')).not.toHaveProperty('container');
  });

  it('a missing pod exits 1; a bad -o exits 2', async () => {
    const r = await podrun(root, ['events', 'nope']);
    expect(r).toMatchObject({ exitCode: 1, stdout: '' });
    expect(r.stderr).toBe('podrun: pod "nope" not found');
    expect((await podrun(root, ['events', '-o', 'yaml', 'web'])).exitCode).toBe(2);
  });

  it('-f prints events appended after it started, and exits 0 when the pod is removed', async () => {
    const p = pod('follow');
    recordEvent(p, { type: 'Normal', reason: 'Created', message: 'Created container app', container: 'app' });
    const child = execa(...inStandInHost(PODRUN, ['--root', root, 'events', '-f', '-o', 'json', 'follow']), { reject: false, timeout: 30_000 });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await until('the history', () => out.includes('"Created"'));
    recordEvent(p, { type: 'Warning', reason: 'Failed', message: 'Error: exit code 1', container: 'app' });
    await until('the appended event', () => out.includes('"Failed"'));
    expect(out.trimEnd().split('\n').map((l) => JSON.parse(l).seq)).toEqual([1, 2]);
    rmSync(p.dir, { recursive: true });
    const r = await child;
    expect(r.exitCode).toBe(0);
  });
});
