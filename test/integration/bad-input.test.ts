// Bad input: every kind of invalid manifest, flag or missing object exits 2 (invalid
// input) or 1 (not found), says so in ONE stderr line naming the field or object at
// fault, and changes nothing on the machine: no pod directory, no mount.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUSYBOX, canRun, inspect, manifest, newRoot, ok, podrun, runPod, stopSupervisor, removeRoot, type Run } from './helpers.js';

const root = canRun ? newRoot('badinput') : '/nonexistent';
const EXISTING = 'bad-input-existing';

function podsDir(): string[] {
  const d = join(root, 'pods');
  return existsSync(d) ? readdirSync(d).sort() : [];
}
function rootMounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(root))
    .map((l) => l.split(' ').slice(4, 5)[0]) // the mount point only
    .sort();
}

interface Expect {
  exit: number;
  /** Substrings the single stderr line must contain (field path / object name). */
  mentions: string[];
}

/** Runs a bad command and checks: exit code, one stderr line naming the culprit, nothing created. */
async function bad(args: string[], want: Expect, opts: { input?: string } = {}): Promise<Run> {
  const podsBefore = podsDir();
  const mountsBefore = rootMounts();
  const r = await podrun(root, args, opts);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  const ctx = `podrun ${args.join(' ')} -> exit ${r.exitCode}, stderr: ${JSON.stringify(r.stderr)}`;
  expect(r.exitCode, ctx).toBe(want.exit);
  expect(lines, ctx).toHaveLength(1);
  for (const m of want.mentions) expect(lines[0], ctx).toContain(m);
  expect(podsDir(), ctx).toEqual(podsBefore);
  expect(rootMounts(), ctx).toEqual(mountsBefore);
  return r;
}

/** `create -f -` of a manifest object (JSON). */
const createObj = (obj: unknown, want: Expect) => bad(['create', '-f', '-'], want, { input: JSON.stringify(obj) });

const ctr = (name = 'main', extra: Record<string, unknown> = {}) => ({ name, image: BUSYBOX, command: ['sleep', '1000'], ...extra });
const pod = (name: string, spec: Record<string, unknown> = {}, top: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { terminationGracePeriodSeconds: 0, containers: [ctr()], ...spec },
  ...top,
});

