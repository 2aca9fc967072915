// Root-only: an exec'd process is held exactly as its container's main process is. For
// `podrun exec` (the CLI restricts itself, then spawns) and for exec hooks and probes
// (the supervisor's exec stage), /proc/self/status of the exec'd process shows the same
// user, groups, five capability sets, no_new_privs and seccomp filter as /proc/1/status
// of the main process; a Localhost profile's denied syscall is denied in exec too; the
// exec'd process leads its own session; `exec -u` changes the user and nothing else; and
// the CLI does not stay in the container's cgroup while its command runs; a failure once
// the CLI has started moving into the cgroup is one line and exit 125.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { canRun, inStandInHost, manifest, newRoot, ok, PODRUN, podrun, processesIn, removeRoot, runPod, until } from './helpers.js';

const FIELDS = ['Uid', 'Gid', 'Groups', 'CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs', 'Seccomp', 'Seccomp_filters'];
const pick = (status: string): Record<string, string> =>
  Object.fromEntries(
    status
      .split('\n')
      .map((l) => l.split(/:\s*/))
      .filter(([k]) => FIELDS.includes(k))
      .map(([k, v]) => [k, v.trim()]),
  );
/** pid, pgrp, session and tty_nr from /proc/PID/stat. */
const sessionOf = (stat: string) => {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pid: stat.split(' ')[0], pgrp: f[2], session: f[3], tty: f[4] };
};

const sleeper = (name: string, securityContext: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  name,
  command: ['sleep', '3600'],
  extra: { securityContext, ...extra },
});

// The hook and the probe record what they are: status and stat of their own process.
const record = (tag: string) => ['sh', '-c', `cat /proc/self/status > /tmp/${tag}.status; cat /proc/self/stat > /tmp/${tag}.stat`];

