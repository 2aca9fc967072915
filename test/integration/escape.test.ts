// Root-only: part of the escape battery. Each container tries one way out with the default
// hardening (containerd's capabilities, no_new_privs, RuntimeDefault seccomp) and prints
// what the kernel answered; the test asserts the refusal and that the host is unchanged.
// The system calls go through the host root's perl (image "/"), so the numbers are this
// architecture's. Nothing here can harm the host even if a check failed: the reboot call
// asks for LINUX_REBOOT_CMD_CAD_OFF (ctrl-alt-del handling), the clock is set to its
// current value; the host's disk is only ever opened read-only, and nothing is read.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUSYBOX, canRun, manifest, newRoot, ok, podrun, removeRoot, runPod } from './helpers.js';

/** glibc's major()/minor() of a dev_t. */
const majorMinor = (dev: number): [number, number] => [(dev >> 8) & 0xfff, (dev & 0xff) | ((dev >> 12) & 0xfff00)];

/** The host's device nodes: name → "mode rdev ino", to compare before and after. */
function hostDevices(): Record<string, string> {
  return Object.fromEntries(
    readdirSync('/dev').map((n) => {
      const st = statSync(join('/dev', n), { throwIfNoEntry: false });
      return [n, st ? `${st.mode} ${st.rdev} ${st.ino}` : 'gone'];
    }),
  );
}

