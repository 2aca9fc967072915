// rtnetlink from TypeScript on the real kernel, in two network namespaces of the test's
// own ("host" and "pod", ip netns), never the machine's: the per-pod wiring (bridge, veth
// pair with its peer created inside the pod's netns as eth0, master, up, addresses of both
// families without DAD, default routes), traffic over it both ways and both families, then
// deletion, the booleans of the expected refusals, and errors that name the interface.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX, canRun, until } from './helpers.js';
import { withNamespaces } from '../../src/kernel/namespaces.js';
import {
  addrAdd,
  linkAddBridge,
  linkAddresses,
  linkAddVethPair,
  linkDelete,
  linkExists,
  linkSetMaster,
  linkSetUp,
  routeAddDefault,
} from '../../src/kernel/rtnetlink.js';
import { InvalidInputError, SyscallError } from '../../src/util/errors.js';

const HOST = `podrun-nl-host-${process.pid}`;
const POD = `podrun-nl-pod-${process.pid}`;
const inHost = <T>(fn: () => T): T => withNamespaces({ enter: { net: `/run/netns/${HOST}` } }, fn);
const inPod = <T>(fn: () => T): T => withNamespaces({ enter: { net: `/run/netns/${POD}` } }, fn);
const busybox = join(BUSYBOX, 'bin/busybox');
const inNetns = (ns: string, ...args: string[]) => execa('ip', ['netns', 'exec', ns, ...args], { reject: false, timeout: 10_000 });

const BRIDGE = 'podnl0';
const VETH = 'vnl0';
const GW4 = '10.213.0.1';
const POD4 = '10.213.0.2';
const GW6 = 'fd13:213::1';
const POD6 = 'fd13:213::2';

/** An fd of the pod's netns, opened from the host's as the supervisor opens a pod's pinned netns. */
function withPodNetnsFd<T>(fn: (fd: number) => T): T {
  const fd = openSync(`/run/netns/${POD}`, 'r');
  try {
    return fn(fd);
  } finally {
    closeSync(fd);
  }
}

