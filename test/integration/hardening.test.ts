// Root-only integration tests of container hardening with real pods: the capability sets
// and no_new_privs of a container's main process (/proc/1/status, read through exec, which
// shares its PID namespace), what the main process itself may do (its script's output in
// the logs; exec-hardening.test.ts checks that exec gets the same), masked and read-only /proc and
// /sys paths, privileged containers, readOnlyRootFilesystem, and the session the main
// process leads.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSYBOX, canRun, leftovers, manifest, newRoot, podrun, removeRoot, runPod, until } from './helpers.js';

// containerd's default set: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
// NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP.
const DEFAULT_MASK = 0xa80425fbn;
const bit = (n: number) => 1n << BigInt(n);
const [CHOWN, KILL, NET_ADMIN, SYS_TIME] = [0, 5, 12, 25];

// Each container's main process tries what its capabilities decide, reports one line per
// attempt (`NAME=EXIT OUTPUT`) and sleeps: mount(2) and unshare(CLONE_NEWNS) need
// CAP_SYS_ADMIN; setting loopback's MTU to the value it has needs CAP_NET_ADMIN and, done,
// changes nothing (the pod's netns is shared by its containers).
const ATTEMPTS = [
  'mkdir -p /m',
  'try() { name=$1; shift; out=$("$@" 2>&1); echo "$name=$? $out"; }',
  'try mount mount -t tmpfs t /m',
  'try unshare unshare -m true',
  'try link ip link set lo mtu 65536',
  'exec sleep 3600',
];
const report = ['sh', '-c', ATTEMPTS.join('\n')];
const sc = (securityContext: Record<string, unknown>) => ({ extra: { securityContext } });

