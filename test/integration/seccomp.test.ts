// Root-only: seccomp profiles on real pods. Each container prints what it observed and
// exits; the test reads its log, so the container's own process is what is checked (that
// exec gets the same filter is exec-hardening.test.ts's). Errnos are the profiles': RuntimeDefault answers EPERM
// for what it does not allow (defaultErrnoRet 1), the Localhost profile here EACCES.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canRun, manifest, newRoot, ok, podrun, removeRoot, runPod } from './helpers.js';

describe.skipIf(!canRun)('seccomp profiles', () => {
  const root = canRun ? newRoot('seccomp') : '';
  const pods: string[] = [];

  afterAll(async () => {
    for (const p of pods) await podrun(root, ['rm', '-f', p]);
    await removeRoot(root);
  });

  /** Runs one container to completion and returns its output. */
  async function output(name: string, command: string[], extra: Record<string, unknown> = {}, spec: Record<string, unknown> = {}, image?: string): Promise<string> {
    pods.push(name);
    await runPod(root, manifest(name, [{ name: 'c', command, image, extra }], { restartPolicy: 'Never', ...spec }));
    await ok(root, ['wait', '--for', 'completed', '--timeout', '20', name]);
    return ok(root, ['logs', name]);
  }

  const seccompOf = (type: string, localhostProfile?: string) => ({ securityContext: { seccompProfile: { type, ...(localhostProfile ? { localhostProfile } : {}) } } });
  const status = ['sh', '-c', 'grep "^Seccomp:" /proc/self/status'];
  // keyctl(KEYCTL_GET_KEYRING_ID, 0, ...) on the host root's perl: EINVAL without a filter.
  const keyctl = ['perl', '-e', 'require "syscall.ph"; syscall(&SYS_keyctl, 0, 0, 0, 0, 0); print $!+0, "\\n"'];

  it('applies RuntimeDefault by default and nothing with Unconfined', async () => {
    expect(await output('sc-default', status)).toMatch(/^Seccomp:\s+2$/m);
    expect(await output('sc-unconfined', status, seccompOf('Unconfined'))).toMatch(/^Seccomp:\s+0$/m);
  });

  it('Node (which the probe tests run in containers) works under RuntimeDefault: files, timers, a listening socket', async () => {
    const js = "const s=require('fs').readFileSync('/proc/self/status','utf8').match(/^Seccomp:.*$/m)[0];" +
      "setTimeout(()=>require('net').createServer().listen(0,'127.0.0.1',function(){console.log(s, 'listening', this.address().port>0);process.exit(0)}),10)";
    const out = await output('sc-node', [process.execPath, '-e', js], {}, {}, '/');
    expect(out).toMatch(/^Seccomp:\s+2 listening true$/m);
  });

  it('filters a container without no_new_privs too (installed before the capabilities drop), and no privileged one', async () => {
    const both = ['sh', '-c', 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status'];
    const escalating = await output('sc-escalate', both, { securityContext: { allowPrivilegeEscalation: true } });
    expect(escalating).toMatch(/^NoNewPrivs:\s+0$/m);
    expect(escalating).toMatch(/^Seccomp:\s+2$/m);
    expect(await output('sc-privileged', both, { securityContext: { privileged: true } })).toMatch(/^Seccomp:\s+0$/m);
  });

  it('takes the container profile over the pod profile', async () => {
    expect(await output('sc-override', status, seccompOf('RuntimeDefault'), seccompOf('Unconfined'))).toMatch(/^Seccomp:\s+2$/m);
  });

  it('RuntimeDefault refuses keyctl with EPERM, where Unconfined reaches the kernel', async () => {
    expect((await output('sc-keyctl', keyctl, {}, {}, '/')).trim()).toBe('1');
    expect((await output('sc-keyctl-open', keyctl, seccompOf('Unconfined'), {}, '/')).trim()).toBe('22');
  });

  it('RuntimeDefault refuses unshare -U without CAP_SYS_ADMIN (a non-root user), Unconfined does not', async () => {
    const user = { runAsUser: 1000, runAsGroup: 1000 };
    const cmd = ['sh', '-c', 'unshare -U true && echo unshared; grep "^NoNewPrivs:" /proc/self/status'];
    const confined = await output('sc-unshare', cmd, { securityContext: user });
    expect(confined).toMatch(/Operation not permitted/);
    expect(confined).not.toMatch(/unshared/);
    expect(confined).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(await output('sc-unshare-open', cmd, { securityContext: { ...user, seccompProfile: { type: 'Unconfined' } } })).toMatch(/unshared/);
  });

  it('a Localhost profile denies exactly what it lists', async () => {
    mkdirSync(join(root, 'seccomp', 'profiles'), { recursive: true });
    const profile = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
    };
    writeFileSync(join(root, 'seccomp', 'profiles', 'deny-mkdir.json'), JSON.stringify(profile));
    const out = await output(
      'sc-local',
      ['sh', '-c', 'mkdir /tmp/d || echo mkdir-failed; touch /tmp/f && ls /tmp && echo others-work'],
      seccompOf('Localhost', 'profiles/deny-mkdir.json'),
    );
    expect(out).toMatch(/Permission denied/);
    expect(out).toMatch(/mkdir-failed/);
    expect(out).toMatch(/^f$/m);
    expect(out).toMatch(/others-work/);
  });

  it('a missing or malformed Localhost profile fails create, naming the field and the file, and changes nothing', async () => {
    mkdirSync(join(root, 'seccomp'), { recursive: true });
    writeFileSync(join(root, 'seccomp', 'bad.json'), JSON.stringify({ defaultAction: 'SCMP_ACT_NOPE' }));
    const before = readdirSync(join(root, 'pods'));
    const field = 'spec.containers[0].securityContext.seccompProfile.localhostProfile';
    const bad = await podrun(root, ['create', '-f', '-'], { input: manifest('sc-bad', [{ name: 'c', command: ['true'], extra: seccompOf('Localhost', 'bad.json') }]) });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain(field);
    expect(bad.stderr).toContain(join(root, 'seccomp', 'bad.json'));
    expect(bad.stderr).toMatch(/defaultAction/);
    const missing = await podrun(root, ['create', '-f', '-'], {
      input: manifest('sc-missing', [{ name: 'c', command: ['true'] }], { securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'none.json' } } }),
    });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('spec.securityContext.seccompProfile.localhostProfile');
    expect(missing.stderr).toContain(join(root, 'seccomp', 'none.json'));
    expect(readdirSync(join(root, 'pods'))).toEqual(before);
    const list = JSON.parse(await ok(root, ['list', '-o', 'json']));
    expect(list.items.map((p: any) => p.metadata.name)).not.toContain('sc-bad');
  });
});
