// hostPort rules (src/net/nftables.ts) against real traffic, in throwaway network namespaces
// only: H stands in for the host (a bridge, and an uplink veth to O), P is a pod on the
// bridge, O another machine. The functions run in H through `ip netns exec`; nothing here
// touches the machine's own namespace.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSYBOX, REPO, canRun } from './helpers.js';

const NFT = existsSync('/usr/sbin/nft') || existsSync('/sbin/nft');
const tag = randomBytes(3).toString('hex');
const H = `podrun-test-nfth-${tag}`;
const P = `podrun-test-nftp-${tag}`;
const O = `podrun-test-nfto-${tag}`;
const BB = join(BUSYBOX, 'bin/busybox');
const TABLE = 'podrun-test';
const BRIDGE = 'br0';
const RANGES = { ipv4: '10.99.0.0/24', ipv6: 'fd99::/64' };
const POD = { v4: '10.99.0.2', v6: 'fd99::2' };
const HOST = { v4: '198.51.100.1', v6: '2001:db8:1::1' };

const sh = (ns: string, cmd: string[], timeout = 10_000) => execa('ip', ['netns', 'exec', ns, ...cmd], { reject: false, timeout });

async function ip(...args: string[]): Promise<void> {
  const r = await execa('ip', args, { reject: false });
  if (r.exitCode !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

/** Calls an export of the built src/net/nftables.ts inside H. */
async function inHost(fn: string, ...args: unknown[]): Promise<unknown> {
  const mod = join(REPO, 'dist/src/net/nftables.js');
  const code = `const m = await import(${JSON.stringify(mod)}); const out = m[process.argv[1]](...JSON.parse(process.argv[2])); console.log(JSON.stringify(out ?? null));`;
  const r = await sh(H, [process.execPath, '--input-type=module', '-e', code, fn, JSON.stringify(args)]);
  if (r.exitCode !== 0) throw new Error(`${fn}: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown;
}

/** What a TCP connect from `ns` reads ('' when it could not connect). */
async function tcp(ns: string, host: string, port: number): Promise<string> {
  const r = await sh(ns, [BB, 'nc', '-w', '1', host, String(port)], 5_000);
  return r.stdout.trim();
}

// This busybox's nc has no UDP: node sends one datagram and prints the answer.
const UDP_SEND = `const s = require('dgram').createSocket(process.argv[1].includes(':') ? 'udp6' : 'udp4');
s.on('message', (m) => { console.log(String(m)); process.exit(0); });
setTimeout(() => process.exit(0), 1000);
s.send('ping', Number(process.argv[2]), process.argv[1]);`;
const UDP_ECHO = `const d = require('dgram');
for (const type of ['udp4', 'udp6']) { const s = d.createSocket({ type, ipv6Only: type === 'udp6' }); s.on('message', (m, r) => s.send('udp-' + m, r.port, r.address)); s.bind(53); }`;

async function udp(ns: string, host: string, port: number): Promise<string> {
  const r = await sh(ns, [process.execPath, '-e', UDP_SEND, host, String(port)], 5_000);
  return r.stdout.trim();
}

describe.skipIf(!canRun || !NFT)('nftables hostPorts', () => {
  const servers: { kill: () => boolean }[] = [];

  beforeAll(async () => {
    for (const ns of [H, P, O]) {
      await ip('netns', 'add', ns);
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
      // No duplicate address detection, not even for the link-local addresses: the first
      // neighbour discovery would otherwise wait for it and lose a connect.
      const dad = await sh(ns, ['sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
      if (dad.exitCode !== 0) throw new Error(dad.stderr);
    }
    // The uplink: O is another machine, reaching H's own addresses.
    await ip('-n', H, 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'up0', 'netns', O);
    for (const [ns, n] of [[H, 1], [O, 2]] as const) {
      await ip('-n', ns, 'addr', 'add', `198.51.100.${n}/24`, 'dev', 'up0');
      await ip('-n', ns, 'addr', 'add', `2001:db8:1::${n}/64`, 'dev', 'up0', 'nodad');
      await ip('-n', ns, 'link', 'set', 'up0', 'up');
    }
    await ip('-n', H, 'link', 'add', BRIDGE, 'type', 'bridge');
    await ip('-n', H, 'addr', 'add', '10.99.0.1/24', 'dev', BRIDGE);
    await ip('-n', H, 'addr', 'add', 'fd99::1/64', 'dev', BRIDGE, 'nodad');
    await ip('-n', H, 'link', 'set', BRIDGE, 'up');
    await ip('-n', H, 'link', 'add', 'vp0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', P);
    // Hairpin, as a bridge driver sets it: with br_netfilter loaded, a pod's packet to its own
    // hostPort is DNATed on the bridge and must go back out of the port it came in by.
    await ip('-n', H, 'link', 'set', 'vp0', 'master', BRIDGE, 'up');
    await ip('-n', H, 'link', 'set', 'vp0', 'type', 'bridge_slave', 'hairpin', 'on');
    await ip('-n', P, 'addr', 'add', `${POD.v4}/24`, 'dev', 'eth0');
    await ip('-n', P, 'addr', 'add', `${POD.v6}/64`, 'dev', 'eth0', 'nodad');
    await ip('-n', P, 'link', 'set', 'eth0', 'up');
    await ip('-n', P, 'route', 'add', 'default', 'via', '10.99.0.1');
    await ip('-n', P, '-6', 'route', 'add', 'default', 'via', 'fd99::1');
    const fwd = await sh(H, ['sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
    if (fwd.exitCode !== 0) throw new Error(fwd.stderr);
    // The pod's servers: TCP 80 (busybox nc, both families) and UDP 53.
    servers.push(execa('ip', ['netns', 'exec', P, BB, 'nc', '-ll', '-p', '80', '-e', BB, 'echo', 'pong'], { reject: false }));
    servers.push(execa('ip', ['netns', 'exec', P, process.execPath, '-e', UDP_ECHO], { reject: false }));
    const ready = async (): Promise<boolean> =>
      (await tcp(H, POD.v4, 80)) === 'pong' && (await tcp(H, POD.v6, 80)) === 'pong' &&
      (await sh(O, [BB, 'ping', '-c', '1', '-W', '1', HOST.v6])).exitCode === 0;
    for (let i = 0; i < 50 && !(await ready()); i++) await new Promise((r) => setTimeout(r, 100));
  });

  afterAll(async () => {
    for (const s of servers) s.kill();
    for (const ns of [P, O, H]) await execa('ip', ['netns', 'del', ns], { reject: false });
  });

  it('ensureNatTable twice leaves one copy of each rule, and route_localnet on the bridge', async () => {
    await inHost('ensureNatTable', TABLE, BRIDGE, RANGES);
    const once = (await sh(H, ['nft', 'list', 'table', 'inet', TABLE])).stdout;
    await inHost('ensureNatTable', TABLE, BRIDGE, RANGES);
    const twice = (await sh(H, ['nft', 'list', 'table', 'inet', TABLE])).stdout;
    expect(twice).toBe(once);
    expect(twice.match(/masquerade/g)).toHaveLength(5);
    expect((await sh(H, ['sysctl', '-n', `net.ipv4.conf.${BRIDGE}.route_localnet`])).stdout.trim()).toBe('1');
  });

  it('publishes TCP and UDP hostPorts to other machines, the host itself (127.0.0.1 too) and pods', async () => {
    const both = (protocol: 'TCP' | 'UDP', hostPort: number, containerPort: number) =>
      [POD.v4, POD.v6].map((podIP) => ({ protocol, hostPort, podIP, containerPort }));
    await inHost('addHostPorts', TABLE, 'uid-a', [...both('TCP', 8080, 80), ...both('UDP', 5353, 53)]);
    await inHost('addHostPorts', TABLE, 'uid-b', [{ protocol: 'TCP', hostPort: 8081, hostIP: '127.0.0.1', podIP: POD.v4, containerPort: 80 }]);

    const reached = async (ns: string, host: string): Promise<[string, string]> => [await tcp(ns, host, 8080), await udp(ns, host, 5353)];
    for (const host of [HOST.v4, HOST.v6]) {
      expect(await reached(O, host), `from another machine to ${host}`).toEqual(['pong', 'udp-ping']);
      expect(await reached(H, host), `from the host to ${host}`).toEqual(['pong', 'udp-ping']);
      expect(await reached(P, host), `from the pod to its own hostPort at ${host}`).toEqual(['pong', 'udp-ping']);
    }
    expect(await reached(H, '127.0.0.1')).toEqual(['pong', 'udp-ping']);
    // Measured: the pod sees the SYN, but the kernel drops the reply once it is un-NATed back
    // to ::1 (IPv6 has no route_localnet). docs/kubernetes-semantics.md §12.
    expect(await tcp(H, '::1', 8080)).toBe('');
    // A hostIP limits the port to that address.
    expect(await tcp(H, '127.0.0.1', 8081)).toBe('pong');
    expect(await tcp(H, HOST.v4, 8081)).toBe('');

    expect(await inHost('hostPortsInUse', TABLE)).toEqual([
      { uid: 'uid-a', protocol: 'TCP', hostPort: 8080 },
      { uid: 'uid-a', protocol: 'UDP', hostPort: 5353 },
      { uid: 'uid-b', protocol: 'TCP', hostPort: 8081, hostIP: '127.0.0.1' },
    ]);
  });

  it("removeHostPorts removes exactly the uid's rules, and again is harmless", async () => {
    await inHost('removeHostPorts', TABLE, 'uid-a');
    await inHost('removeHostPorts', TABLE, 'uid-a');
    expect(await inHost('hostPortsInUse', TABLE)).toEqual([{ uid: 'uid-b', protocol: 'TCP', hostPort: 8081, hostIP: '127.0.0.1' }]);
    expect(await tcp(O, HOST.v4, 8080)).toBe('');
    expect(await udp(O, HOST.v4, 5353)).toBe('');
    expect(await tcp(H, '127.0.0.1', 8081)).toBe('pong');
  });

  it('deleteNatTable leaves nothing, and again is harmless', async () => {
    await inHost('deleteNatTable', TABLE);
    await inHost('deleteNatTable', TABLE);
    expect((await sh(H, ['nft', 'list', 'ruleset'])).stdout.trim()).toBe('');
    expect(await inHost('hostPortsInUse', TABLE)).toEqual([]);
    await inHost('removeHostPorts', TABLE, 'uid-b');
    expect(await tcp(H, '127.0.0.1', 8081)).toBe('');
  });
});
