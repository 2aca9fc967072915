// Root-only integration tests of `exec -t` / `exec -it` on real terminals: the test's
// pty (pty-driver.py) is the caller's terminal, the container's devpts gives the
// command's. Every test ends with the leak check: no pty left in the container's devpts,
// no process left in its cgroup but the container's own.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { canRun, inspect, inStandInHost, manifest, newRoot, PODRUN, podrun, processesIn, removeRoot, runPod, until } from './helpers.js';
import { Terminal } from './pty.js';


describe.skipIf(!canRun)('exec with a terminal', () => {
  const root = canRun ? newRoot('terminals') : '';
  let pod = '';
  let cgroup = '';

  beforeAll(async () => {
    pod = await runPod(root, manifest('term', [{ name: 'c', command: ['sleep', '3600'] }]));
    cgroup = join((await inspect(root, pod)).status.sandbox.cgroup, 'ctr-c');
  });

  afterAll(async () => {
    await podrun(root, ['rm', '-f', pod]);
    await removeRoot(root);
  });

  /** The container's open ptys (its devpts lists ptmx and one entry per pty) and its processes. */
  async function leaks(): Promise<{ ptys: string[]; processes: number[] }> {
    const ls = await podrun(root, ['exec', pod, 'ls', '/dev/pts']);
    return { ptys: ls.stdout.split('\n').filter((e) => e && e !== 'ptmx'), processes: processesIn(cgroup) };
  }

  const sessions: Terminal[] = [];
  function terminal(...a: ConstructorParameters<typeof Terminal>): Terminal {
    const t = new Terminal(...a);
    sessions.push(t);
    return t;
  }

  afterEach(async () => {
    // A failed test's session ends the hard way (which must leave nothing either).
    for (const t of sessions.splice(0)) if (t.proc.exitCode === null) t.proc.kill('SIGKILL');
    const left = await until('no pty or process left after the session', async () => {
      const l = await leaks();
      return l.ptys.length === 0 && l.processes.length === 1 ? l : undefined;
    }, 5000).catch(async () => leaks());
    expect(left.ptys).toEqual([]);
    expect(left.processes).toHaveLength(1);
  });

  it('exec -t: tty prints /dev/pts/N of the container\'s own devpts', async () => {
    const t = terminal(root, ['exec', '-t', pod, 'sh', '-c', 'tty; ls /dev/pts | tr "\\n" " "; echo']);
    expect(await t.exit).toBe(0);
    // The container's devpts instance holds only ptmx and this session's pty.
    // Without -i the caller's terminal keeps its own output processing (\n -> \r\n on top).
    expect(t.output).toMatch(/^\/dev\/pts\/0\r+\n0 ptmx \r+\n$/);
  });

  it('exec -t: the command leads its own session and process group, with the pty as controlling terminal in the foreground', async () => {
    const r = await podrun(root, ['exec', '-t', pod, 'cat', '/proc/self/stat']);
    expect(r.exitCode).toBe(0);
    // pid (comm) state ppid pgrp session tty_nr tpgid ...
    const [pid, , , , pgrp, session, ttyNr, tpgid] = r.stdout.trim().split(' ');
    expect({ pgrp, session, tpgid }).toEqual({ pgrp: pid, session: pid, tpgid: pid });
    // tty_nr: major 136 (the pts range), minor N of /dev/pts/N.
    expect(Number(ttyNr) >> 8).toBe(136);
  });

  it('exec -t: only stdio reaches the command, not an fd podrun inherited', async () => {
    // podrun started with fd 100 open without FD_CLOEXEC, as a careless caller may leave one.
    const leaky = 'import os, sys\nos.dup2(os.open("/dev/null", os.O_RDONLY), 100, inheritable=True)\nos.execvp(sys.argv[1], sys.argv[1:])';
    const [file, args] = inStandInHost(PODRUN, ['--root', root, 'exec', '-t', pod, 'ls', '/proc/self/fd']);
    const r = await execa('python3', ['-c', leaky, file, ...args], { reject: false });
    expect(r.exitCode).toBe(0);
    // 3 is ls's own directory handle.
    expect(r.stdout.trim().split(/\s+/)).toEqual(['0', '1', '2', '3']);
  });

  it.each([
    ['the default container', {}],
    ['a non-root user without privilege escalation', { securityContext: { runAsUser: 1000, runAsGroup: 1000, allowPrivilegeEscalation: false } }],
  ])('exec -t runs with the container\'s own restrictions (%s): user, capabilities, no_new_privs, seccomp', async (_what, extra) => {
    const name = await runPod(root, manifest(`term-r${Object.keys(extra).length}`, [{ name: 'c', command: ['sleep', '3600'], extra }]));
    try {
      const pid = (await inspect(root, name)).status.containerStatuses[0].pid as number;
      const KEYS = /^(Uid|Gid|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp|Seccomp_filters):/;
      const pick = (status: string) => status.split('\n').filter((l) => KEYS.test(l)).map((l) => l.replace(/\s+/g, ' ').trim());
      const container = pick(readFileSync(`/proc/${pid}/status`, 'utf8'));
      const r = await podrun(root, ['exec', '-t', name, 'cat', '/proc/self/status']);
      expect(r.exitCode).toBe(0);
      expect(pick(r.stdout.replaceAll('\r', ''))).toEqual(container);
      expect(container).toHaveLength(10);
    } finally {
      await podrun(root, ['rm', '-f', name]);
    }
  });

  it.each([
    ['a missing command', ['nosuch'], 127, /nosuch: executable file not found in \$PATH/],
    ['a missing working directory', ['-w', '/nowhere', 'true'], 128, /workingDir \/nowhere: no such directory/],
  ])('exec -t of %s: the exec stage\'s status and message, on the terminal', async (_what, args, code, message) => {
    const [opts, cmd] = args[0] === '-w' ? [args.slice(0, 2), args.slice(2)] : [[], args];
    const r = await podrun(root, ['exec', '-t', ...opts, pod, ...cmd]);
    expect(r.exitCode).toBe(code);
    expect(r.stdout).toMatch(message);
  });

  it('exec -t without a terminal on stdin works (as docker exec -t); -it refuses, as Docker does', async () => {
    const t = await podrun(root, ['exec', '-t', pod, 'sh', '-c', 'tty; exit 4'], { input: '', stripFinalNewline: false });
    expect(t.exitCode).toBe(4);
    expect(t.stdout).toBe('/dev/pts/0\r\n');
    const it = await podrun(root, ['exec', '-it', pod, 'sh'], { input: '' });
    expect(it.exitCode).toBe(1);
    expect(it.stderr).toBe('podrun: the input device is not a TTY');
  });

  it('exec -it: an interactive shell computes a value and exits with its status; the caller\'s termios are restored', async () => {
    const t = terminal(root, ['exec', '-it', pod, 'sh']);
    await t.command('echo value=$((6*7))\r');
    await t.waitFor(/value=42/);
    await t.command('exit 7\r');
    expect(await t.exit).toBe(7);
    expect(t.attrs.at(-1)).toEqual(t.attrs[0]);
  });

  it('the window size is set at start and follows a resize', async () => {
    const t = terminal(root, ['exec', '-it', pod, 'sh'], [30, 90]);
    await t.command('stty size\r');
    await t.waitFor(/\r\n30 90\r\n/);
    const from = t.output.length;
    t.resize(41, 123);
    await t.command('stty size\r');
    await t.waitFor(/\r\n41 123\r\n/, 15_000, from);
    await t.command('exit\r');
    expect(await t.exit).toBe(0);
  });

  it('ctrl-c interrupts a sleep in an -it shell, not the shell', async () => {
    const t = terminal(root, ['exec', '-it', pod, 'sh']);
    await t.command('sleep 1000\r');
    await until('the sleep to run', () => processesIn(cgroup).length === 3);
    const started = Date.now();
    t.type('\x03');
    // The shell is still there, and saw its child die of SIGINT.
    await t.command('echo status=$?\r');
    await t.waitFor(/status=130/);
    expect(Date.now() - started).toBeLessThan(10_000);
    await t.command('exit 0\r');
    expect(await t.exit).toBe(0);
    expect(t.attrs.at(-1)).toEqual(t.attrs[0]);
  });

  it('the command killed: its signal status passes through, the termios are restored', async () => {
    const t = terminal(root, ['exec', '-it', pod, 'sh']);
    await t.waitFor(/\/ # /);
    const main = (await inspect(root, pod)).status.containerStatuses[0].pid as number;
    const shell = processesIn(cgroup).find((p) => p !== main);
    process.kill(shell!, 'SIGKILL');
    expect(await t.exit).toBe(137);
    expect(t.attrs.at(-1)).toEqual(t.attrs[0]);
  });

  it.each(['SIGTERM', 'SIGHUP'] as const)('podrun gets %s: the termios are restored and the session ends', async (sig) => {
    const t = terminal(root, ['exec', '-it', pod, 'sh']);
    await t.waitFor(/\/ # /);
    process.kill(t.podrunPid(), sig);
    expect(await t.exit).toBe(128 + (sig === 'SIGTERM' ? 15 : 1));
    expect(t.attrs.at(-1)).toEqual(t.attrs[0]);
  });

  it('kill -9 of the exec CLI hangs the session up: the shell ends, the pty goes', async () => {
    const t = terminal(root, ['exec', '-it', pod, 'sh']);
    await t.waitFor(/\/ # /);
    expect((await leaks()).ptys).toEqual(['0']);
    process.kill(t.podrunPid(), 'SIGKILL');
    expect(await t.exit).toBe(-9);
  });

  it('echo latency: a typed key comes back within 50 ms (median of 20)', async () => {
    const t = terminal(root, ['exec', '-it', pod, 'sh']);
    await t.waitFor(/\/ # \x1b\[6n/);
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const from = t.output.length;
      const start = performance.now();
      // Letters that no escape sequence of busybox's line editor contains (ESC [6n, ESC [J).
      const key = 'abcdefghijklmopqrstu'[i];
      t.type(key);
      await t.waitFor(new RegExp(key), 5000, from);
      times.push(performance.now() - start);
    }
    t.type('\x15exit\r');
    expect(await t.exit).toBe(0);
    times.sort((a, b) => a - b);
    expect(times[10]).toBeLessThan(50);
  });
});
