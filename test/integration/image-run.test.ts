// Containers from named images: archives made by real tools (umoci's OCI layout, skopeo's
// oci-archive and docker-archive) import and run; the Kubernetes docs' security-context
// Pod runs on busybox:1.36; the image config applies as the kubelet applies it (Entrypoint,
// Cmd, Env, WorkingDir, USER names from /etc/passwd and /etc/group); containers are
// isolated from each other, from new pods and from the store; 60+ layers mount; a missing
// image with imagePullPolicy Never fails create cleanly; image rm waits for the pods.
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256, tarOf, writeLayout } from '../image-archives.js';
import { BUSYBOX, BUSYBOX_TAR, canRun, inspect, leftovers, newRoot, ok, podrun, REPO, removeRoot, runPod, until } from './helpers.js';

const haveTools = canRun && ['umoci', 'skopeo'].every((t) => existsSync(`/usr/bin/${t}`));
if (canRun && !haveTools) process.stderr.write('image-run: the real-tool archive tests skipped: umoci and skopeo are missing (scripts/install-host-deps.sh installs them)\n');

interface Ctr {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value: string }[];
  securityContext?: Record<string, unknown>;
  imagePullPolicy?: string;
}

function pod(name: string, containers: Ctr[], spec: Record<string, unknown> = {}): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 0, containers, ...spec } });
}

const logsOf = async (root: string, p: string, c: string) => (await podrun(root, ['logs', '-c', c, p])).stdout;

