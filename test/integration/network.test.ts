// Pod networking end to end, in a network namespace of this file's own standing in for the
// host: addresses and routes, pod-to-pod, host-to-pod and pod-to-itself traffic over both
// families, the shared address of a pod's containers, /etc/hosts, addresses kept across a
// container restart and a supervisor kill -9, and rm taking the veth, lease, bridge and table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRun, hostIp, inspect, killSupervisor, manifest, networkLeftovers, newRoot, ok, onStandInHost, podrun, removeRoot, runPod, until } from './helpers.js';

const root = canRun ? newRoot('net') : '/nonexistent';
const ENV = { PODRUN_SUPERVISOR_IDLE_MS: '3000', PODRUN_BACKOFF_INITIAL_SECONDS: '1', PODRUN_BACKOFF_MAX_SECONDS: '2' };
const pr = (args: string[]) => podrun(root, args, { env: ENV });

/** A pod serving /www/name (its own name) on port 8080 of every address, with a sidecar. */
const webPod = (name: string) =>
  manifest(name, [
    { name: 'server', command: ['sh', '-c', `mkdir -p /www && echo ${name} > /www/name && exec httpd -f -p 8080 -h /www`] },
    { name: 'side', command: ['sleep', '3600'] },
  ]);

/** The host end of a pod's veth pair: pr + the uid's first 8 hex digits. */
const vethOf = async (pod: string) => `pr${(await inspect(root, pod)).metadata.uid.replace(/-/g, '').slice(0, 8)}`;
const url = (ip: string) => `http://${ip.includes(':') ? `[${ip}]` : ip}:8080/name`;
/** busybox wget from a container of `pod`. */
const wgetFrom = async (pod: string, ip: string, ctr = 'server') => (await ok(root, ['exec', '-c', ctr, pod, '--', 'timeout', '5', 'wget', '-qO-', url(ip)])).trim();
/** An HTTP GET from the stand-in host (node's http, no busybox on the host needed). */
async function getFromHost(ip: string): Promise<string> {
  const js = `require('http').get(${JSON.stringify(url(ip))}, (r) => r.pipe(process.stdout)).on('error', (e) => { console.error(e.message); process.exit(1); })`;
  const r = await onStandInHost(process.execPath, ['-e', js]);
  if (r.exitCode !== 0) throw new Error(`GET ${url(ip)} from the host: ${r.stderr}`);
  return r.stdout.trim();
}

