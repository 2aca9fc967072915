// Root-only integration tests of containers with a terminal or an open stdin, and of
// `podrun attach` on a real terminal (pty-driver.py): run a command, detach with
// ctrl-p ctrl-q (or --detach-keys) and the container goes on; several sessions see the
// same output; a supervisor killed under a session ends it cleanly and the container
// keeps its terminal; the API's exec with a terminal. Leak checks: one stdio holder per
// instance, none after rm; the supervisor's fds back to their count after the sessions.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { canRun, inspect, killSupervisor, manifest, newRoot, ok, podrun, REPO, removeRoot, runPod, until } from './helpers.js';
import { Terminal } from './pty.js';

const stream = (await import(join(REPO, 'dist/src/api/stream-client.js'))) as typeof import('../../src/api/stream-client.js');

/** The stdio holders of this root's pods: `sleep infinity` in a pod's pause cgroup, a pty master or stdin FIFO as fd 3. */
function holders(root: string): number[] {
  const out: number[] = [];
  const pods = readdirSync(join(root, 'pods')).map((p) => (JSON.parse(readFileSync(join(root, 'pods', p, 'pod.json'), 'utf8')) as { sandbox: { cgroup: string } }).sandbox.cgroup);
  const ours = (pid: string) => {
    const cg = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    return pods.some((p) => cg.includes(`${p.replace('/sys/fs/cgroup/unified', '')}/pause`));
  };
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (!readFileSync(`/proc/${d}/cmdline`, 'utf8').endsWith('sleep\0infinity\0') || !ours(d)) continue;
      // A pty master (of a container's devpts, which the host sees as /dev/pts/ptmx) or a stdin FIFO of this root.
      const fd3 = readlinkSync(`/proc/${d}/fd/3`);
      if (fd3 === '/dev/pts/ptmx' || fd3.startsWith(root)) out.push(Number(d));
    } catch {
      /* gone, or not ours */
    }
  }
  return out;
}

function supervisorFds(root: string): number {
  const pid = Number(readFileSync(join(root, 'supervisor.pid'), 'utf8'));
  return readdirSync(`/proc/${pid}/fd`).length;
}

