// Root-only integration tests of the user settings of securityContext with real pods:
// runAsNonRoot refused at create, nothing created; supplementalGroups and fsGroup in the
// process's groups, and fsGroup's ownership of emptyDirs (on disk and Memory); AppArmor
// and SELinux refused at create on a host without them (the test checks that it is one).
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { canRun, inspect, leftovers, manifest, newRoot, podrun, removeRoot, runPod, until } from './helpers.js';

describe.skipIf(!canRun)('container users', () => {
  const root = canRun ? newRoot('users') : '';

  afterAll(async () => {
    await removeRoot(root);
  });

  it.each([
    ['an unset user', { runAsNonRoot: true }, 'spec.containers[0].securityContext.runAsNonRoot', 'container has runAsNonRoot and image will run as root'],
    ['runAsUser 0', { runAsNonRoot: true, runAsUser: 0 }, 'spec.containers[0].securityContext.runAsUser', "container's runAsUser breaks non-root policy"],
  ])('runAsNonRoot refuses %s at create, naming the field, and creates nothing', async (_what, securityContext, field, message) => {
    const bad = manifest('users-root', [{ name: 'c', command: ['true'], extra: { securityContext } }]);
    const r = await podrun(root, ['create', '-f', '-'], { input: bad });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${field}: ${message}`);
    expect(leftovers(root).pods).not.toContain('users-root');
    expect((await podrun(root, ['inspect', 'users-root'])).exitCode).toBe(1);
  });

  it('runAsNonRoot with a non-zero runAsUser runs', async () => {
    const pod = await runPod(root, manifest('users-ok', [{ name: 'c', command: ['sh', '-c', 'id -u; exec sleep 3600'] }], {
      securityContext: { runAsNonRoot: true, runAsUser: 1000 },
    }));
    try {
      const out = await until('the uid in the logs', async () => (await podrun(root, ['logs', '-c', 'c', pod])).stdout.trim());
      expect(out).toBe('1000');
      expect((await inspect(root, pod)).spec.securityContext.runAsNonRoot).toBe(true);
    } finally {
      await podrun(root, ['rm', '-f', pod]);
    }
  });

  it('supplementalGroups and fsGroup are the process\'s groups; emptyDirs are group fsGroup, setgid', async () => {
    const script = [
      'id -G',
      'for d in /disk /mem; do touch $d/f; echo "$d $(stat -c \'%g %A\' $d) $(stat -c %g $d/f)"; done',
      'exec sleep 3600',
    ].join('\n');
    const mounts = [{ name: 'disk', mountPath: '/disk' }, { name: 'mem', mountPath: '/mem' }];
    const pod = await runPod(root, manifest('users-groups', [{ name: 'c', command: ['sh', '-c', script], mounts }], {
      securityContext: { runAsUser: 1000, supplementalGroups: [3000], fsGroup: 2000, fsGroupChangePolicy: 'OnRootMismatch' },
      volumes: [{ name: 'disk', emptyDir: {} }, { name: 'mem', emptyDir: { medium: 'Memory' } }],
    }));
    try {
      const out = await until('the report in the logs', async () => {
        const logs = (await podrun(root, ['logs', '-c', 'c', pod])).stdout;
        return /^\/mem /m.test(logs) ? logs.trim().split('\n') : undefined;
      });
      expect(out).toEqual(['0 2000 3000', '/disk 2000 drwxrwsrwx 2000', '/mem 2000 drwxrwsrwt 2000']);
    } finally {
      await podrun(root, ['rm', '-f', pod]);
    }
  });

  const ANN = 'container.apparmor.security.beta.kubernetes.io/c';
  it.each([
    ['appArmorProfile', {}, { securityContext: { appArmorProfile: { type: 'RuntimeDefault' } } }, 'spec.containers[0].securityContext.appArmorProfile', 'AppArmor is not enabled on this host'],
    ['the AppArmor annotation', { [ANN]: 'localhost/mine' }, {}, `metadata.annotations[${ANN}]`, 'AppArmor is not enabled on this host'],
    ['seLinuxOptions', {}, { securityContext: { seLinuxOptions: { level: 's0:c1,c2' } } }, 'spec.containers[0].securityContext.seLinuxOptions', 'SELinux is not enabled on this host'],
  ])('%s is refused at create on a host without it, and nothing is created', async (_what, annotations, extra, field, message) => {
    // This machine has neither; on one that has them, this test would not apply.
    expect(existsSync('/sys/kernel/security/apparmor') || existsSync('/sys/fs/selinux/enforce')).toBe(false);
    const m = JSON.parse(manifest('users-lsm', [{ name: 'c', command: ['true'], extra }]));
    m.metadata.annotations = annotations;
    const r = await podrun(root, ['create', '-f', '-'], { input: JSON.stringify(m) });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${field}: ${message}`);
    expect(leftovers(root).pods).not.toContain('users-lsm');
    expect((await podrun(root, ['inspect', 'users-lsm'])).exitCode).toBe(1);
  });
});
