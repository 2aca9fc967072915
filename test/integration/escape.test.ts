// Root-only: part of the escape battery. Each container tries one way out with the default
// hardening (containerd's capabilities, no_new_privs, RuntimeDefault seccomp) and prints
// what the kernel answered; the test asserts the refusal and that the host is unchanged.
// The system calls go through the host root's perl (image "/"), so the numbers are this
// architecture's. Nothing here can harm the host even if a check failed: the reboot call
// asks for LINUX_REBOOT_CMD_CAD_OFF (ctrl-alt-del handling), the clock is set to its
// current value.
import { afterAll, describe, expect, it } from 'vitest';
import { canRun, manifest, newRoot, ok, podrun, removeRoot, runPod } from './helpers.js';

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
});
