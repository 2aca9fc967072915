// Root-only integration tests of what a pod shares and what it isolates: UTS, net, IPC
// (POSIX and SysV shared memory), volumes, and of exec / kill / stop / logs / wait on
// real namespaces, mounts and cgroups. One private state root for the whole file.
import { readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSYBOX_TAR, canRun, inspect, manifest, newRoot, ok, podrun, runPod, stopSupervisor, removeRoot, until } from './helpers.js';

const NS = ['net', 'ipc', 'uts', 'mnt', 'pid'] as const;
const S_NAME = 'iso-done';
const F_NAME = 'iso-fail';

describe.skipIf(!canRun)('pod isolation and sharing', () => {
  const root = canRun ? newRoot('iso') : '';
  const pods: string[] = [];
  const A = 'iso-a';
  const B = 'iso-b';

  async function start(json: string): Promise<string> {
    const name = (JSON.parse(json) as { metadata: { name: string } }).metadata.name;
    pods.push(name);
    expect(await runPod(root, json)).toBe(name);
    return name;
  }

  const exec = (pod: string, cmd: string[], flags: string[] = [], opts = {}) =>
    podrun(root, ['exec', ...flags, pod, '--', ...cmd], { timeout: 15_000, ...opts });

  function status(pod: any, ctr: string): any {
    const s = pod.status.containerStatuses.find((c: any) => c.name === ctr);
    if (!s) throw new Error(`no status for container ${ctr}`);
    return s;
  }

  async function terminated(pod: string, ctr: string): Promise<any> {
    return until(`${pod}/${ctr} terminated`, async () => status(await inspect(root, pod), ctr).state.terminated);
  }

  function nsOf(pid: number): Record<string, string> {
    return Object.fromEntries(NS.map((n) => [n, readlinkSync(`/proc/${pid}/ns/${n}`)]));
  }

  beforeAll(async () => {
    // Pod A: two plain busybox containers sharing volumes, a web server, and two
    // containers on the host root (for util-linux ipcmk/ipcs).
    await start(
      manifest(
        A,
        [
          {
            name: 'a',
            command: ['sleep', '3600'],
            mounts: [
              { name: 'shared', mountPath: '/shared' },
              { name: 'mem', mountPath: '/mem' },
            ],
          },
          {
            name: 'b',
            command: ['sleep', '3600'],
            mounts: [
              { name: 'shared', mountPath: '/shared' },
              { name: 'shared', mountPath: '/ro', readOnly: true },
            ],
          },
          {
            name: 'web',
            command: ['sh', '-c', 'mkdir -p /www && echo hello-from-web > /www/index.html && exec httpd -f -p 127.0.0.1:8080 -h /www'],
          },
          { name: 'h1', image: '/', command: ['/bin/sleep', '3600'] },
          { name: 'h2', image: '/', command: ['/bin/sleep', '3600'] },
        ],
        {
          volumes: [
            { name: 'shared', emptyDir: {} },
            { name: 'mem', emptyDir: { medium: 'Memory' } },
          ],
        },
      ),
    );
    await start(
      manifest(B, [
        { name: 'a', command: ['sleep', '3600'] },
        { name: 'h', image: '/', command: ['/bin/sleep', '3600'] },
      ]),
    );
  });

  afterAll(async () => {
    if (pods.length) await podrun(root, ['rm', '-f', ...pods]);
    await removeRoot(root);
  });

  it('gives containers the pod name as hostname and /etc/hostname', async () => {
    for (const c of ['a', 'b']) {
      const h = await exec(A, ['hostname'], ['-c', c]);
      expect(h.exitCode).toBe(0);
      expect(h.stdout.trim()).toBe(A);
      const f = await exec(A, ['cat', '/etc/hostname'], ['-c', c]);
      expect(f.exitCode).toBe(0);
      expect(f.stdout.trim()).toBe(A);
    }
    expect((await exec(B, ['hostname'])).stdout.trim()).toBe(B);
  });

  it('shares net/ipc/uts between containers of a pod, not mnt/pid, and nothing across pods', async () => {
    const pa = await inspect(root, A);
    const pb = await inspect(root, B);
    const a = nsOf(status(pa, 'a').pid);
    const b = nsOf(status(pa, 'b').pid);
    const other = nsOf(status(pb, 'a').pid);
    const host = nsOf(process.pid);
    for (const n of ['net', 'ipc', 'uts'] as const) {
      expect(b[n], n).toBe(a[n]);
      expect(a[n], `${n} vs host`).not.toBe(host[n]);
    }
    for (const n of ['mnt', 'pid'] as const) {
      expect(b[n], n).not.toBe(a[n]);
      expect(a[n], `${n} vs host`).not.toBe(host[n]);
    }
    for (const n of NS) expect(other[n], `${n} across pods`).not.toBe(a[n]);
    // The same view from inside, through exec.
    const inside = await exec(A, ['readlink', '/proc/1/ns/net'], ['-c', 'b']);
    expect(inside.stdout.trim()).toBe(a.net);
  });

  it('lets a sibling reach a 127.0.0.1 server, and refuses another pod', async () => {
    const body = await until('web server answering its sibling', async () => {
      const r = await exec(A, ['wget', '-qO-', 'http://127.0.0.1:8080/index.html'], ['-c', 'a']);
      return r.exitCode === 0 ? r.stdout : '';
    });
    expect(body.trim()).toBe('hello-from-web');
    // No -T: busybox 1.35 wget segfaults with -T. A refused connect fails at once.
    const r = await exec(B, ['wget', '-O-', 'http://127.0.0.1:8080/index.html'], ['-c', 'a']);
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).not.toContain('hello-from-web');
    expect(r.stderr).toMatch(/Connection refused/i);
  });

  it('shares emptyDir files between siblings and refuses writes on a readOnly mount', async () => {
    const w = await exec(A, ['sh', '-c', 'echo written-by-a > /shared/f'], ['-c', 'a']);
    expect(w.exitCode).toBe(0);
    const r = await exec(A, ['cat', '/shared/f'], ['-c', 'b']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('written-by-a');
    // The read-only mount is the same volume: readable, not writable.
    expect((await exec(A, ['cat', '/ro/f'], ['-c', 'b'])).stdout.trim()).toBe('written-by-a');
    const ro = await exec(A, ['touch', '/ro/g'], ['-c', 'b']);
    expect(ro.exitCode).not.toBe(0);
    expect(ro.stderr).toContain('Read-only file system');
    expect((await exec(A, ['ls', '/shared'], ['-c', 'a'])).stdout.split(/\s+/)).not.toContain('g');
  });

  it('mounts an emptyDir with medium Memory as tmpfs', async () => {
    const r = await exec(A, ['cat', '/proc/mounts'], ['-c', 'a']);
    expect(r.exitCode).toBe(0);
    const fsType = (mp: string) => r.stdout.split('\n').map((l) => l.split(' ')).find((f) => f[1] === mp)?.[2];
    expect(fsType('/mem')).toBe('tmpfs');
    expect(fsType('/shared')).toBeDefined();
    expect(fsType('/shared')).not.toBe('tmpfs');
  });

  it('shares POSIX and SysV shared memory within a pod only', async () => {
    expect((await exec(A, ['sh', '-c', 'echo posix-shm > /dev/shm/iso-x'], ['-c', 'a'])).exitCode).toBe(0);
    const sib = await exec(A, ['cat', '/dev/shm/iso-x'], ['-c', 'b']);
    expect(sib.exitCode).toBe(0);
    expect(sib.stdout.trim()).toBe('posix-shm');
    const other = await exec(B, ['cat', '/dev/shm/iso-x'], ['-c', 'a']);
    expect(other.exitCode).not.toBe(0);
    expect(other.stdout).not.toContain('posix-shm');

    const mk = await exec(A, ['ipcmk', '-M', '4096'], ['-c', 'h1']);
    expect(mk.exitCode, mk.stderr).toBe(0);
    const id = /Shared memory id:\s*(\d+)/.exec(mk.stdout)?.[1];
    expect(id).toBeDefined();
    // Data rows of `ipcs -m`: key shmid owner perms bytes ...
    const segments = (out: string) =>
      out
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => /^0x[0-9a-f]+$/i.test(f[0]))
        .map((f) => ({ shmid: f[1], bytes: f[4] }));
    const inSibling = await exec(A, ['ipcs', '-m'], ['-c', 'h2']);
    expect(inSibling.exitCode, inSibling.stderr).toBe(0);
    expect(segments(inSibling.stdout)).toContainEqual({ shmid: id, bytes: '4096' });
    const inOther = await exec(B, ['ipcs', '-m'], ['-c', 'h']);
    expect(inOther.exitCode, inOther.stderr).toBe(0);
    expect(segments(inOther.stdout)).toEqual([]);
  });

  it('exec: exit codes, stdin, env, workdir, user, PID namespace and -c', async () => {
    expect((await exec(A, ['true'])).exitCode).toBe(0);
    expect((await exec(A, ['sh', '-c', 'exit 42'])).exitCode).toBe(42);
    expect((await exec(A, ['/etc'])).exitCode).toBe(126);
    const missing = await exec(A, ['no-such-command-xyz']);
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toContain('no-such-command-xyz');

    const withStdin = await exec(A, ['cat'], ['-i'], { input: 'abc\n' });
    expect(withStdin.exitCode).toBe(0);
    expect(withStdin.stdout).toBe('abc');
    const noStdin = await exec(A, ['cat'], [], { input: 'abc\n' });
    expect(noStdin.exitCode).toBe(0);
    expect(noStdin.stdout).toBe('');

    const env = await exec(A, ['sh', '-c', 'echo "$K"; pwd; id -u; id -g'], ['-e', 'K=V1', '-w', '/tmp', '-u', '1000:1000']);
    expect(env.exitCode, env.stderr).toBe(0);
    expect(env.stdout.split('\n')).toEqual(['V1', '/tmp', '1000', '1000']);
    const dflt = await exec(A, ['sh', '-c', 'echo "[$K]"; id -u']);
    expect(dflt.stdout.split('\n')).toEqual(['[]', '0']);

    // ps rows: PID USER COMMAND...
    const procs = (out: string) =>
      out
        .split('\n')
        .slice(1)
        .filter((l) => l.trim())
        .map((l) => {
          const [pid, , ...cmd] = l.trim().split(/\s+/);
          return { pid: Number(pid), cmd: cmd.join(' ') };
        });
    const inA = procs((await exec(A, ['ps'], ['-c', 'a'])).stdout);
    expect(inA.find((p) => p.pid === 1)?.cmd).toBe('sleep 3600');
    expect(inA.map((p) => p.cmd).filter((c) => c !== 'ps')).toEqual(['sleep 3600']);
    const inWeb = procs((await exec(A, ['ps'], ['-c', 'web'])).stdout);
    expect(inWeb.find((p) => p.pid === 1)?.cmd).toMatch(/^httpd -f -p 127\.0\.0\.1:8080/);
    expect(inWeb.map((p) => p.cmd).filter((c) => c !== 'ps')).toHaveLength(1);
  });

  it('kill and stop end containers with the right exit codes', async () => {
    const K = 'iso-kill';
    await start(
      manifest(
        K,
        [
          { name: 'trap', command: ['sh', '-c', 'trap "exit 3" TERM; while true; do sleep 0.1; done'] },
          { name: 'plain', command: ['sleep', '3600'] },
          { name: 'ignore', command: ['sleep', '3600'] },
          { name: 'polite', command: ['sh', '-c', 'trap "exit 5" TERM; while true; do sleep 0.1; done'] },
        ],
        { restartPolicy: 'Never' },
      ),
    );
    const bad = await podrun(root, ['kill', '-s', 'NOSUCHSIG', K]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--signal');
    const running = await inspect(root, K);
    for (const c of ['trap', 'plain', 'ignore', 'polite']) expect(status(running, c).state.running, c).toBeDefined();

    await ok(root, ['kill', '-s', 'TERM', '-c', 'trap', K]);
    expect((await terminated(K, 'trap')).exitCode).toBe(3);

    await ok(root, ['kill', '-c', 'plain', K]);
    const killed = await terminated(K, 'plain');
    expect(killed.exitCode).toBe(137);
    expect(killed.reason).toBe('Error');

    let t0 = Date.now();
    await ok(root, ['stop', '-t', '1', '-c', 'ignore', K]);
    const ignored = await terminated(K, 'ignore');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(ignored.exitCode).toBe(137);

    t0 = Date.now();
    await ok(root, ['stop', '-t', '30', '-c', 'polite', K]);
    const polite = await terminated(K, 'polite');
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(polite.exitCode).toBe(5);
  });

  it('run to completion: wait, phase, logs, timestamps, tail; a failing pod is Failed', async () => {
    const S = await start(
      manifest(S_NAME, [{ name: 'c', command: ['sh', '-c', 'echo out; echo err >&2; exit 0'] }], { restartPolicy: 'Never' }),
    );
    const w = await podrun(root, ['wait', '--for', 'completed', '--timeout', '20', S]);
    expect(w.exitCode, w.stderr).toBe(0);
    const done = await inspect(root, S);
    expect(done.status.phase).toBe('Succeeded');
    expect(status(done, 'c').state.terminated.exitCode).toBe(0);
    const logs = (await ok(root, ['logs', S])).split('\n').filter(Boolean);
    expect(logs.sort()).toEqual(['err', 'out']);
    const ts = (await ok(root, ['logs', '--timestamps', S])).split('\n').filter(Boolean);
    expect(ts).toHaveLength(2);
    for (const l of ts) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (out|err)$/);
    const tail = (await ok(root, ['logs', '--tail', '1', S])).split('\n').filter(Boolean);
    expect(tail).toHaveLength(1);
    expect(['out', 'err']).toContain(tail[0]);

    const F = await start(manifest(F_NAME, [{ name: 'c', command: ['sh', '-c', 'exit 3'] }], { restartPolicy: 'Never' }));
    const failed = await until('pod Failed', async () => {
      const p = await inspect(root, F);
      return p.status.phase === 'Failed' ? p : undefined;
    });
    expect(status(failed, 'c').state.terminated.exitCode).toBe(3);
  });

  it('run of a missing command exits 127 naming the command', async () => {
    const json = manifest('iso-missing', [{ name: 'c', command: ['/no/such/binary-xyz'] }], { restartPolicy: 'Never' });
    pods.push('iso-missing');
    const r = await podrun(root, ['run', '-f', '-'], { input: json });
    expect(r.exitCode).toBe(127);
    expect(r.stderr).toContain('/no/such/binary-xyz');
  });

  it('runs a tarball image', async () => {
    const T = await start(manifest('iso-tar', [{ name: 'c', image: BUSYBOX_TAR, command: ['sleep', '3600'] }]));
    const r = await exec(T, ['sh', '-c', 'echo from-tar > /root-is-writable && cat /root-is-writable && hostname']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toEqual(['from-tar', T]);
    expect(status(await inspect(root, T), 'c').state.running).toBeDefined();
  });
});
