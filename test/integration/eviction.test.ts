// Ephemeral-storage eviction on the real disk: the supervisor measures pods with limits
// every PODRUN_STORAGE_CHECK_SECONDS (0.3 s here) and evicts, as the kubelet does, a pod
// whose container wrote past its ephemeral-storage limit (past the pod's total for a single
// container, whose limit that total is), whose emptyDir passed its
// sizeLimit, or whose containers together passed the pod's total: phase Failed, reason
// Evicted, the kubelet's message, a Warning event, containers killed and not restarted.
// A pod within its limits stays; rm leaves nothing behind.
import { afterAll, describe, expect, it } from 'vitest';
import { canRun, leftovers, manifest, newRoot, podrunAt, removeRoot, until } from './helpers.js';

const root = canRun ? newRoot('evict') : '/nonexistent';
const { pr, ok } = podrunAt(root, { PODRUN_STORAGE_CHECK_SECONDS: '0.3', PODRUN_BACKOFF_INITIAL_SECONDS: '1' });
const inspect = async (pod: string) => JSON.parse(await ok(['inspect', pod]));
const events = async (pod: string) => (await ok(['events', '-o', 'json', pod])).trim().split('\n').map((l) => JSON.parse(l));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** After a second (so that `run` has returned), writes `kib` KiB to `path` (fsync: the blocks are allocated), then idles. */
const writer = (name: string, path: string, kib: number, limit?: string) => ({
  name,
  command: ['sh', '-c', `sleep 1; dd if=/dev/zero of=${path} bs=1024 count=${kib} conv=fsync 2>/dev/null; exec sleep 3600`],
  ...(limit ? { extra: { resources: { limits: { 'ephemeral-storage': limit } } } } : {}),
  ...(path.startsWith('/data/') ? { mounts: [{ name: 'data', mountPath: '/data' }] } : {}),
});

const PODS = ['ev-ctr', 'ev-one', 'ev-dir', 'ev-pod', 'ev-within'];

describe.skipIf(!canRun)('ephemeral-storage eviction', () => {
  afterAll(async () => {
    await pr(['rm', '-f', ...PODS]);
    await removeRoot(root);
  });

  it('evicts a container past its limit, an emptyDir past its sizeLimit and a pod past its total, with the kubelet\'s messages', async () => {
    // The pod's total (5Mi) is not passed, the container's own limit is.
    await ok(['run', '-f', '-'], manifest('ev-ctr', [writer('fill', '/fill', 2048, '1Mi'), writer('spare', '/small', 4, '4Mi')]));
    // One container: the pod's total is its limit, checked first, so the pod's message (as on Kubernetes).
    await ok(['run', '-f', '-'], manifest('ev-one', [writer('fill', '/fill', 2048, '1Mi')]));
    // Written 1024Ki: the kubelet's message quotes it as Kubernetes writes it back, 1Mi.
    await ok(['run', '-f', '-'], manifest('ev-dir', [writer('fill', '/data/fill', 2048)], { volumes: [{ name: 'data', emptyDir: { sizeLimit: '1024Ki' } }] }));
    // 3 MiB in an emptyDir without a sizeLimit: within each container's 1Mi, past the pod's 2Mi total.
    await ok(['run', '-f', '-'], manifest('ev-pod', [writer('a', '/data/fill', 3072, '1Mi'), writer('b', '/small', 4, '1Mi')], { volumes: [{ name: 'data', emptyDir: {} }] }));
    await ok(['run', '-f', '-'], manifest('ev-within', [writer('w', '/fill', 512, '4Mi')], { volumes: [{ name: 'data', emptyDir: { sizeLimit: '4Mi' } }] }));

    const want: Record<string, string> = {
      'ev-ctr': 'Container fill exceeded its local ephemeral storage limit "1Mi". ',
      'ev-one': 'Pod ephemeral local storage usage exceeds the total limit of containers 1Mi. ',
      'ev-dir': 'Usage of EmptyDir volume "data" exceeds the limit "1Mi". ',
      'ev-pod': 'Pod ephemeral local storage usage exceeds the total limit of containers 2Mi. ',
    };
    for (const [pod, message] of Object.entries(want)) {
      const p = await until(`${pod} evicted`, async () => {
        const v = await inspect(pod);
        return v.status.phase === 'Failed' && v;
      }, 20_000);
      expect(p.status).toMatchObject({ phase: 'Failed', reason: 'Evicted', message });
      const evicted = (await events(pod)).filter((e) => e.reason === 'Evicted');
      expect(evicted).toEqual([expect.objectContaining({ type: 'Warning', reason: 'Evicted', message })]);
      expect((await ok(['list'])).split('\n').find((l) => l.startsWith(pod + ' '))).toMatch(/\sEvicted\s/);
    }

    // Killed and never restarted (restartPolicy Always, back-off 1 s); start is refused.
    await sleep(2500);
    for (const pod of Object.keys(want)) {
      const p = await inspect(pod);
      expect(p.status.phase).toBe('Failed');
      for (const c of p.status.containerStatuses) {
        expect(c.state.terminated, `${pod}/${c.name}`).toBeDefined();
        expect(c.restartCount).toBe(0);
      }
    }
    const start = await pr(['start', 'ev-ctr']);
    expect(start.exitCode).toBe(1);
    expect(start.stderr).toContain('ended (Evicted)');

    // Measured all along, within its limits: still running.
    const within = await inspect('ev-within');
    expect(within.status.phase).toBe('Running');
    expect((await events('ev-within')).some((e) => e.reason === 'Evicted')).toBe(false);

    const cgroups = await Promise.all(PODS.map(async (p) => (await inspect(p)).status.sandbox.cgroup as string));
    await ok(['rm', '-f', ...PODS]);
    const left = leftovers(root);
    expect(left.mounts).toEqual([]);
    expect(left.pods).toEqual([]);
    expect(left.cgroups.filter((c) => cgroups.some((cg) => cg.endsWith(c)))).toEqual([]);
  }, 90_000);
});
