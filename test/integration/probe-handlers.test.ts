// The network probe handlers against real servers in a network namespace of the test's
// own (ip netns, loopback only): the probes must connect from inside it, since nothing
// there is reachable from the host's namespace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canRun, until } from './helpers.js';
import { grpcProbe, httpProbe, tcpProbe, type HttpTarget, type NetTarget } from '../../src/probe/index.js';

const NS = `podrun-probe-test-${process.pid}`;
const NETNS = `/run/netns/${NS}`;
const ipv6 = existsSync('/proc/sys/net/ipv6');
const haveOpenssl = ['/usr/bin/openssl', '/bin/openssl', '/usr/local/bin/openssl'].some(existsSync);
if (canRun && !haveOpenssl) process.stderr.write('probe-handlers: openssl not installed, the HTTPS cases are skipped\n');
if (canRun && !ipv6) process.stderr.write('probe-handlers: IPv6 is disabled in this kernel, the IPv6 cases are skipped\n');

/** Ports free in the host's namespace (so a connection there is refused), used inside the test's. */
async function freeHostPorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((r) => { const s = createServer(); s.listen(0, '127.0.0.1', () => r(s)); })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

function hostConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => { s.destroy(); resolve('connected'); });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

const openFds = () => readdirSync('/proc/self/fd').length;

