// Root-only integration tests of the user settings of securityContext with real pods:
// runAsNonRoot refused at create, nothing created.
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
});