describe.skipIf(!canRun)('containers from named images', () => {
  const root = canRun ? newRoot('image-run') : '';
  const work = canRun ? mkdtempSync(join(tmpdir(), 'podrun-test-image-run-work-')) : '';
  const base = canRun ? readFileSync(BUSYBOX_TAR) : Buffer.alloc(0);

  beforeAll(async () => {
    if (!haveTools) return;
    // umoci: an OCI layout of the busybox fixture with an Entrypoint and a Cmd.
    const layout = join(work, 'umoci');
    const umoci = (...a: string[]) => execa('umoci', a);
    await umoci('init', '--layout', layout);
    await umoci('new', '--image', `${layout}:busybox:1.36`);
    await umoci('insert', '--image', `${layout}:busybox:1.36`, BUSYBOX, '/');
    await umoci('config', '--image', `${layout}:busybox:1.36`, '--config.entrypoint', '/bin/echo', '--config.cmd', 'from-umoci', '--config.env', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin');
    await execa('skopeo', ['copy', '--quiet', `oci:${layout}:busybox:1.36`, `oci-archive:${join(work, 'oci.tar')}:busybox:1.36`]);
    await execa('skopeo', ['copy', '--quiet', `oci:${layout}:busybox:1.36`, `docker-archive:${join(work, 'docker.tar')}:tools/docker:1`]);
  });

  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    await removeRoot(root);
  });

  it.skipIf(!haveTools).each([
    ['an OCI layout (umoci)', 'umoci', ['tools:layout']],
    ['an oci-archive (skopeo)', 'oci.tar', ['tools:oci']],
    ['a docker-archive (skopeo), named by its RepoTags', 'docker.tar', []],
  ])('imports %s and runs it', async (_what, file, names) => {
    const id = (await ok(root, ['image', 'import', ...names.flatMap((n) => ['--name', n]), join(work, file)])).trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    const image = names[0] ?? 'tools/docker:1';
    expect(JSON.parse(await ok(root, ['image', 'inspect', image])).id).toBe(id);
    const p = await runPod(root, pod(`tools-${file.replace(/\W/g, '')}`, [{ name: 'plain', image }, { name: 'args', image, args: ['given', 'args'] }], { restartPolicy: 'Never' }));
    try {
      await until('both containers done', async () => (await inspect(root, p)).status.phase === 'Succeeded');
      expect((await logsOf(root, p, 'plain')).trim()).toBe('from-umoci');
      expect((await logsOf(root, p, 'args')).trim()).toBe('given args');
    } finally {
      await ok(root, ['rm', '-f', p]);
    }
  });

  it.skipIf(!haveTools)("runs the Kubernetes docs' security-context Pod after image import --name busybox:1.36", async () => {
    await ok(root, ['image', 'import', '--name', 'busybox:1.36', join(work, 'umoci')]);
    const p = (await ok(root, ['run', '-f', join(REPO, 'test/fixtures/k8s-docs/security-context.yaml')])).trim();
    expect(p).toBe('security-context-demo');
    try {
      await until('running', async () => (await inspect(root, p)).status.containerStatuses[0].state.running);
      expect((await ok(root, ['exec', p, '--', 'id'])).trim()).toMatch(/^uid=1000 gid=3000/);
      // The main process's groups (exec'd processes do not get them yet): fsGroup, then the primary group.
      expect((await ok(root, ['exec', p, '--', 'grep', '^Groups', '/proc/1/status'])).trim()).toBe('Groups:\t2000 3000');
      expect((await ok(root, ['exec', p, '--', 'stat', '-c', '%g', '/data/demo'])).trim()).toBe('2000');
    } finally {
      // sleep as PID 1 ignores SIGTERM: no need to wait out the manifest's 30 s.
      await ok(root, ['stop', '-t', '0', p]);
      await ok(root, ['rm', '-f', p]);
    }
  });

  describe('image config', () => {
    const users = tarOf([
      { path: 'etc/', type: 'dir' },
      { path: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\napp:x:1234:4321::/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' },
      { path: 'etc/group', content: 'root:x:0:\nappgrp:x:4321:\nextra:x:777:app\nnogroup:x:65534:\n' },
      { path: 'srv/', type: 'dir', mode: 0o777 },
    ]);
    const config = {
      config: {
        Entrypoint: ['/bin/sh', '-c'],
        Cmd: ['echo "$GREETING"; pwd; id'],
        Env: ['PATH=/usr/bin:/bin', 'GREETING=from-image'],
        WorkingDir: '/srv',
        User: 'app:appgrp',
      },
    };

    it('applies Entrypoint, Cmd, Env, WorkingDir and a user:group name as the kubelet does', async () => {
      const dir = join(work, 'config');
      writeLayout(dir, { layers: [base, users], config });
      await ok(root, ['image', 'import', '--name', 'cfg:1', dir]);
      const p = await runPod(root, pod('cfg', [
        { name: 'image', image: 'cfg:1' },
        { name: 'env', image: 'cfg:1', env: [{ name: 'GREETING', value: 'from-manifest $(PATH)' }] },
        { name: 'uid', image: 'cfg:1', securityContext: { runAsUser: 65534 } },
        { name: 'cmd', image: 'cfg:1', command: ['/bin/sh', '-c', 'echo own; pwd'] },
      ], { restartPolicy: 'Never' }));
      try {
        await until('done', async () => (await inspect(root, p)).status.phase === 'Succeeded');
        // The kernel keeps the supplementary groups sorted.
        expect((await logsOf(root, p, 'image')).trim().split('\n')).toEqual(['from-image', '/srv', 'uid=1234(app) gid=4321(appgrp) groups=777(extra),4321(appgrp)']);
        expect((await logsOf(root, p, 'env')).trim().split('\n')[0]).toBe('from-manifest /usr/bin:/bin');
        expect((await logsOf(root, p, 'uid')).trim().split('\n')[2]).toBe('uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)');
        expect((await logsOf(root, p, 'cmd')).trim().split('\n')).toEqual(['own', '/srv']);
      } finally {
        await ok(root, ['rm', '-f', p]);
      }
    });

    it("stops with the image's STOPSIGNAL when the manifest names none", async () => {
      const dir = join(work, 'stopsignal');
      writeLayout(dir, { layers: [base], config: { config: { StopSignal: 'SIGUSR1' } } });
      await ok(root, ['image', 'import', '--name', 'stopsig:1', dir]);
      const script = 'trap "echo got-usr1; exit 0" USR1; echo ready; while true; do sleep 0.1; done';
      const p = await runPod(root, pod('stopsig', [{ name: 'c', image: 'stopsig:1', command: ['sh', '-c', script] }]));
      try {
        await until('ready', async () => (await logsOf(root, p, 'c')).includes('ready'));
        await ok(root, ['stop', '-t', '20', p]);
        expect((await logsOf(root, p, 'c')).trim().split('\n')).toEqual(['ready', 'got-usr1']);
      } finally {
        await ok(root, ['rm', '-f', p]);
      }
    });

    it("refuses runAsNonRoot against an image's non-numeric user at create, nothing left", async () => {
      const r = await podrun(root, ['create', '-f', '-'], { input: pod('nonroot', [{ name: 'c', image: 'cfg:1', securityContext: { runAsNonRoot: true } }]) });
      expect(r.exitCode).toBe(2);
      expect(r.stderr.trim()).toBe(
        'podrun: spec.containers[0].securityContext.runAsNonRoot: container has runAsNonRoot and image has non-numeric user (app), cannot verify user is non-root (pod: "nonroot", container: c)',
      );
      expect(leftovers(root).pods).not.toContain('nonroot');
    });
  });

  it('hides lower files behind whiteouts and opaque directories; hard links stay one file', async () => {
    const lower = tarOf([
      { path: 'data/', type: 'dir' },
      { path: 'data/gone', content: 'old' },
      { path: 'data/kept', content: 'kept' },
      { path: 'data/hl1', content: 'linked' },
      { path: 'data/hl2', type: 'link', linkpath: 'data/hl1' },
      { path: 'opq/', type: 'dir' },
      { path: 'opq/old', content: 'old' },
    ]);
    const upper = tarOf([
      { path: 'data/.wh.gone', content: '' },
      { path: 'opq/.wh..wh..opq', content: '' },
      { path: 'opq/new', content: 'new' },
    ]);
    const dir = join(work, 'whiteouts');
    writeLayout(dir, { layers: [base, lower, upper] });
    await ok(root, ['image', 'import', '--name', 'wh:1', dir]);
    const script = 'ls /data; echo --; ls /opq; echo --; [ "$(stat -c %i /data/hl1)" = "$(stat -c %i /data/hl2)" ] && echo same-inode';
    const p = await runPod(root, pod('wh', [{ name: 'c', image: 'wh:1', command: ['sh', '-c', script] }], { restartPolicy: 'Never' }));
    try {
      await until('done', async () => (await inspect(root, p)).status.phase === 'Succeeded');
      expect((await logsOf(root, p, 'c')).trim().split('\n')).toEqual(['hl1', 'hl2', 'kept', '--', 'new', '--', 'same-inode']);
    } finally {
      await ok(root, ['rm', '-f', p]);
    }
  });

  it('isolates containers: a write is seen by neither a sibling, nor a new pod, nor the store', async () => {
    const dir = join(work, 'iso');
    writeLayout(dir, { layers: [base] });
    await ok(root, ['image', 'import', '--name', 'iso:1', dir]);
    const sleeper = (name: string) => ({ name, image: 'iso:1', command: ['sleep', '3600'] });
    const a = await runPod(root, pod('iso-a', [sleeper('one'), sleeper('two')]));
    const b = await runPod(root, pod('iso-b', [sleeper('one')]));
    try {
      await ok(root, ['exec', '-c', 'one', a, '--', 'sh', '-c', 'echo mine > /etc/marker; rm /bin/busybox.keep 2>/dev/null; rm -f /bin/sh; echo x > /bin/busybox 2>/dev/null; true']);
      expect((await podrun(root, ['exec', '-c', 'one', a, '--', '/bin/busybox', 'cat', '/etc/marker'])).stdout.trim()).toBe('mine');
      expect((await podrun(root, ['exec', '-c', 'two', a, '--', 'test', '-e', '/etc/marker'])).exitCode).toBe(1);
      expect((await podrun(root, ['exec', '-c', 'two', a, '--', 'test', '-e', '/bin/sh'])).exitCode).toBe(0);
      expect((await podrun(root, ['exec', b, '--', 'test', '-e', '/etc/marker'])).exitCode).toBe(1);
      const layer = join(root, 'images', 'layers', sha256(base).slice(7), 'diff');
      expect(existsSync(join(layer, 'etc/marker'))).toBe(false);
      expect(existsSync(join(layer, 'bin/sh'))).toBe(true);
      expect(readFileSync(join(layer, 'bin/busybox')).subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    } finally {
      await ok(root, ['rm', '-f', a, b]);
    }
  });

  it('runs an image of 65 layers (the overlay mount data stays under a page)', async () => {
    const layers = [base, ...Array.from({ length: 64 }, (_, i) => tarOf([{ path: 'layers/', type: 'dir' }, { path: `layers/${i}`, content: `layer ${i}\n` }, { path: 'top', content: `${i}\n` }]))];
    const dir = join(work, 'many');
    writeLayout(dir, { layers, gzip: true });
    await ok(root, ['image', 'import', '--name', 'many:65', dir]);
    // Absolute lowerdirs would need more than the 4096-byte page the mount data is.
    const store = join(root, 'images', 'layers');
    expect(layers.map((l) => join(store, sha256(l).slice(7), 'diff')).join(':').length).toBeGreaterThan(4096);
    const p = await runPod(root, pod('many', [{ name: 'c', image: 'many:65', command: ['sh', '-c', 'ls /layers | wc -l; cat /top'] }], { restartPolicy: 'Never' }));
    try {
      await until('done', async () => (await inspect(root, p)).status.phase === 'Succeeded');
      expect((await logsOf(root, p, 'c')).trim().split('\n').map((s) => s.trim())).toEqual(['64', '63']);
    } finally {
      await ok(root, ['rm', '-f', p]);
    }
  });

  it('fails create of a missing image with imagePullPolicy Never: exit 1, one line, nothing left', async () => {
    const r = await podrun(root, ['create', '-f', '-'], { input: pod('missing', [{ name: 'c', image: 'nothere:1.0', imagePullPolicy: 'Never' }]) });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe('podrun: container "c": image "nothere:1.0": not present in the image store, and imagePullPolicy is Never');
    const left = leftovers(root);
    expect(left.pods).not.toContain('missing');
    expect(left.mounts.filter((m) => m.includes('/pods/missing'))).toEqual([]);
    const holds = join(root, 'images', 'holds');
    expect(readdirSync(holds).filter((h) => readFileSync(join(holds, h), 'utf8').includes('/pods/missing/'))).toEqual([]);
  });

  it('refuses an invalid reference at parse time, naming the field', async () => {
    const r = await podrun(root, ['create', '-f', '-'], { input: pod('badref', [{ name: 'c', image: 'Busy Box' }]) });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^podrun: spec\.containers\[0\]\.image: "Busy Box": /);
  });

  it('refuses image rm while a pod uses the image; -f removes it, its layers stay until the pod goes', async () => {
    const own = tarOf([{ path: 'only-here', content: 'x' }]);
    const dir = join(work, 'used');
    writeLayout(dir, { layers: [base, own] });
    await ok(root, ['image', 'import', '--name', 'used:1', dir]);
    const p = await runPod(root, pod('user', [{ name: 'c', image: 'used:1', command: ['sleep', '3600'] }]));
    const layer = join(root, 'images', 'layers', sha256(own).slice(7));
    try {
      const r = await podrun(root, ['image', 'rm', 'used:1']);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/^podrun: image "used:1" \(sha256:[0-9a-f]{64}\) is used by 1 pod\(s\): remove them first or use -f$/);
      await ok(root, ['image', 'rm', '-f', 'used:1']);
      expect(existsSync(layer)).toBe(true);
      expect((await ok(root, ['exec', p, '--', 'cat', '/only-here'])).trim()).toBe('x');
    } finally {
      await ok(root, ['rm', '-f', p]);
    }
    await ok(root, ['images']); // the next store operation collects what only the pod held
    expect(existsSync(layer)).toBe(false);
  });
});