describe.skipIf(!canRun)('tty and stdin containers, attach', () => {
  const root = canRun ? newRoot('attach') : '';
  let pod = '';

  beforeAll(async () => {
    pod = await runPod(root, manifest('att', [{ name: 'sh', command: ['sh'], extra: { tty: true, stdin: true } }]));
  });

  afterAll(async () => {
    await podrun(root, ['rm', '-f', pod]);
    await removeRoot(root);
  });

  afterEach(async () => {
    if (!existsSync(join(root, 'pods', pod))) return;
    // The container's devpts holds its own terminal only, and there is one holder: its.
    expect((await podrun(root, ['exec', pod, 'ls', '/dev/pts'])).stdout).toBe('0\nptmx');
    expect(holders(root)).toHaveLength(1);
  });

  async function running(): Promise<{ restartCount: number; pid: number }> {
    const s = (await inspect(root, pod)).status.containerStatuses[0];
    expect(Object.keys(s.state)).toEqual(['running']);
    return { restartCount: s.restartCount, pid: s.pid };
  }

  async function attachAt(...args: string[]): Promise<Terminal> {
    const t = new Terminal(root, ['attach', ...args, pod]);
    // The first output of an attach is what the shell prints next: make it print a prompt.
    await until('the session to be attached', async () => {
      t.type('\r');
      await new Promise((r) => setTimeout(r, 150));
      return /\/ # /.test(t.output);
    }, 10_000, 0);
    return t;
  }

  it('attach: a command runs on the container\'s terminal, ctrl-p ctrl-q detaches, the container goes on', async () => {
    const before = await running();
    const fds = supervisorFds(root);
    const t = await attachAt();
    await t.command('echo value=$((6*7)); tty\r');
    await t.waitFor(/value=42\r\n\/dev\/pts\/0\r\n/);
    t.type('\x10\x11');
    expect(await t.exit).toBe(0);
    expect(t.attrs.at(-1)).toEqual(t.attrs[0]);
    expect(await running()).toEqual(before);
    // The terminal's output is in the CRI log, as stdout (a terminal merges the streams).
    const log = readFileSync(join(root, 'pods', pod, 'logs', 'sh', `${before.restartCount}.log`), 'utf8');
    expect(log).toMatch(/^\S+ stdout F value=42\r?$/m);
    await until('the supervisor to let go of the session', () => supervisorFds(root) <= fds, 5000);
    expect(holders(root)).toHaveLength(1);
  });

  it('kill -9 of the attach CLI: the supervisor lets go of the session, the container goes on', async () => {
    const before = await running();
    const fds = supervisorFds(root);
    const t = await attachAt();
    expect(supervisorFds(root)).toBeGreaterThan(fds);
    process.kill(t.podrunPid(), 'SIGKILL');
    expect(await t.exit).toBe(-9);
    await until('the supervisor to let go of the session', () => supervisorFds(root) <= fds, 5000);
    expect(await running()).toEqual(before);
  });

  it('--detach-keys in Docker\'s syntax', async () => {
    const t = await attachAt('--detach-keys', 'ctrl-a,d');
    t.type('\x10\x11');
    await t.command('echo still-attached\r');
    await t.waitFor(/still-attached\r\n/);
    t.type('\x01d');
    expect(await t.exit).toBe(0);
    expect((await podrun(root, ['attach', '--detach-keys', 'ctrl-1', pod])).stderr).toContain('--detach-keys: "ctrl-1"');
  });

  it('several attach sessions all see the output', async () => {
    const a = await attachAt();
    const b = await attachAt();
    const from = b.output.length;
    await a.command('echo shared-$((20+22))\r');
    await a.waitFor(/shared-42\r\n/);
    await b.waitFor(/shared-42\r\n/, 5000, from);
    a.type('\x10\x11');
    b.type('\x10\x11');
    expect([await a.exit, await b.exit]).toEqual([0, 0]);
  });

  it('kill -9 of the supervisor ends the session cleanly; the container keeps its terminal; attach works again', async () => {
    const before = await running();
    const t = await attachAt();
    await killSupervisor(root);
    expect(await t.exit).toBe(1);
    expect(t.output).toContain('connection to the supervisor was lost');
    expect(t.attrs.at(-1)).toEqual(t.attrs[0]);
    expect(await running()).toEqual(before);
    const again = await attachAt();
    await again.command('echo after-restart\r');
    await again.waitFor(/after-restart\r\n/);
    again.type('\x10\x11');
    expect(await again.exit).toBe(0);
    expect(holders(root)).toHaveLength(1);
  });

  it('the API: exec with a terminal over the stream route, its status at the end', async () => {
    await ok(root, ['list']);
    const fds = supervisorFds(root);
    const s = await stream.openStream(join(root, 'supervisor.sock'), 'execPod', {
      params: { name: pod },
      query: { command: ['sh', '-c', 'tty; stty size; exit 3'], tty: 'true', rows: '12', cols: '34' },
    });
    let out = '';
    s.onOutput((_ch, p) => (out += p.toString()));
    expect(await s.ended).toEqual({ reason: 'exited', exitCode: 3 });
    expect(out).toMatch(/^\/dev\/pts\/\d+\r\n12 34\r\n$/);
    // An error answer instead of the upgrade: the same error as the other routes.
    await expect(stream.openStream(join(root, 'supervisor.sock'), 'attachPod', { params: { name: 'nope' }, query: {} })).rejects.toThrow(/pod "nope" not found/);
    // Nothing left: the supervisor's fds, and in the container's devpts only its own terminal.
    await until('the supervisor to let go of the exec', () => supervisorFds(root) <= fds, 5000);
    expect((await podrun(root, ['exec', pod, 'ls', '/dev/pts'])).stdout.split('\n')).toEqual(['0', 'ptmx']);
  });

  it('a client gone in the middle of an API exec: the command is hung up, nothing is left', async () => {
    const fds = supervisorFds(root);
    const s = await stream.openStream(join(root, 'supervisor.sock'), 'execPod', {
      params: { name: pod },
      query: { command: ['sh', '-c', 'echo started; exec sleep 1000'], tty: 'true' },
    });
    let out = '';
    s.onOutput((_ch, p) => (out += p.toString()));
    await until('the command to start', () => out.includes('started'));
    s.close();
    await until('the supervisor to let go of the exec', () => supervisorFds(root) <= fds, 5000);
    await until('the command to be gone', async () => (await podrun(root, ['exec', pod, 'ls', '/dev/pts'])).stdout === '0\nptmx', 5000);
    expect((await podrun(root, ['exec', pod, 'ps', '-o', 'args'])).stdout).not.toContain('sleep 1000');
  });

  it('a restarted tty container gets a new terminal and holder; the old holder goes', async () => {
    const before = await running();
    const [old] = holders(root);
    process.kill(before.pid, 'SIGKILL');
    await until('the restart', async () => (await inspect(root, pod)).status.containerStatuses[0].restartCount === before.restartCount + 1 && (await running()));
    await until('one holder, a new one', () => holders(root).length === 1 && holders(root)[0] !== old, 5000);
  });

  it('a container without terminal or stdin: attach shows its output until it ends, and exits with its status', async () => {
    const name = await runPod(root, manifest('att-out', [{ name: 'out', command: ['sh', '-c', 'sleep 2; echo one; echo two >&2; exit 3'] }], { restartPolicy: 'Never' }));
    try {
      const r = await podrun(root, ['attach', name], { input: '' });
      expect(r).toMatchObject({ exitCode: 3, stdout: 'one', stderr: 'two' });
      // Ended: nothing to attach to.
      const again = await podrun(root, ['attach', name]);
      expect(again.exitCode).toBe(1);
      expect(again.stderr).toContain('is not running');
    } finally {
      await podrun(root, ['rm', '-f', name]);
    }
  });

  it('stdin without a terminal: attach sends input; stdinOnce closes it when the first session ends', async () => {
    const name = await runPod(root, manifest('att-stdin', [
      { name: 'echo', command: ['sh', '-c', 'while read l; do echo got:$l; done; echo stdin-closed; exec sleep 1000'], extra: { stdin: true, stdinOnce: true } },
    ]));
    try {
      expect(holders(root)).toHaveLength(2);
      // Input, then the detach keys: the session ends with status 0 and the container goes on.
      const r = await podrun(root, ['attach', name], { input: 'hello\n\x10\x11' });
      expect(r.exitCode).toBe(0);
      await until('the line, then the end of stdin, in the logs', async () => (await podrun(root, ['logs', name])).stdout === 'got:hello\nstdin-closed', 10_000);
      expect((await inspect(root, name)).status.containerStatuses[0].state.running).toBeDefined();
      // stdinOnce: the holder of the stdin FIFO is gone with the first session.
      expect(holders(root)).toHaveLength(1);
    } finally {
      await podrun(root, ['rm', '-f', name]);
    }
  });

  it('stdin without a terminal stays open across a supervisor restart', async () => {
    const name = await runPod(root, manifest('att-stdin2', [
      { name: 'echo', command: ['sh', '-c', 'while read l; do echo got:$l; done; echo stdin-closed; exec sleep 1000'], extra: { stdin: true } },
    ]));
    try {
      expect((await podrun(root, ['attach', name], { input: 'a\n\x10\x11' })).exitCode).toBe(0);
      await killSupervisor(root);
      expect((await podrun(root, ['attach', name], { input: 'b\n\x10\x11' })).exitCode).toBe(0);
      await until('both lines in the logs', async () => (await podrun(root, ['logs', name])).stdout === 'got:a\ngot:b', 10_000);
      expect(holders(root)).toHaveLength(2);
    } finally {
      await podrun(root, ['rm', '-f', name]);
    }
  });

  it('a client that stops reading loses its session, not the supervisor its memory; the container goes on', async () => {
    const name = await runPod(root, manifest('att-flood', [
      { name: 'flood', command: ['sh', '-c', 'read x; head -c 8000000 /dev/zero; exec sleep 1000'], extra: { stdin: true } },
    ]));
    try {
      const fds = supervisorFds(root);
      const frames = (await import(join(REPO, 'dist/src/api/stream-frames.js'))) as typeof import('../../src/api/stream-frames.js');
      const sock = connect(join(root, 'supervisor.sock'));
      sock.write(`POST /v1/pods/${name}/attach?stdin=true HTTP/1.1\r\nHost: podrun\r\nConnection: Upgrade\r\nUpgrade: podrun-stream\r\n\r\n`);
      const head = await new Promise<string>((resolve) => sock.once('data', (d: Buffer) => resolve(d.toString('latin1'))));
      expect(head).toMatch(/^HTTP\/1.1 101 /);
      // Start the flood, then read nothing.
      sock.pause();
      sock.write(frames.encodeFrame(frames.CHANNEL.stdin, '\n'));
      await until('the supervisor to drop the session', () => supervisorFds(root) <= fds, 20_000);
      sock.destroy();
      expect((await inspect(root, name)).status.containerStatuses[0].state.running).toBeDefined();
    } finally {
      await podrun(root, ['rm', '-f', name]);
    }
  });

  it('rm leaves no stdio holder', async () => {
    const [holder] = holders(root);
    expect(holder).toBeDefined();
    await ok(root, ['rm', '-f', pod]);
    await until('no holder left', () => holders(root).length === 0, 5000);
  });
});