describe.skipIf(!canRun)('escape battery', () => {
  const root = canRun ? newRoot('escape') : '';
  const pods: string[] = [];

  afterAll(async () => {
    for (const p of pods) await podrun(root, ['rm', '-f', p]);
    await removeRoot(root);
  });

  /** Runs one perl program in a default container on the host root; returns its output. */
  async function perl(name: string, program: string, extra: Record<string, unknown> = {}): Promise<string> {
    pods.push(name);
    await runPod(root, manifest(name, [{ name: 'c', image: '/', command: ['perl', '-e', `require "syscall.ph"; ${program}`], extra }], { restartPolicy: 'Never' }));
    await ok(root, ['wait', '--for', 'completed', '--timeout', '20', name]);
    return (await ok(root, ['logs', name])).trim();
  }

  /** Runs one shell script in a default busybox container (or `image`); returns its output. */
  async function shell(name: string, script: string, extra: Record<string, unknown> = {}, image?: string): Promise<string> {
    pods.push(name);
    await runPod(root, manifest(name, [{ name: 'c', image, command: ['sh', '-c', script], extra }], { restartPolicy: 'Never' }));
    await ok(root, ['wait', '--for', 'completed', '--timeout', '20', name]);
    return (await ok(root, ['logs', name])).trim();
  }

  const EPERM = '1';

  it('cannot set the clock (no CAP_SYS_TIME), and the host clock is unchanged', async () => {
    // settimeofday to the time it is now: harmless even if it were allowed.
    const before = Date.now();
    const out = await perl('esc-clock', 'my $tv = pack("q q", time, 0); syscall(&SYS_settimeofday, $tv, 0) == -1 ? print $!+0 : print "set"');
    expect(out).toBe(EPERM);
    expect(Math.abs(Date.now() - before)).toBeLessThan(60_000);
  });

  it('cannot call reboot(2), even with a harmless command', async () => {
    // 0xfee1dead, 672274793 are the magic numbers; command 0 is LINUX_REBOOT_CMD_CAD_OFF.
    expect(await perl('esc-reboot', 'syscall(&SYS_reboot, 0xfee1dead, 672274793, 0, 0) == -1 ? print $!+0 : print "rebooted"')).toBe(EPERM);
  });

  it('cannot open a raw socket once NET_RAW is dropped (and can with the default set)', async () => {
    const raw = 'socket(my $s, 2, 3, 1) ? print "raw" : print $!+0'; // AF_INET, SOCK_RAW, ICMP
    expect(await perl('esc-raw-default', raw)).toBe('raw');
    expect(await perl('esc-raw-dropped', raw, { securityContext: { capabilities: { drop: ['NET_RAW'] } } })).toBe(EPERM);
  });

  it('cannot see or signal a host process: its PID does not exist in the container', async () => {
    // This test runner's PID on the host; the container's PID namespace has no such process.
    const out = await perl('esc-hostpid', `kill(0, ${process.pid}) ? print "signalled" : print $!+0`);
    expect(out).toBe('3'); // ESRCH
  });

  it('cannot leave its root through chroot and ".."', async () => {
    // The classic escape: chroot into a subdirectory while keeping a handle on the old root,
    // climb out with "..", chroot there. After pivot_root with the old root detached, the
    // top it reaches is the container's own root, so the host's state root is not there.
    const program = [
      'mkdir "/tmp/jail"; opendir(my $d, "/") or die; chroot("/tmp/jail") or die "chroot: $!";',
      'chdir("..") for 1..64; chroot(".") or die "chroot2: $!";',
      `print -e "${root}" ? "escaped" : "inside";`,
    ].join(' ');
    expect(await perl('esc-chroot', program)).toBe('inside');
  });

  it('cannot open the host\'s root block device after making its node: the device filter refuses it, even with CAP_MKNOD', async () => {
    const [major, minor] = majorMinor(statSync('/').dev);
    const before = hostDevices();
    // Nodes made on the overlay root (not nodev), so only the cgroup's filter can refuse the
    // open: the host's root disk, and /dev/loop-control (10:237), which this host opens
    // (opening it does nothing) where it refuses even root to open its mounted root disk.
    const tryOpen = (node: string) => `(exec 3< /tmp/${node} && echo ${node}-opened) 2>&1`;
    const script = `mknod /tmp/disk b ${major} ${minor} && mknod /tmp/lc c 10 237 && echo made; ${tryOpen('disk')}; ${tryOpen('lc')}; ${tryOpen('../dev/null')}`;
    const refused = (node: string) => expect.stringMatching(new RegExp(`can't open .*/tmp/${node}.*: Operation not permitted`));
    expect((await shell('esc-mknod', script)).split('\n')).toEqual(['made', refused('disk'), refused('lc'), '../dev/null-opened']);
    // Without the filter (privileged), the same open succeeds: it was the filter, not the mount.
    expect((await shell('esc-mknod-priv', script, { securityContext: { privileged: true } })).split('\n')).toContain('lc-opened');
    expect(hostDevices()).toEqual(before);
  });

  it('a setuid-root binary gives a non-root user no privileges under no_new_privs (and does without it)', async () => {
    // busybox drops setuid for its applets, so the proof is a setuid-root copy of the host's
    // coreutils cat (with its libraries) in a copy of the test image, reporting its own UIDs.
    const image = mkdtempSync(join(tmpdir(), 'podrun-test-setuid-'));
    try {
      cpSync(BUSYBOX, image, { recursive: true, verbatimSymlinks: true });
      const libs = execFileSync('ldd', ['/usr/bin/cat'], { encoding: 'utf8' }).match(/\/\S+/g) ?? [];
      for (const lib of libs) {
        mkdirSync(join(image, dirname(lib)), { recursive: true });
        copyFileSync(lib, join(image, lib));
      }
      copyFileSync('/usr/bin/cat', join(image, 'bin/suid-cat'));
      chmodSync(join(image, 'bin/suid-cat'), 0o4755);
      const uids = 'suid-cat /proc/self/status | grep ^Uid';
      const user = { runAsUser: 1000, runAsGroup: 1000 };
      // Real, effective, saved, filesystem UID.
      expect(await shell('esc-setuid', uids, { securityContext: user }, image)).toBe('Uid:\t1000\t1000\t1000\t1000');
      expect(await shell('esc-setuid-esc', uids, { securityContext: { ...user, allowPrivilegeEscalation: true } }, image)).toBe('Uid:\t1000\t0\t0\t0');
    } finally {
      rmSync(image, { recursive: true, force: true });
    }
  });

  it('cannot load a kernel module: init_module and finit_module are refused before the kernel sees them', async () => {
    // finit_module(-1, "", 0) and init_module(NULL, 0, "") could load nothing even if allowed.
    const program = 'my $p = ""; syscall(&SYS_finit_module, -1, $p, 0); print $!+0, " "; syscall(&SYS_init_module, 0, 0, $p); print $!+0';
    const modules = existsSync('/proc/modules') ? readFileSync('/proc/modules', 'utf8') : undefined;
    // What the kernel itself answers the host (ENOSYS where it has no module support, EBADF/EFAULT otherwise).
    const host = execFileSync('perl', ['-e', `require "syscall.ph"; ${program}`], { encoding: 'utf8' });
    expect(host).not.toBe(`${EPERM} ${EPERM}`);
    expect(await perl('esc-module', program)).toBe(`${EPERM} ${EPERM}`);
    expect(existsSync('/proc/modules') ? readFileSync('/proc/modules', 'utf8') : undefined).toBe(modules);
  });
});
