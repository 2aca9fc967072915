// Pod addresses under load and failure, in a network namespace of this file's own standing
// in for the host: 20 parallel runs get 40 unique addresses, reused after rm; a tiny range
// runs out with a clear error that leaves nothing; bad settings are refused naming the
// variable; a failed create and a kill -9 of the supervisor leave no veth, lease or rule.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canRun, inspect, killSupervisor, manifest, networkLeftovers, newRoot, ok, podrun, removeRoot, runPod } from './helpers.js';

const root = canRun ? newRoot('netalloc') : '/nonexistent';
// Ends on SIGTERM (sleep as PID 1 would not), so that rm -f is quick.
const sleeper = (name: string) => manifest(name, [{ name: 'c', command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'] }]);
const addressesOf = async (pod: string) => (await inspect(root, pod)).status.podIPs.map((p: { ip: string }) => p.ip) as string[];

describe.skipIf(!canRun)('pod address allocation', () => {
  afterAll(async () => {
    await removeRoot(root);
  });

  it('gives 20 pods created in parallel 40 unique addresses, and reuses them after rm', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `par-${i}`);
    await Promise.all(names.map((n) => runPod(root, sleeper(n))));
    const all = (await Promise.all(names.map(addressesOf))).flat();
    expect(all).toHaveLength(40);
    expect(new Set(all).size).toBe(40);
    expect(all.filter((ip) => ip.startsWith('10.89.'))).toHaveLength(20);
    expect((await networkLeftovers(root)).links).toHaveLength(21); // 20 veths and the bridge
    await ok(root, ['rm', '-f', ...names]);
    expect(await networkLeftovers(root)).toEqual({ links: [], leases: [], nftTables: [] });
    // The lowest addresses are free again.
    await runPod(root, sleeper('again'));
    expect(await addressesOf('again')).toEqual(['10.89.0.2', 'fd89::2']);
    await ok(root, ['rm', '-f', 'again']);
  });

  it('a failed create leaves no veth, lease or rule', async () => {
    // Fails in the volumes step, after the network step made the pod's veth and lease.
    const bad = manifest('fails', [{ name: 'c', command: ['true'] }], {
      volumes: [{ name: 'v', hostPath: { path: '/nonexistent/podrun-test', type: 'Directory' } }],
    });
    const r = await podrun(root, ['create', '-f', '-'], { input: bad });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('/nonexistent/podrun-test');
    expect(existsSync(join(root, 'pods', 'fails'))).toBe(false);
    expect(await networkLeftovers(root)).toEqual({ links: [], leases: [], nftTables: [] });
  });

  it('after kill -9 of the supervisor, rm -f leaves no veth, lease or rule', async () => {
    await runPod(root, sleeper('crashed'));
    await killSupervisor(root);
    await ok(root, ['rm', '-f', 'crashed']);
    expect(await networkLeftovers(root)).toEqual({ links: [], leases: [], nftTables: [] });
  });

  it('refuses a bad range before starting a supervisor: exit 2, the variable named', async () => {
    const other = newRoot('netalloc-bad');
    for (const [name, value] of [['PODRUN_POD_IPV4_RANGE', '10.89.0.0/33'], ['PODRUN_POD_IPV6_RANGE', '10.89.0.0/16'], ['PODRUN_BRIDGE', 'bad-name!']]) {
      const r = await podrun(other, ['create', '-f', '-'], { input: sleeper('never'), env: { [name]: value } });
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^podrun: ${name}: `));
      expect(existsSync(join(other, 'supervisor.sock'))).toBe(false);
    }
    await removeRoot(other);
  });

  it('runs out of a tiny range with a clear error at create, leaving nothing behind', async () => {
    // A second root in the same namespace: its own bridge and ranges (the README's rule).
    const tiny = newRoot('netalloc-tiny');
    const env = { PODRUN_SUPERVISOR_IDLE_MS: '3000', PODRUN_BRIDGE: 'prtiny', PODRUN_POD_IPV4_RANGE: '10.90.0.0/30', PODRUN_POD_IPV6_RANGE: 'fd90::/64' };
    const create = (name: string) => podrun(tiny, ['run', '-f', '-'], { input: sleeper(name), env });
    expect((await create('first')).exitCode).toBe(0);
    const r = await create('second');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/10\.90\.0\.0\/30/);
    expect(r.stderr).toMatch(/PODRUN_POD_IPV4_RANGE/);
    expect(readdirSync(join(tiny, 'pods'))).toEqual(['first']);
    const left = await networkLeftovers(tiny);
    expect(left.leases).toHaveLength(1);
    expect(left.links).toHaveLength(2); // prtiny and first's veth
    expect((await podrun(tiny, ['rm', '-f', 'first'], { env })).exitCode).toBe(0);
    expect(await networkLeftovers(tiny)).toEqual({ links: [], leases: [], nftTables: [] });
    await removeRoot(tiny);
  });
});