describe.skipIf(!canRun)('exec inherits the container\'s restrictions', () => {
  const root = canRun ? newRoot('exec-hard') : '';
  const POD = 'exh-a';
  const exec = (args: string[]) => podrun(root, ['exec', ...args], { timeout: 15_000 });
  const statusOf = async (ctr: string, path: string, user: string[] = []) => {
    const r = await exec([...user, '-c', ctr, POD, '--', 'cat', path]);
    expect(r.exitCode, r.stderr).toBe(0);
    return pick(r.stdout);
  };

  beforeAll(async () => {
    mkdirSync(join(root, 'seccomp', 'profiles'), { recursive: true });
    writeFileSync(
      join(root, 'seccomp', 'profiles', 'deny-mkdir.json'),
      JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] }),
    );
    await runPod(
      root,
      manifest(
        POD,
        [
          sleeper('def'),
          sleeper('user', { runAsUser: 1000, runAsGroup: 1000, capabilities: { add: ['NET_ADMIN'] } }),
          sleeper('none', { capabilities: { drop: ['ALL'] } }),
          sleeper('esc', { allowPrivilegeEscalation: true }),
          sleeper('priv', { privileged: true }),
          sleeper('local', { seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/deny-mkdir.json' } }),
          // Mounts a smaller capability count over the kernel's, which exec must not believe.
          {
            name: 'sysadmin',
            command: ['sh', '-c', 'echo 0 > /tmp/last && mount --bind /tmp/last /proc/sys/kernel/cap_last_cap && exec sleep 3600'],
            extra: { securityContext: { capabilities: { add: ['SYS_ADMIN'] } } },
          },
          sleeper('hooked', { runAsUser: 1000 }, {
            lifecycle: { postStart: { exec: { command: record('hook') } } },
            readinessProbe: { exec: { command: record('probe') }, periodSeconds: 1 },
          }),
        ],
        { securityContext: { supplementalGroups: [4242], fsGroup: 555 } },
      ),
    );
  });

  afterAll(async () => {
    await podrun(root, ['rm', '-f', POD]);
    await removeRoot(root);
  });

  it.each(['def', 'user', 'none', 'esc', 'priv', 'local', 'sysadmin'])('podrun exec in "%s": the same user, groups, capabilities, no_new_privs and seccomp as the main process', async (ctr) => {
    const main = await statusOf(ctr, '/proc/1/status');
    expect(Object.keys(main)).toHaveLength(FIELDS.length);
    expect(await statusOf(ctr, '/proc/self/status')).toEqual(main);
  });

  it('a container that mounts over /proc/sys/kernel/cap_last_cap does not widen an exec\'d process\'s bounding set', async () => {
    expect(await ok(root, ['exec', '-c', 'sysadmin', POD, '--', 'cat', '/proc/sys/kernel/cap_last_cap'])).toBe('0');
    const main = await statusOf('sysadmin', '/proc/1/status');
    expect((await statusOf('sysadmin', '/proc/self/status')).CapBnd).toBe(main.CapBnd);
  });

  it('the groups are the pod\'s supplementalGroups and fsGroup, which exec keeps (libuv would drop them)', async () => {
    expect((await statusOf('user', '/proc/self/status')).Groups.split(' ').sort()).toEqual(['4242', '555']);
  });

  it('a Localhost profile\'s denied syscall is denied in exec too, and only that one', async () => {
    const r = await exec(['-c', 'local', POD, '--', 'sh', '-c', 'mkdir /tmp/d || echo mkdir-failed; touch /tmp/f && echo touch-works']);
    expect(r.stderr).toMatch(/Permission denied/);
    expect(r.stdout.trim().split('\n')).toEqual(['mkdir-failed', 'touch-works']);
    expect((await exec(['-c', 'def', POD, '--', 'mkdir', '/tmp/d'])).exitCode).toBe(0);
  });

  it('exec -u changes the user and keeps the groups, bounding set, no_new_privs and filter', async () => {
    const main = await statusOf('user', '/proc/1/status');
    const asRoot = await statusOf('user', '/proc/self/status', ['-u', '0']);
    expect(asRoot.Uid).toBe('0\t0\t0\t0');
    expect(asRoot.Gid).toBe('0\t0\t0\t0');
    // As root after execve, the permitted set is the bounding set (no_new_privs caps it at the kept set).
    expect(asRoot.CapEff).toBe(main.CapBnd);
    for (const k of ['Groups', 'CapBnd', 'NoNewPrivs', 'Seccomp', 'Seccomp_filters']) expect(asRoot[k], k).toBe(main[k]);
    const other = await statusOf('def', '/proc/self/status', ['-u', '1234:99']);
    expect([other.Uid, other.Gid, other.CapEff]).toEqual(['1234\t1234\t1234\t1234', '99\t99\t99\t99', '0000000000000000']);
  });

  it('the exec\'d process leads its own session, with no controlling terminal', async () => {
    const s = sessionOf(await ok(root, ['exec', '-c', 'def', POD, '--', 'cat', '/proc/self/stat']));
    expect({ pgrp: s.pgrp, session: s.session, tty: s.tty }).toEqual({ pgrp: s.pid, session: s.pid, tty: '0' });
  });

  it('an exec hook and an exec probe run with the main process\'s restrictions, in their own session', async () => {
    const main = await statusOf('hooked', '/proc/1/status');
    for (const tag of ['hook', 'probe']) {
      const status = await until(`${tag} status`, async () => {
        const r = await exec(['-c', 'hooked', POD, '--', 'cat', `/tmp/${tag}.status`]);
        return r.exitCode === 0 && r.stdout.includes('Seccomp_filters') ? r.stdout : undefined;
      });
      expect(pick(status), tag).toEqual(main);
      const s = sessionOf(await ok(root, ['exec', '-c', 'hooked', POD, '--', 'cat', `/tmp/${tag}.stat`]));
      expect({ pgrp: s.pgrp, session: s.session, tty: s.tty }, tag).toEqual({ pgrp: s.pid, session: s.pid, tty: '0' });
    }
  });

  it('a probe whose command is missing fails with the exec stage\'s error', async () => {
    const name = 'exh-missing';
    await runPod(root, manifest(name, [sleeper('c', {}, { readinessProbe: { exec: { command: ['no-such-cmd'] }, periodSeconds: 1 } })]));
    try {
      const ev = await until('probe failure event', async () => {
        const out = await podrun(root, ['events', name]);
        return /no-such-cmd: executable file not found/.test(out.stdout) ? out.stdout : undefined;
      });
      expect(ev).toMatch(/Unhealthy/);
    } finally {
      await podrun(root, ['rm', '-f', name]);
    }
  });

  it('podrun exec leaves the container\'s cgroup once its command is spawned', async () => {
    const rec = JSON.parse(readFileSync(join(root, 'pods', POD, 'pod.json'), 'utf8'));
    const cg: string = rec.containers.find((c: { name: string }) => c.name === 'def').cgroup;
    const running = podrun(root, ['exec', '-c', 'def', POD, '--', 'sleep', '3']);
    try {
      // While it enters, the CLI (node) is in the cgroup, and so is its child until execve;
      // once the exec'd sleep runs, only sleeps are left there: the CLI went back.
      const comms = () => processesIn(cg).map((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim());
      const names = await until('only the main and the exec\'d sleep in the cgroup', () => {
        const n = comms();
        return n.length === 2 && n.every((x) => x === 'sleep') ? n : undefined;
      }, 2500, 20);
      expect(names).toEqual(['sleep', 'sleep']);
    } finally {
      await running;
    }
  });

  it('a failure once the CLI has started moving into the cgroup (the container\'s InitConfig gone) is one line, exit 125, and the command does not run', async () => {
    const cfg = join(root, 'pods', POD, 'containers', 'def', 'init.json');
    const cg: string = JSON.parse(readFileSync(join(root, 'pods', POD, 'pod.json'), 'utf8')).containers.find((c: { name: string }) => c.name === 'def').cgroup;
    const before = processesIn(cg).length;
    renameSync(cfg, `${cfg}.aside`);
    try {
      const r = await exec(['-c', 'def', POD, '--', 'touch', '/tmp/ran']);
      expect(r.exitCode).toBe(125);
      expect(r.stderr.trim().split('\n')).toEqual([`podrun: container "def": its configuration ${cfg} is missing`]);
    } finally {
      renameSync(`${cfg}.aside`, cfg);
    }
    expect((await exec(['-c', 'def', POD, '--', 'ls', '/tmp/ran'])).exitCode).not.toBe(0);
    expect(processesIn(cg).length).toBe(before);
  });

  it('a signal to podrun exec reaches the command (its own session does not get the terminal\'s), and podrun exits as it did', async () => {
    const rec = JSON.parse(readFileSync(join(root, 'pods', POD, 'pod.json'), 'utf8'));
    const cg: string = rec.containers.find((c: { name: string }) => c.name === 'def').cgroup;
    const cli = execa(...inStandInHost(PODRUN, ['--root', root, 'exec', '-c', 'def', POD, '--', 'sleep', '30']), { reject: false });
    const sleepPid = await until('the exec\'d sleep', () => processesIn(cg).find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8') === 'sleep\x0030\x00'));
    cli.kill('SIGTERM');
    expect((await cli).exitCode).toBe(143); // 128 + SIGTERM: the command's end
    await until('the command gone', () => !processesIn(cg).includes(sleepPid) || undefined);
  });
});
