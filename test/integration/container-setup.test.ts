// Root-only integration tests of what a container's set-up gives it: the standard /dev
// nodes usable by a non-root user (on an image and on the host root "/"), and a Memory
// emptyDir whose tmpfs has the size its sizeLimit asks for.
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRun, manifest, newRoot, podrun, removeRoot, runPod } from './helpers.js';

const NODES = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];

describe.skipIf(!canRun)('container set-up', () => {
  const root = canRun ? newRoot('setup') : '';
  const POD = 'setup-a';

  const exec = (ctr: string, script: string) => podrun(root, ['exec', '-c', ctr, POD, '--', 'sh', '-c', script], { timeout: 15_000 });

  beforeAll(async () => {
    const asUser = { securityContext: { runAsUser: 1000, runAsGroup: 1000 } };
    await runPod(
      root,
      manifest(
        POD,
        [
          {
            name: 'img',
            command: ['sleep', '3600'],
            extra: asUser,
            mounts: [
              { name: 'mem', mountPath: '/mem' },
              { name: 'tiny', mountPath: '/tiny' },
            ],
          },
          { name: 'host', image: '/', command: ['/bin/sleep', '3600'], extra: asUser },
        ],
        {
          volumes: [
            { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
            // Kubernetes' milli-suffix: 0.4 bytes, which rounds up to 1, which tmpfs makes a page.
            { name: 'tiny', emptyDir: { medium: 'Memory', sizeLimit: '400m' } },
          ],
        },
      ),
    );
  });

  afterAll(async () => {
    await podrun(root, ['rm', '-f', POD]);
    await removeRoot(root);
  });

  for (const ctr of ['img', 'host']) {
    it(`${ctr}: the /dev nodes are 0666 character devices that a non-root user can use`, async () => {
      const id = await exec(ctr, 'id -u');
      expect(id.stdout.trim()).toBe('1000');
      const modes = await exec(ctr, `stat -c '%n %F %a' ${NODES.map((n) => `/dev/${n}`).join(' ')}`);
      expect(modes.exitCode, modes.stderr).toBe(0);
      expect(modes.stdout.trim().split('\n')).toEqual(NODES.map((n) => `/dev/${n} character special file 666`));

      // Writes: the sinks take them; /dev/full opens for writing, then refuses the data.
      for (const n of ['null', 'zero', 'random', 'urandom']) {
        const w = await exec(ctr, `echo data > /dev/${n}`);
        expect(w.exitCode, `write /dev/${n}: ${w.stderr}`).toBe(0);
      }
      const full = await exec(ctr, 'exec 3>/dev/full && echo opened && echo data >&3');
      expect(full.stdout.trim(), full.stderr).toBe('opened');
      expect(full.exitCode).not.toBe(0);
      expect(full.stderr).not.toMatch(/Permission denied/);
      // Reads: 16 bytes from each source, none from /dev/null.
      for (const n of ['zero', 'full', 'random', 'urandom']) {
        const r = await exec(ctr, `head -c 16 /dev/${n} | wc -c`);
        expect(r.exitCode, `read /dev/${n}: ${r.stderr}`).toBe(0);
        expect(r.stdout.trim(), `read /dev/${n}`).toBe('16');
      }
      const nul = await exec(ctr, 'wc -c < /dev/null');
      expect(nul.exitCode, nul.stderr).toBe(0);
      expect(nul.stdout.trim()).toBe('0');
      // No controlling terminal: opening /dev/tty fails with ENXIO, which proves the
      // permission check passed (EACCES comes first).
      const tty = await exec(ctr, 'echo data > /dev/tty');
      expect(tty.exitCode).not.toBe(0);
      expect(tty.stderr).toMatch(/No such device or address/);
    });
  }

  // df -k: the size column, in KiB.
  const sizeKiB = async (path: string) => {
    const df = await exec('img', `df -k ${path} | tail -n 1 | awk '{print $2}'`);
    expect(df.exitCode, df.stderr).toBe(0);
    return Number(df.stdout.trim());
  };

  it('a Memory emptyDir is a tmpfs of its sizeLimit in bytes, rounded up', async () => {
    expect(await sizeKiB('/mem')).toBe(64 * 1024);
    const w = await exec('img', 'echo hi > /mem/f && cat /mem/f');
    expect(w.stdout.trim()).toBe('hi');
    const page = Number((await execa('getconf', ['PAGESIZE'])).stdout);
    expect(await sizeKiB('/tiny')).toBe(page / 1024);
  });
});