describe.skipIf(!canRun)('pod networking (bridge)', () => {
  const ips: Record<string, string[]> = {};

  beforeAll(async () => {
    for (const name of ['net-a', 'net-b']) {
      await runPod(root, webPod(name));
      // The first inspect after run already has the addresses.
      const s = (await inspect(root, name)).status;
      ips[name] = s.podIPs.map((p: { ip: string }) => p.ip);
    }
    // httpd is up once it answers its own pod.
    for (const name of ['net-a', 'net-b']) await until(`${name} serving`, () => wgetFrom(name, '127.0.0.1').catch(() => ''));
  });

  afterAll(async () => {
    await pr(['rm', '-f', 'net-a', 'net-b']);
    await removeRoot(root);
  });

  it('gives each pod an IPv4 and an IPv6 address from the default ranges, IPv4 first, with the bridge as hostIP', async () => {
    const s = (await inspect(root, 'net-a')).status;
    expect(s.podIP).toMatch(/^10\.89\.\d+\.\d+$/);
    expect(s.podIPs).toEqual([{ ip: s.podIP }, { ip: expect.stringMatching(/^fd89::/) }]);
    expect(s.hostIP).toBe('10.89.0.1');
    expect(s.hostIPs).toEqual([{ ip: '10.89.0.1' }, { ip: 'fd89::1' }]);
    expect(new Set([...ips['net-a'], ...ips['net-b']]).size).toBe(4);
  });

  it('puts eth0 in the pod with both addresses (IPv6 not tentative) and default routes through the bridge', async () => {
    const [v4, v6] = ips['net-a'];
    const addr = await ok(root, ['exec', 'net-a', '--', 'ip', 'addr', 'show', 'eth0']);
    expect(addr).toContain(`inet ${v4}/16`);
    expect(addr).toContain(`inet6 ${v6}/64`);
    expect(addr).not.toMatch(/tentative/);
    expect(await ok(root, ['exec', 'net-a', '--', 'ip', 'route'])).toMatch(/^default via 10\.89\.0\.1 dev eth0/m);
    expect(await ok(root, ['exec', 'net-a', '--', 'ip', '-6', 'route'])).toMatch(/^default via fd89::1 dev eth0/m);
    // The host end: the pod's veth on the bridge, which has the gateway addresses.
    expect(await hostIp('-o', 'link', 'show', 'master', 'podrun0')).toContain(`${await vethOf('net-a')}@`);
    const bridge = await hostIp('addr', 'show', 'podrun0');
    expect(bridge).toContain('inet 10.89.0.1/16');
    expect(bridge).toContain('inet6 fd89::1/64');
  });

  it('carries pod-to-pod traffic over both families', async () => {
    for (const ip of ips['net-b']) expect(await wgetFrom('net-a', ip)).toBe('net-b');
    for (const ip of ips['net-a']) expect(await wgetFrom('net-b', ip)).toBe('net-a');
  });

  it('carries host-to-pod traffic over both families', async () => {
    for (const name of ['net-a', 'net-b']) for (const ip of ips[name]) expect(await getFromHost(ip)).toBe(name);
  });

  it('lets a pod reach itself by its own IP, and its containers share the address and port space', async () => {
    for (const ip of ips['net-a']) {
      expect(await wgetFrom('net-a', ip)).toBe('net-a');
      // From the sidecar, to the server's port: one network namespace, one address.
      expect(await wgetFrom('net-a', ip, 'side')).toBe('net-a');
    }
    const eth0 = (ctr: string) => ok(root, ['exec', '-c', ctr, 'net-a', '--', 'ip', '-o', 'addr', 'show', 'eth0']);
    expect(await eth0('side')).toBe(await eth0('server'));
  });

  it('lists the pod IPs with the hostname in /etc/hosts', async () => {
    const hosts = await ok(root, ['exec', 'net-a', '--', 'cat', '/etc/hosts']);
    const [v4, v6] = ips['net-a'];
    expect(hosts).toContain('127.0.0.1\tlocalhost');
    expect(hosts).toMatch(new RegExp(`^${v4.replace(/\./g, '\\.')}\\s+net-a$`, 'm'));
    expect(hosts).toMatch(new RegExp(`^${v6}\\s+net-a$`, 'm'));
  });

  it('keeps the addresses across a container restart and a kill -9 of the supervisor', async () => {
    await ok(root, ['kill', '-c', 'server', 'net-a']);
    await until('server restarted', async () => (await inspect(root, 'net-a')).status.containerStatuses[0].restartCount === 1 &&
      (await inspect(root, 'net-a')).status.containerStatuses[0].state.running);
    expect((await inspect(root, 'net-a')).status.podIPs.map((p: { ip: string }) => p.ip)).toEqual(ips['net-a']);
    await killSupervisor(root);
    // The next command's supervisor re-adopts the pods, addresses and all.
    expect((await inspect(root, 'net-a')).status.podIPs.map((p: { ip: string }) => p.ip)).toEqual(ips['net-a']);
    expect((await inspect(root, 'net-b')).status.podIPs.map((p: { ip: string }) => p.ip)).toEqual(ips['net-b']);
    await until('net-a serving again', () => getFromHost(ips['net-a'][0]).catch(() => ''));
    expect(await wgetFrom('net-b', ips['net-a'][1])).toBe('net-a');
  });

  it('rm takes the pod veth and lease; the bridge and its table go with the last pod', async () => {
    const vethA = await vethOf('net-a');
    const before = await networkLeftovers(root);
    expect(before.links).toContain('podrun0');
    // Outbound traffic is masqueraded (there is no outside network here to prove the traffic itself).
    const table = (await onStandInHost('nft', ['list', 'table', 'inet', 'podrun0'])).stdout;
    expect(table).toMatch(/10\.89\.0\.0\/16.*masquerade/);
    expect(table).toMatch(/fd89::\/64.*masquerade/);
    expect(before.leases).toHaveLength(2);
    await ok(root, ['rm', '-f', 'net-a']);
    const mid = await networkLeftovers(root);
    expect(mid.links).toContain('podrun0');
    expect(mid.links).toHaveLength(2); // the bridge and net-b's veth
    expect(mid.leases).toHaveLength(1);
    expect(before.links).toContain(vethA);
    expect(mid.links).not.toContain(vethA);
    await ok(root, ['rm', '-f', 'net-b']);
    expect(await networkLeftovers(root)).toEqual({ links: [], leases: [], nftTables: [] });
  });
});