describe.skipIf(!canRun)('network probe handlers, from inside a network namespace', () => {
  let tmp = '';
  let server: ChildProcess | undefined;
  let HTTP = 0, HTTPS = 0, GRPC = 0, CLOSED = 0;
  const target = (port: number, over: Partial<NetTarget> = {}): NetTarget => ({ netns: NETNS, host: '127.0.0.1', port, timeoutMs: 2000, ...over });
  const http = (path: string, over: Partial<HttpTarget> = {}) =>
    httpProbe({ ...target(HTTP), scheme: 'HTTP', path, headers: [], ...over });

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'podrun-probe-test-'));
    [HTTP, HTTPS, GRPC, CLOSED] = await freeHostPorts(4);
    await execa('ip', ['netns', 'add', NS]);
    await execa('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    if (haveOpenssl) {
      await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=probe-test', '-keyout', join(tmp, 'key.pem'), '-out', join(tmp, 'cert.pem')]);
    }
    const script = join(import.meta.dirname, 'probe-test-servers.mjs');
    server = spawn('ip', ['netns', 'exec', NS, process.execPath, script, String(HTTP), String(HTTPS), String(GRPC),
      haveOpenssl ? tmp : '-', ipv6 ? '::' : '0.0.0.0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      server!.stdout!.on('data', (d: Buffer) => { if (String(d).includes('ready')) resolve(); });
      server!.on('exit', (code) => reject(new Error(`test servers exited ${code}`)));
    });
  });

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.on('exit', r));
      server.kill('SIGKILL');
      await exited;
    }
    await execa('ip', ['netns', 'del', NS], { reject: false });
    rmSync(tmp, { recursive: true, force: true });
    expect(existsSync(NETNS)).toBe(false);
  });

  describe('tcpSocket', () => {
    it('succeeds on a listening port inside the namespace that the host cannot reach', async () => {
      expect(await tcpProbe(target(HTTP))).toEqual({ result: 'Success', output: '' });
      // Same address and port from the host's namespace: refused, so the probe ran inside.
      expect(await hostConnect(HTTP)).toBe('ECONNREFUSED');
    });

    it('fails on a closed port with the dial error', async () => {
      expect(await tcpProbe(target(CLOSED))).toEqual({
        result: 'Failure',
        output: `dial tcp 127.0.0.1:${CLOSED}: connect: connection refused`,
      });
    });

    it('fails when there is no route from inside the namespace (only loopback there)', async () => {
      const r = await tcpProbe(target(80, { host: '192.0.2.1' }));
      expect(r.result).toBe('Failure');
      expect(r.output).toMatch(/^dial tcp 192\.0\.2\.1:80: /);
    });

    it.skipIf(!ipv6)('connects over IPv6', async () => {
      expect((await tcpProbe(target(HTTP, { host: '::1' }))).result).toBe('Success');
      expect(await tcpProbe(target(CLOSED, { host: '::1' }))).toEqual({
        result: 'Failure',
        output: `dial tcp [::1]:${CLOSED}: connect: connection refused`,
      });
    });

    it('is Unknown (an internal error, discarded) when the namespace pin does not exist', async () => {
      const r = await tcpProbe(target(HTTP, { netns: join(tmp, 'no-such-netns') }));
      expect(r.result).toBe('Unknown');
      expect(r.output).toContain('no-such-netns');
    });
  });

  describe('httpGet', () => {
    it('200 is a Success with the body as output', async () => {
      expect(await http('/ok')).toEqual({ result: 'Success', output: 'ok', httpStatus: 200 });
    });

    it('500 is a Failure that does not leak the body', async () => {
      expect(await http('/fail')).toEqual({ result: 'Failure', output: 'HTTP probe failed with statuscode: 500', httpStatus: 500 });
    });

    it('follows a same-host redirect', async () => {
      expect(await http('/redirect')).toEqual({ result: 'Success', output: 'ok', httpStatus: 200 });
    });

    it('does not follow a redirect to another host: Warning', async () => {
      expect(await http('/other-host')).toEqual({ result: 'Warning', output: 'Probe terminated redirects, Response body: moved away', httpStatus: 302 });
    });

    it('follows 9 redirects; the 10th and a loop are Failures', async () => {
      expect(await http('/chain/9')).toEqual({ result: 'Success', output: 'end of chain', httpStatus: 200 });
      expect(await http('/chain/10')).toEqual({ result: 'Failure', output: 'Get "/chain/0": stopped after 10 redirects' });
      expect(await http('/loop')).toMatchObject({ result: 'Failure', output: expect.stringContaining('stopped after 10 redirects') });
    });

    it('a server that does not answer fails at the time-out', async () => {
      const t0 = Date.now();
      const r = await http('/slow', { timeoutMs: 300 });
      const took = Date.now() - t0;
      expect(r).toEqual({
        result: 'Failure',
        output: `Get "http://127.0.0.1:${HTTP}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
      });
      expect(took).toBeGreaterThanOrEqual(290);
      expect(took).toBeLessThan(1500);
    });

    it('a body that stalls past the time-out is Unknown, as the kubelet discards body read errors', async () => {
      const r = await http('/stall-body', { timeoutMs: 300 });
      expect(r.result).toBe('Unknown');
      expect(r.output).toContain('Client.Timeout or context cancellation while reading body');
    });

    it('reads at most 10 KiB of a big body', async () => {
      const r = await http('/big');
      expect(r.result).toBe('Success');
      expect(r.output).toBe('a'.repeat(10 * 1024));
    });

    it('a connection closed without a response is a Failure', async () => {
      expect(await http('/hangup')).toEqual({ result: 'Failure', output: `Get "http://127.0.0.1:${HTTP}/hangup": EOF` });
    });

    it('a closed port is a Failure with the dial error', async () => {
      expect(await httpProbe({ ...target(CLOSED), scheme: 'HTTP', path: '/', headers: [] })).toEqual({
        result: 'Failure',
        output: `Get "http://127.0.0.1:${CLOSED}/": dial tcp 127.0.0.1:${CLOSED}: connect: connection refused`,
      });
    });

    it('sends the kubelet default headers: User-Agent, Accept, Host, Connection: close, no compression', async () => {
      const seen = JSON.parse((await http('/headers')).output).headers;
      expect(seen['user-agent']).toBe('kube-probe/1.36');
      expect(seen.accept).toBe('*/*');
      expect(seen.host).toBe(`127.0.0.1:${HTTP}`);
      expect(seen.connection).toBe('close');
      expect(seen['accept-encoding']).toBeUndefined();
    });

    it('custom headers, a Host header, empty values removing defaults, the hook User-Agent', async () => {
      const custom = await http('/headers', {
        headers: [{ name: 'X-Probe', value: 'yes' }, { name: 'Host', value: 'example.test' }, { name: 'Accept', value: '' }],
        userAgent: 'kube-lifecycle/1.36',
      });
      const seen = JSON.parse(custom.output).headers;
      expect(seen['x-probe']).toBe('yes');
      expect(seen.host).toBe('example.test');
      expect(seen.accept).toBeUndefined();
      expect(seen['user-agent']).toBe('kube-lifecycle/1.36');
      const noUa = JSON.parse((await http('/headers', { headers: [{ name: 'user-agent', value: '' }] })).output).headers;
      expect(noUa['user-agent']).toBeUndefined();
    });

    it('a custom Host survives a relative redirect, which adds a Referer', async () => {
      const r = await http('/to-headers', { headers: [{ name: 'Host', value: 'example.test' }] });
      const seen = JSON.parse(r.output).headers;
      expect(seen.host).toBe('example.test');
      expect(seen.referer).toBe(`http://127.0.0.1:${HTTP}/to-headers`);
    });

    it.skipIf(!ipv6)('works over IPv6', async () => {
      expect(await http('/ok', { host: '::1' })).toEqual({ result: 'Success', output: 'ok', httpStatus: 200 });
    });

    it('resolves a host name in the host (localhost, from /etc/hosts) and connects inside', async () => {
      expect(await http('/ok', { host: 'localhost' })).toEqual({ result: 'Success', output: 'ok', httpStatus: 200 });
      expect((await tcpProbe(target(CLOSED, { host: 'localhost' }))).output).toMatch(/^dial tcp .*: connect: connection refused$/);
    });

    it.skipIf(!haveOpenssl)('HTTPS with a self-signed certificate succeeds (no verification)', async () => {
      expect(await httpProbe({ ...target(HTTPS), scheme: 'HTTPS', path: '/ok', headers: [] })).toEqual({ result: 'Success', output: 'ok', httpStatus: 200 });
    });

    it.skipIf(!haveOpenssl)('follows a same-host redirect from http to https', async () => {
      expect(await http('/to-https')).toEqual({ result: 'Success', output: 'ok', httpStatus: 200 });
    });

    it('HTTPS against a plain HTTP server is a Failure', async () => {
      const r = await httpProbe({ ...target(HTTP), scheme: 'HTTPS', path: '/ok', headers: [] });
      expect(r.result).toBe('Failure');
      expect(r.output).toMatch(/^Get "https:\/\/127\.0\.0\.1:\d+\/ok": /);
    });
  });

  describe('grpc', () => {
    const grpc = (service?: string, over: Partial<NetTarget> = {}) => grpcProbe({ ...target(GRPC), ...over, ...(service !== undefined ? { service } : {}) });

    it('SERVING is a Success, for the server and for a named service', async () => {
      expect(await grpc()).toEqual({ result: 'Success', output: 'service healthy' });
      expect(await grpc('up')).toEqual({ result: 'Success', output: 'service healthy' });
    });

    it('NOT_SERVING is a Failure', async () => {
      expect(await grpc('down')).toEqual({ result: 'Failure', output: 'service unhealthy (responded with "NOT_SERVING")' });
    });

    it('an unknown service is a Failure with the status', async () => {
      expect(await grpc('nope')).toEqual({
        result: 'Failure',
        output: 'error: health rpc probe failed: rpc error: code = NotFound desc = unknown service',
      });
    });

    it('a service that does not answer fails at the time-out', async () => {
      const t0 = Date.now();
      expect(await grpc('slow', { timeoutMs: 300 })).toEqual({ result: 'Failure', output: 'timeout: health rpc did not complete within 300ms' });
      expect(Date.now() - t0).toBeLessThan(1500);
    });

    it('a closed port and a non-gRPC port are Failures', async () => {
      expect(await grpc(undefined, { port: CLOSED })).toEqual({
        result: 'Failure',
        output: `error: failed to connect service at "127.0.0.1:${CLOSED}": dial tcp 127.0.0.1:${CLOSED}: connect: connection refused`,
      });
      const http1 = await grpc(undefined, { port: HTTP });
      expect(http1.result).toBe('Failure');
      expect(http1.output).toMatch(/^error: health rpc probe failed: rpc error: code = \w+ desc = /);
    });

    it.skipIf(!ipv6)('works over IPv6', async () => {
      expect((await grpc(undefined, { host: '::1' })).result).toBe('Success');
    });
  });

  it('leaks no file descriptor over many probes, failing ones included', async () => {
    const round = () =>
      Promise.all([
        tcpProbe(target(HTTP)),
        tcpProbe(target(CLOSED)),
        http('/ok'),
        http('/redirect'),
        http('/fail'),
        http('/slow', { timeoutMs: 50 }),
        http('/stall-body', { timeoutMs: 50 }),
        http('/big'),
        http('/hangup'),
        haveOpenssl ? httpProbe({ ...target(HTTPS), scheme: 'HTTPS', path: '/ok', headers: [] }) : http('/ok'),
        httpProbe({ ...target(HTTP), scheme: 'HTTPS', path: '/ok', headers: [] }),
        grpcProbe(target(GRPC)),
        grpcProbe({ ...target(GRPC), service: 'nope' }),
        grpcProbe({ ...target(GRPC), service: 'slow', timeoutMs: 50 }),
        grpcProbe(target(HTTP)),
        grpcProbe(target(CLOSED)),
      ]);
    await round(); // warm-up: lazily opened fds (TLS, thread pool) are not leaks
    const before = openFds();
    for (let i = 0; i < 15; i++) {
      const results = (await round()).map((r) => r.result);
      // They really ran, each way: success, refused, timed out, discarded (the stalled body
      // is discarded, or a Failure when the 50 ms run out before its headers under load).
      expect(results.slice(0, 6)).toEqual(['Success', 'Failure', 'Success', 'Success', 'Failure', 'Failure']);
      expect(['Unknown', 'Failure']).toContain(results[6]);
      expect(results[7]).toBe('Success');
      expect(results.slice(11)).toEqual(['Success', 'Failure', 'Failure', 'Failure', 'Failure']);
    }
    await until('probe fds to be closed', () => openFds() <= before, 5000, 50);
    expect(openFds()).toBe(before);
  });
});