/** The error `fn` throws (failing when it throws none), for toMatchObject. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
}

describe.skipIf(!canRun)('rtnetlink in namespaces of the test', () => {
  let web: ChildProcess | undefined;
  const docroot = mkdtempSync(join(tmpdir(), 'podrun-nl-web-'));

  beforeAll(async () => {
    for (const ns of [HOST, POD]) await execa('ip', ['netns', 'add', ns]);
  });

  afterAll(async () => {
    web?.kill('SIGKILL');
    for (const ns of [HOST, POD]) await execa('ip', ['netns', 'del', ns], { reject: false });
    rmSync(docroot, { recursive: true, force: true });
  });

  it('wires a pod: bridge, veth into the pod netns as eth0, master, up, both families, default routes', async () => {
    inHost(() => {
      expect(linkAddBridge(BRIDGE)).toBe(true);
      withPodNetnsFd((fd) => linkAddVethPair(VETH, 'eth0', fd));
      linkSetMaster(VETH, BRIDGE);
      linkSetUp(VETH);
      linkSetUp(BRIDGE);
      addrAdd(BRIDGE, GW4, 24);
      addrAdd(BRIDGE, GW6, 64, { noDad: true });
      expect(linkExists('eth0')).toBe(false);
    });
    inPod(() => {
      linkSetUp('lo');
      linkSetUp('eth0');
      addrAdd('eth0', POD4, 24);
      addrAdd('eth0', POD6, 64, { noDad: true });
      routeAddDefault(GW4, 'eth0');
      routeAddDefault(GW6, 'eth0');
      expect(linkAddresses('eth0')).toEqual(
        expect.arrayContaining([
          { address: POD4, prefixLen: 24 },
          { address: POD6, prefixLen: 64 },
        ]),
      );
      expect(linkAddresses('eth0')[0]).toEqual({ address: POD4, prefixLen: 24 });
    });

    const master = await inNetns(HOST, 'ip', '-o', 'link', 'show', VETH);
    expect(master.stdout).toMatch(new RegExp(`master ${BRIDGE} state UP`));
    const v6 = await inNetns(POD, 'ip', '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'global');
    expect(v6.stdout).toContain(`inet6 ${POD6}/64`);
    expect(v6.stdout).not.toContain('tentative');
    const routes = await inNetns(POD, 'sh', '-c', 'ip route show default; ip -6 route show default');
    expect(routes.stdout).toContain(`default via ${GW4} dev eth0`);
    expect(routes.stdout).toContain(`default via ${GW6} dev eth0`);
  });

  it('carries traffic both ways over both families', async () => {
    for (const [ns, to] of [
      [HOST, POD4],
      [HOST, POD6],
      [POD, GW4],
      [POD, GW6],
    ]) {
      const ping = await inNetns(ns, busybox, 'ping', '-c', '1', '-W', '2', to);
      expect(ping.exitCode, `ping ${to} from ${ns}: ${ping.stdout}${ping.stderr}`).toBe(0);
    }
    // TCP too: a web server in the pod (on ::, both families), fetched from the host netns.
    writeFileSync(join(docroot, 'index.html'), 'from the pod\n');
    web = spawn('ip', ['netns', 'exec', POD, busybox, 'httpd', '-f', '-p', '8080', '-h', docroot], { stdio: 'ignore' });
    for (const url of [`http://${POD4}:8080/`, `http://[${POD6}]:8080/`]) {
      const body = await until(`wget ${url}`, async () => (await inNetns(HOST, busybox, 'wget', '-q', '-O', '-', url)).stdout);
      expect(body).toBe('from the pod');
    }
  });

  it('takes what exists already as it documents: false, or fine when identical', () => {
    inHost(() => {
      expect(linkAddBridge(BRIDGE)).toBe(false);
      addrAdd(BRIDGE, GW4, 24);
      addrAdd(BRIDGE, GW6, 64, { noDad: true });
      // The same address with another prefix is not the same address.
      expect(thrown(() => addrAdd(BRIDGE, GW6, 80))).toMatchObject({ call: 'RTM_NEWADDR', code: 'EEXIST', path: BRIDGE });
      withPodNetnsFd((fd) =>
        expect(thrown(() => linkAddVethPair(VETH, 'eth1', fd))).toMatchObject({ call: 'RTM_NEWLINK', code: 'EEXIST', path: VETH }),
      );
    });
    inPod(() => routeAddDefault(GW4, 'eth0'));
  });

  it('names the interface in errors, and refuses a name longer than 15 bytes before asking', () => {
    inHost(() => {
      const missing = thrown(() => linkSetUp('nosuch0'));
      expect(missing).toBeInstanceOf(SyscallError);
      expect(missing).toMatchObject({ call: 'RTM_NEWLINK', code: 'ENODEV', path: 'nosuch0' });
      expect(thrown(() => linkSetMaster(VETH, 'nosuch1'))).toMatchObject({ call: 'RTM_GETLINK', code: 'ENODEV', path: 'nosuch1' });
      expect(thrown(() => addrAdd('nosuch2', GW4, 24))).toMatchObject({ code: 'ENODEV', path: 'nosuch2' });
      expect(thrown(() => linkAddresses('nosuch3'))).toMatchObject({ code: 'ENODEV', path: 'nosuch3' });
      // Off-link gateway: the kernel's own refusal, with the interface and the gateway.
      const unreachable = thrown(() => routeAddDefault('10.99.0.1', BRIDGE)) as SyscallError;
      expect(unreachable).toMatchObject({ call: 'RTM_NEWROUTE', code: 'ENETUNREACH', path: BRIDGE });
      expect(unreachable.message).toContain('10.99.0.1');

      const long = 'a-sixteen-bytes!';
      expect(thrown(() => linkAddBridge(long))).toBeInstanceOf(InvalidInputError);
      expect(thrown(() => linkAddBridge(long))).toMatchObject({ field: 'ifname', message: expect.stringContaining('16 bytes') });
      expect(linkAddBridge('a-fifteen-bytes')).toBe(true);
      expect(linkDelete('a-fifteen-bytes')).toBe(true);
      expect(thrown(() => addrAdd(BRIDGE, '10.213.0.300', 24))).toMatchObject({ field: 'address' });
      expect(thrown(() => addrAdd(BRIDGE, GW4, 33))).toMatchObject({ field: 'prefixLen' });
    });
  });

  it('deletes a veth, which takes its peer along; a second delete is false', () => {
    inHost(() => {
      expect(linkDelete(VETH)).toBe(true);
      expect(linkExists(VETH)).toBe(false);
      expect(linkDelete(VETH)).toBe(false);
      expect(linkExists(BRIDGE)).toBe(true);
      expect(linkDelete(BRIDGE)).toBe(true);
    });
    inPod(() => expect(linkExists('eth0')).toBe(false));
  });
});
