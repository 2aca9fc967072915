// hostNetwork, the none network and the probes' target, in a network namespace of this
// file's own standing in for the host.
import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { canRun, inspect, manifest, networkLeftovers, newRoot, ok, podrun, removeRoot, runPod, standInHost, until } from './helpers.js';

const root = canRun ? newRoot('netmodes') : '/nonexistent';
const inode = (path: string) => statSync(path).ino;
const sleeper = (name: string) => ({ name, command: ['sleep', '3600'] });

describe.skipIf(!canRun)('network modes and probes', () => {
  const pods: string[] = [];
  const run = async (json: string) => {
    const name = await runPod(root, json);
    pods.push(name);
    return name;
  };

  afterAll(async () => {
    await podrun(root, ['rm', '-f', ...pods]);
    expect(await networkLeftovers(root)).toEqual({ links: [], leases: [], nftTables: [] });
    await removeRoot(root);
  });

  it('hostNetwork: the pod is in the host network namespace, with IPC and UTS of its own and the host hostname', async () => {
    const name = await run(manifest('net-host', [sleeper('c')], { hostNetwork: true }));
    const v = await inspect(root, name);
    expect(inode(v.status.sandbox.namespaces.net)).toBe(inode(`/run/netns/${standInHost()}`));
    expect(inode(v.status.sandbox.namespaces.ipc)).not.toBe(inode('/proc/self/ns/ipc'));
    expect(inode(v.status.sandbox.namespaces.uts)).not.toBe(inode('/proc/self/ns/uts'));
    // As the kubelet sets it: the node's hostname, and the node's /etc/hosts.
    expect((await ok(root, ['exec', name, '--', 'hostname'])).trim()).toBe(hostname());
    expect(await ok(root, ['exec', name, '--', 'cat', '/etc/hosts'])).toContain(readFileSync('/etc/hosts', 'utf8').trim());
    // podIP is the host's (its address on the pod network), as Kubernetes reports it.
    expect(v.status.podIPs).toEqual(v.status.hostIPs);
    expect(v.status.podIP).toBe(v.status.hostIP);
    // No bridge or veth for it.
    expect((await networkLeftovers(root)).links).toEqual([]);
  });

  it('podrun.io/network: none gives the pod loopback only and no address', async () => {
    const json = JSON.parse(manifest('net-none', [sleeper('c')]));
    json.metadata.annotations = { 'podrun.io/network': 'none' };
    const name = await run(JSON.stringify(json));
    const links = (await ok(root, ['exec', name, '--', 'ip', '-o', 'link'])).trim().split('\n');
    expect(links).toHaveLength(1);
    expect(links[0]).toMatch(/^1: lo: <LOOPBACK,UP/);
    const s = (await inspect(root, name)).status;
    expect(s.podIPs).toEqual([]);
    expect(s).not.toHaveProperty('podIP');
    expect((await networkLeftovers(root)).links).toEqual([]);
  });

  it('tcpSocket probes go to the pod IP: a server bound to 127.0.0.1 fails, one on every address passes', async () => {
    const tcpReady = (port: number) => ({ readinessProbe: { tcpSocket: { port }, periodSeconds: 1, failureThreshold: 1 } });
    const name = await run(
      manifest('net-probe', [
        { name: 'local', command: ['httpd', '-f', '-p', '127.0.0.1:7001', '-h', '/'], extra: tcpReady(7001) },
        { name: 'every', command: ['httpd', '-f', '-p', '7002', '-h', '/'], extra: tcpReady(7002) },
      ]),
    );
    const podIP = (await inspect(root, name)).status.podIP;
    const ready = async (c: string) => (await inspect(root, name)).status.containerStatuses.find((x: { name: string }) => x.name === c).ready;
    await until('every ready', () => ready('every'), 20_000);
    // The one on loopback is up too (reachable there), yet its probe fails on the pod IP.
    expect((await ok(root, ['exec', '-c', 'local', name, '--', 'wget', '-qO-', 'http://127.0.0.1:7001/etc/hostname'])).trim()).toBe(name);
    const events = await until('an Unhealthy event for local', async () => {
      const text = await ok(root, ['events', name]);
      return /Unhealthy\s+pod\/net-probe\/local/.test(text) && text;
    }, 20_000);
    expect(events).toContain(`dial tcp ${podIP}:7001: connect: connection refused`);
    expect(await ready('local')).toBe(false);
  });
});