describe.skipIf(!canRun)('bad input changes nothing and names the culprit', () => {
  beforeAll(async () => {
    await runPod(root, manifest(EXISTING, [{ name: 'main', command: ['sleep', '1000'] }]));
    expect((await inspect(root, EXISTING)).status.phase).toBe('Running');
  }, 30_000);

  afterAll(async () => {
    await podrun(root, ['rm', '-f', EXISTING]);
    await removeRoot(root);
  }, 30_000);

  // ---- manifests ------------------------------------------------------------------------

  it('rejects a pod name with ".."', async () => {
    await createObj(pod('a..b'), { exit: 2, mentions: ['metadata.name'] });
    await createObj(pod('..'), { exit: 2, mentions: ['metadata.name'] });
  });

  it('rejects a pod name with "/" (no path traversal)', async () => {
    await createObj(pod('../escape'), { exit: 2, mentions: ['metadata.name'] });
    await createObj(pod('a/b'), { exit: 2, mentions: ['metadata.name'] });
    expect(existsSync(join(root, 'escape'))).toBe(false);
    expect(existsSync(join(root, 'pods', 'a'))).toBe(false);
  });

  it('rejects an upper-case pod name', async () => {
    await createObj(pod('MyPod'), { exit: 2, mentions: ['metadata.name'] });
  });

  it('rejects a 254-character pod name (253 is the limit)', async () => {
    await createObj(pod('a'.repeat(254)), { exit: 2, mentions: ['metadata.name'] });
  });

  it('rejects duplicate container names', async () => {
    await createObj(pod('dup-ctr', { containers: [ctr('same'), ctr('same')] }), { exit: 2, mentions: ['spec.containers[1].name'] });
  });

  it('rejects a container without an image', async () => {
    await createObj(pod('no-image', { containers: [{ name: 'main', command: ['true'] }] }), {
      exit: 2,
      mentions: ['spec.containers[0].image'],
    });
  });

  it('rejects an image path that does not exist', async () => {
    await createObj(pod('missing-image', { containers: [ctr('main', { image: '/nonexistent/rootfs' })] }), {
      exit: 2,
      mentions: ['spec.containers[0].image'],
    });
  });

  it('rejects an image name that is not a valid reference', async () => {
    await createObj(pod('named-image', { containers: [ctr('main', { image: 'nginx:-bad' })] }), {
      exit: 2,
      mentions: ['spec.containers[0].image'],
    });
  });

  it('rejects malformed YAML on stdin', async () => {
    await bad(['create', '-f', '-'], { exit: 2, mentions: ['YAML'] }, { input: 'apiVersion: v1\nkind: Pod\nmetadata: {name: [oops\n  spec: :\n' });
  });

  it('rejects a wrong kind', async () => {
    await createObj(pod('wrong-kind', {}, { kind: 'Deployment' }), { exit: 2, mentions: ['kind'] });
  });

  it('rejects a wrong apiVersion', async () => {
    await createObj(pod('wrong-api', {}, { apiVersion: 'apps/v1' }), { exit: 2, mentions: ['apiVersion'] });
  });

  it('rejects an unknown field', async () => {
    await createObj(pod('unknown-field', { containers: [ctr('main', { bogusField: 1 })] }), {
      exit: 2,
      mentions: ['spec.containers[0].bogusField'],
    });
  });

  it('rejects a negative terminationGracePeriodSeconds', async () => {
    await createObj(pod('neg-grace', { terminationGracePeriodSeconds: -1 }), {
      exit: 2,
      mentions: ['spec.terminationGracePeriodSeconds'],
    });
  });

  it('rejects a volume mount of an undeclared volume', async () => {
    await createObj(pod('undeclared-vol', { containers: [ctr('main', { volumeMounts: [{ name: 'data', mountPath: '/data' }] })] }), {
      exit: 2,
      mentions: ['spec.containers[0].volumeMounts[0].name'],
    });
  });

  it('rejects a malformed quantity in resources.limits, naming the field', async () => {
    await createObj(pod('limits', { containers: [ctr('main', { resources: { limits: { memory: '64MB' } } })] }), {
      exit: 2,
      mentions: ['spec.containers[0].resources.limits.memory', '"64MB"'],
    });
  });

  it('rejects -f of a missing file', async () => {
    await bad(['create', '-f', '/nonexistent/pod.yaml'], { exit: 2, mentions: ['-f', '/nonexistent/pod.yaml'] });
    await bad(['run', '-f', '/nonexistent/pod.yaml'], { exit: 2, mentions: ['-f', '/nonexistent/pod.yaml'] });
  });

  it('rejects a bad manifest given as a file too (run -f FILE)', async () => {
    const f = join(root, 'bad-pod.yaml');
    writeFileSync(f, JSON.stringify(pod('file-bad', { terminationGracePeriodSeconds: -5 })));
    await bad(['run', '-f', f], { exit: 2, mentions: ['spec.terminationGracePeriodSeconds'] });
  });

  // ---- flags and missing objects ------------------------------------------------------

  it('rejects an unknown signal to kill, and the pod is unharmed', async () => {
    await bad(['kill', '-s', 'FOO', EXISTING], { exit: 2, mentions: ['--signal', 'FOO'] });
    const p = await inspect(root, EXISTING);
    expect(p.status.phase).toBe('Running');
    expect(p.status.containerStatuses[0].state.running).toBeTruthy();
  });

  it('exec into a missing pod exits 1 naming the pod', async () => {
    await bad(['exec', 'no-such-pod', '--', 'true'], { exit: 1, mentions: ['no-such-pod'] });
  });

  it('exec -c of a missing container exits 1 naming the container', async () => {
    await bad(['exec', '-c', 'nosuch', EXISTING, '--', 'true'], { exit: 1, mentions: ['nosuch'] });
  });

  it('exec -it without a terminal on stdin says so, as Docker does (exit 1)', async () => {
    await bad(['exec', '-it', EXISTING, '--', 'true'], { exit: 1, mentions: ['the input device is not a TTY'] });
  });

  it('attach with bad detach keys names the flag (exit 2)', async () => {
    await bad(['attach', '--detach-keys', 'ctrl-P', EXISTING], { exit: 2, mentions: ['--detach-keys', 'ctrl-P'] });
  });

  it('rm of a missing pod exits 1; rm -f of a missing pod exits 0', async () => {
    await bad(['rm', 'no-such-pod'], { exit: 1, mentions: ['no-such-pod'] });
    const r = await podrun(root, ['rm', '-f', 'no-such-pod']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('logs of a missing pod exits 1 naming the pod', async () => {
    await bad(['logs', 'no-such-pod'], { exit: 1, mentions: ['no-such-pod'] });
  });

  it('inspect of a missing pod exits 1 naming the pod', async () => {
    await bad(['inspect', 'no-such-pod'], { exit: 1, mentions: ['no-such-pod'] });
  });

  it('wait --for bogus exits 2 naming --for', async () => {
    await bad(['wait', '--for', 'bogus', EXISTING], { exit: 2, mentions: ['--for'] });
  });

  it('a bad probe or hook exits 2 naming its field path', async () => {
    await createObj(pod('bad-probe', { containers: [ctr('main', { livenessProbe: { exec: { command: ['true'] }, periodSeconds: -1 } })] }), {
      exit: 2,
      mentions: ['spec.containers[0].livenessProbe.periodSeconds'],
    });
    await createObj(pod('bad-hook', { containers: [ctr('main', { lifecycle: { preStop: { exec: { command: ['true'] }, httpGet: { port: 80 } } } })] }), {
      exit: 2,
      mentions: ['spec.containers[0].lifecycle.preStop'],
    });
  });

  it('a bad supervisor setting in the environment exits 2 naming the variable, and starts nothing', async () => {
    const fresh = join(root, 'fresh-root');
    for (const [name, value] of [['PODRUN_BACKOFF_MAX_SECONDS', 'soon'], ['PODRUN_LOG_MAX_SIZE', 'huge']]) {
      const r = await podrun(fresh, ['list'], { env: { [name]: value } });
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(name);
      expect(existsSync(fresh)).toBe(false);
    }
  });

  it('create of a name that already exists exits 1, and the existing pod is unharmed', async () => {
    const before = await inspect(root, EXISTING);
    await bad(['create', '-f', '-'], { exit: 1, mentions: [EXISTING] }, { input: manifest(EXISTING, [{ name: 'other', command: ['sleep', '5'] }]) });
    const after = await inspect(root, EXISTING);
    expect(after.status.phase).toBe('Running');
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(after.status.containerStatuses.map((c: any) => c.name)).toEqual(['main']);
    expect(after.status.containerStatuses[0].pid).toBe(before.status.containerStatuses[0].pid);
    expect(after.status.sandbox).toEqual(before.status.sandbox);
    // And it still works.
    expect((await ok(root, ['exec', EXISTING, '--', 'echo', 'alive'])).trim()).toBe('alive');
  });
});