describe.skipIf(!canRun)('container hardening', () => {
  const root = canRun ? newRoot('hardening') : '';
  const POD = 'hard-a';

  const exec = (ctr: string, script: string) => podrun(root, ['exec', '-c', ctr, POD, '--', 'sh', '-c', script], { timeout: 15_000 });
  const status = async (ctr: string): Promise<Record<string, string>> => {
    const r = await exec(ctr, 'cat /proc/1/status');
    expect(r.exitCode, r.stderr).toBe(0);
    return Object.fromEntries(r.stdout.split('\n').map((l) => l.split(/:\s*/) as [string, string]));
  };
  const mask = (hex: string) => BigInt(`0x${hex}`);
  /** The main process's attempts: name → [exit code, output]. */
  const attempts = async (ctr: string): Promise<Record<string, [number, string]>> => {
    const logs = await until(`${ctr}'s report`, async () => {
      const out = (await podrun(root, ['logs', '-c', ctr, POD])).stdout;
      return /^link=/m.test(out) ? out : '';
    });
    return Object.fromEntries([...logs.matchAll(/^(\w+)=(\d+) ?(.*)$/gm)].map((m) => [m[1], [Number(m[2]), m[3]]]));
  };

  beforeAll(async () => {
    await runPod(
      root,
      manifest(POD, [
        { name: 'def', command: report },
        { name: 'none', command: report, ...sc({ capabilities: { drop: ['ALL'] } }) },
        { name: 'adddrop', command: report, ...sc({ capabilities: { add: ['NET_ADMIN', 'CAP_SYS_TIME'], drop: ['CHOWN', 'CAP_KILL'] } }) },
        { name: 'user', command: report, ...sc({ runAsUser: 1000, runAsGroup: 1000, capabilities: { add: ['NET_ADMIN'] } }) },
        { name: 'esc', command: report, ...sc({ allowPrivilegeEscalation: true }) },
        { name: 'priv', command: report, ...sc({ privileged: true }) },
        { name: 'rofs', command: report, mounts: [{ name: 'scratch', mountPath: '/scratch' }], ...sc({ readOnlyRootFilesystem: true }) },
      ], { volumes: [{ name: 'scratch', emptyDir: {} }] }),
    );
  });

  afterAll(async () => {
    await podrun(root, ['rm', '-f', POD]);
    await removeRoot(root);
  });

  it('a default container has exactly containerd\'s capability set, and no_new_privs', async () => {
    const s = await status('def');
    expect(mask(s.CapEff)).toBe(DEFAULT_MASK);
    expect(mask(s.CapPrm)).toBe(DEFAULT_MASK);
    expect(mask(s.CapBnd)).toBe(DEFAULT_MASK);
    expect(mask(s.CapInh)).toBe(0n);
    expect(mask(s.CapAmb)).toBe(0n);
    expect(s.NoNewPrivs).toBe('1');
  });

  it('drop: [ALL] leaves no capability at all', async () => {
    const s = await status('none');
    expect([s.CapEff, s.CapPrm, s.CapBnd].map(mask)).toEqual([0n, 0n, 0n]);
  });

  it('add and drop, with and without CAP_, change exactly their bits', async () => {
    const want = (DEFAULT_MASK | bit(NET_ADMIN) | bit(SYS_TIME)) & ~bit(CHOWN) & ~bit(KILL);
    const s = await status('adddrop');
    expect(mask(s.CapEff)).toBe(want);
    expect(mask(s.CapBnd)).toBe(want);
  });

  it('a non-root user keeps the bounding set but, with no ambient set (containerd), no effective capability', async () => {
    const s = await status('user');
    expect(s.Uid.split('\t')[0]).toBe('1000');
    expect(mask(s.CapBnd)).toBe(DEFAULT_MASK | bit(NET_ADMIN));
    expect([s.CapEff, s.CapPrm, s.CapInh, s.CapAmb].map(mask)).toEqual([0n, 0n, 0n, 0n]);
    expect(s.NoNewPrivs).toBe('1');
  });

  it('allowPrivilegeEscalation: true leaves no_new_privs off', async () => {
    expect((await status('esc')).NoNewPrivs).toBe('0');
  });

  it('without CAP_SYS_ADMIN and CAP_NET_ADMIN, mount, unshare -m and a link change fail; added or privileged, they work', async () => {
    const def = await attempts('def');
    for (const a of ['mount', 'unshare', 'link']) {
      expect(def[a]?.[0], a).not.toBe(0);
      expect(def[a]?.[1], a).toMatch(/permission denied|not permitted/i);
    }
    const added = await attempts('adddrop');
    expect(added.link, 'NET_ADMIN added').toEqual([0, '']);
    expect(added.mount?.[0]).not.toBe(0);
    const priv = await attempts('priv');
    expect(priv).toEqual({ mount: [0, ''], unshare: [0, ''], link: [0, ''] });
  });

  it('a privileged container has every capability podrun has, no_new_privs off', async () => {
    const s = await status('priv');
    const own = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1];
    expect(mask(s.CapEff)).toBe(mask(own));
    expect(mask(s.CapBnd)).toBe(mask(own));
    expect(s.NoNewPrivs).toBe('0');
  });

  // Paths this kernel lacks (here: /proc/kcore and /proc/sysrq-trigger, on a kernel built
  // without them) must be absent in the container too; every one it has must be masked.
  const MASKED = ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug', '/proc/latency_stats', '/proc/timer_stats'];
  const READ_ONLY = ['/proc/sys', '/proc/sysrq-trigger', '/proc/irq', '/proc/bus', '/proc/fs'];
  const mountsOf = async (ctr: string) => {
    const r = await exec(ctr, 'cat /proc/self/mountinfo');
    expect(r.exitCode, r.stderr).toBe(0);
    return (p: string) => r.stdout.split('\n').find((l) => l.split(' ')[4] === p);
  };

  it('masks the /proc files it has (they read empty) and /sys/firmware (an empty tmpfs)', async () => {
    const present = MASKED.filter((p) => existsSync(p));
    expect(present).toEqual(expect.arrayContaining(['/proc/keys', '/proc/timer_list']));
    for (const p of MASKED) {
      const r = await exec('def', `wc -c < ${p}`);
      if (present.includes(p)) expect([r.exitCode, r.stdout.trim()], p).toEqual([0, '0']);
      else expect(r.exitCode, `${p} absent`).not.toBe(0);
    }
    expect(readFileSync('/proc/keys', 'utf8').length).toBeGreaterThan(0); // the zero comes from the mask
    const fw = await exec('def', 'ls -A /sys/firmware | wc -l; stat -f -c %T /sys/firmware');
    expect(fw.stdout.trim().split('\n')).toEqual(['0', 'tmpfs']);
  });

  it('/proc/sys, /proc/sysrq-trigger, /proc/irq, /proc/bus and /proc/fs are read-only; /sys too; /proc is nosuid,nodev,noexec', async () => {
    // `: >>` opens for writing and writes nothing: a missing mount could never fire a trigger.
    for (const p of ['/proc/sys/kernel/domainname', '/proc/sysrq-trigger']) {
      const r = await exec('def', `: >> ${p}`);
      expect(r.exitCode, p).not.toBe(0);
      expect(r.stderr, p).toMatch(existsSync(p) ? /Read-only file system/ : /nonexistent/);
    }
    const at = await mountsOf('def');
    for (const p of [...READ_ONLY.filter((x) => existsSync(x)), '/sys']) {
      expect(at(p), p).toBeDefined();
      expect(at(p)!.split(' ')[5].split(','), p).toContain('ro');
    }
    expect(at('/proc')!.split(' ')[5].split(',')).toEqual(expect.arrayContaining(['rw', 'nosuid', 'nodev', 'noexec']));
    const sys = await exec('def', 'touch /sys/podrun-test');
    expect(sys.stderr).toMatch(/Read-only file system/);
  });

  it('a privileged container has no masks, a writable /sys and the host\'s devices', async () => {
    const at = await mountsOf('priv');
    for (const p of ['/proc/keys', '/proc/timer_list', '/proc/sys', '/sys/firmware']) expect(at(p), p).toBeUndefined();
    expect(at('/sys')!.split(' ')[5].split(',')).toContain('rw');
    expect(existsSync('/dev/kmsg')).toBe(true);
    const devs = await exec('priv', 'stat -c %t:%T /dev/kmsg');
    expect(devs.stdout.trim()).toBe('1:b');
    expect((await exec('def', 'ls /dev/kmsg')).exitCode).not.toBe(0);
  });

  it('readOnlyRootFilesystem: the root refuses writes, an emptyDir takes them', async () => {
    const root = await exec('rofs', 'touch /new-file');
    expect(root.exitCode).not.toBe(0);
    expect(root.stderr).toMatch(/Read-only file system/);
    const vol = await exec('rofs', 'echo data > /scratch/f && cat /scratch/f');
    expect([vol.exitCode, vol.stdout.trim()], vol.stderr).toEqual([0, 'data']);
    // The same image without it stays writable.
    expect((await exec('def', 'touch /new-file')).exitCode).toBe(0);
  });

  it('the main process leads its own session, with no controlling terminal', async () => {
    const r = await exec('def', 'cat /proc/1/stat');
    const fields = r.stdout.slice(r.stdout.lastIndexOf(')') + 2).split(' ');
    // After ") ": state ppid pgrp session tty_nr.
    expect({ pgrp: fields[2], session: fields[3], tty: fields[4] }).toEqual({ pgrp: '1', session: '1', tty: '0' });
  });

  it('refuses an image whose /proc is a symlink (the mount and its masks would follow it)', async () => {
    const image = mkdtempSync(join(tmpdir(), 'podrun-test-symproc-'));
    try {
      cpSync(BUSYBOX, image, { recursive: true, verbatimSymlinks: true });
      rmSync(join(image, 'proc'), { recursive: true });
      symlinkSync('/', join(image, 'proc'));
      const r = await podrun(root, ['run', '-f', '-'], { input: manifest('hard-symproc', [{ name: 'c', image, command: ['true'] }]) });
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/the image's \/proc is not a directory/);
    } finally {
      await podrun(root, ['rm', '-f', 'hard-symproc']);
      rmSync(image, { recursive: true, force: true });
    }
  });

  it('refuses an unknown capability at create, naming the field, and creates nothing', async () => {
    const bad = manifest('hard-bad', [{ name: 'c', command: ['true'], ...sc({ capabilities: { add: ['NET_ADMIN', 'NET_FOO'] } }) }]);
    const r = await podrun(root, ['create', '-f', '-'], { input: bad });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('spec.containers[0].securityContext.capabilities.add[1]');
    expect(r.stderr).toContain('NET_FOO');
    expect(leftovers(root).pods).not.toContain('hard-bad');
    expect((await podrun(root, ['inspect', 'hard-bad'])).exitCode).toBe(1);
  });
});
