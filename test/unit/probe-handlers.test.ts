// The pure parts of the network probe handlers: the kubelet's HTTP request and redirect
// rules, and the gRPC health protobuf/framing/status reading.
import { describe, expect, it } from 'vitest';
import {
  MAX_REDIRECTS,
  firstHop,
  httpOutcome,
  probeHeaders,
  probeUrl,
  redirectStep,
  requestTarget,
  type Hop,
} from '../../src/probe/http-rules.js';
import {
  decodeHealthCheckResponse,
  decodeVarint,
  encodeHealthCheckRequest,
  encodeVarint,
  firstMessage,
  frameMessage,
  grpcOutcome,
  rpcResultOf,
} from '../../src/probe/grpc-health.js';
import { goDuration, joinHostPort } from '../../src/probe/types.js';

describe('probe URL', () => {
  it('joins scheme, host, port and path, bracketing IPv6 and adding a leading slash', () => {
    expect(probeUrl('HTTP', '127.0.0.1', 8080, '/healthz?x=1').href).toBe('http://127.0.0.1:8080/healthz?x=1');
    expect(probeUrl('HTTPS', '::1', 8443, 'ready').href).toBe('https://[::1]:8443/ready');
    expect(requestTarget(probeUrl('HTTP', 'h', 1, '/a b?q#frag'))).toBe('/a%20b?q');
    // A path that looks like an authority stays a path.
    expect(requestTarget(probeUrl('HTTP', 'h', 1, '//evil/x'))).toBe('//evil/x');
    expect(probeUrl('HTTP', 'h', 1, '//evil/x').hostname).toBe('h');
  });
});

describe('probe headers', () => {
  const ua = 'kube-probe/1.36';

  it('adds User-Agent and Accept: */* by default', () => {
    expect(probeHeaders([], ua)).toEqual({ lines: [['User-Agent', ua], ['Accept', '*/*']], host: undefined });
  });

  it('a given User-Agent or Accept replaces the default, whatever its case', () => {
    const h = probeHeaders([{ name: 'user-agent', value: 'mine' }, { name: 'ACCEPT', value: 'text/plain' }], ua);
    expect(h.lines).toEqual([['User-Agent', 'mine'], ['ACCEPT', 'text/plain']]);
  });

  it('an empty value removes the default header', () => {
    expect(probeHeaders([{ name: 'User-Agent', value: '' }, { name: 'Accept', value: '' }], ua).lines).toEqual([]);
  });

  it('Host becomes the request host, not a header line; other headers keep every value, empty ones too', () => {
    const h = probeHeaders(
      [{ name: 'Host', value: 'example.test' }, { name: 'X-A', value: '1' }, { name: 'X-A', value: '2' }, { name: 'X-E', value: '' }],
      ua,
    );
    expect(h.host).toBe('example.test');
    expect(h.lines).toEqual([['User-Agent', ua], ['Accept', '*/*'], ['X-A', '1'], ['X-A', '2'], ['X-E', '']]);
  });

  it('drops framing headers a GET must not carry', () => {
    const h = probeHeaders([{ name: 'Content-Length', value: '5' }, { name: 'Transfer-Encoding', value: 'chunked' }], ua);
    expect(h.lines.map(([n]) => n)).toEqual(['User-Agent', 'Accept']);
  });
});

describe('redirect decision (Go http.Client + kubelet RedirectChecker)', () => {
  const first = firstHop(new URL('http://10.0.0.1:8080/start'), undefined);
  const step = (status: number, location: string | undefined, hops = 1, current: Hop = first, from: Hop = first) =>
    redirectStep(status, location, current, from, hops);

  it('the first hop sends host:port as Host, even for the default port', () => {
    expect(first.host).toBe('10.0.0.1:8080');
    expect(firstHop(new URL('http://10.0.0.1:80/'), undefined).host).toBe('10.0.0.1:80');
    expect(firstHop(new URL('http://10.0.0.1:80/'), 'custom').host).toBe('custom');
  });

  it('follows 301/302/303/307/308 to the same host, relative or absolute, with a Referer', () => {
    for (const code of [301, 302, 303, 307, 308]) {
      expect(step(code, '/next')).toEqual({
        kind: 'follow',
        next: { url: new URL('http://10.0.0.1:8080/next'), host: '10.0.0.1:8080', referer: 'http://10.0.0.1:8080/start' },
      });
    }
    const abs = step(302, 'https://10.0.0.1:8443/x');
    expect(abs.kind === 'follow' && abs.next.url.href).toBe('https://10.0.0.1:8443/x');
    expect(abs.kind === 'follow' && abs.next.host).toBe('10.0.0.1:8443');
  });

  it('no Referer from https to http', () => {
    const https = firstHop(new URL('https://10.0.0.1:8443/'), undefined);
    const s = step(302, 'http://10.0.0.1:8080/', 1, https, https);
    expect(s.kind === 'follow' && s.next.referer).toBeUndefined();
  });

  it('does not follow another host (the 3xx is the answer), nor other 3xx codes, nor a 3xx without Location', () => {
    expect(step(302, 'http://elsewhere:8080/')).toEqual({ kind: 'final' });
    expect(step(301, 'http://10.0.0.2:8080/')).toEqual({ kind: 'final' });
    expect(step(300, '/x')).toEqual({ kind: 'final' });
    expect(step(304, '/x')).toEqual({ kind: 'final' });
    expect(step(302, undefined)).toEqual({ kind: 'final' });
    expect(step(302, '')).toEqual({ kind: 'final' });
    expect(step(200, '/x')).toEqual({ kind: 'final' });
  });

  it('the 10th redirect response is an error; the 9th is still followed', () => {
    expect(step(302, '/again', MAX_REDIRECTS - 1).kind).toBe('follow');
    expect(step(302, '/again', MAX_REDIRECTS)).toEqual({ kind: 'error', url: '/again', message: 'stopped after 10 redirects' });
    // ...but another host at that point is still just not followed.
    expect(step(302, 'http://other/', MAX_REDIRECTS)).toEqual({ kind: 'final' });
  });

  it('a same-host redirect to an unsupported scheme is an error', () => {
    expect(step(302, 'ftp://10.0.0.1/x')).toMatchObject({ kind: 'error', message: 'unsupported protocol scheme "ftp"' });
  });

  it('a custom Host survives relative redirects only', () => {
    const custom = firstHop(new URL('http://10.0.0.1:8080/'), 'example.test');
    const rel = step(302, '/next', 1, custom, custom);
    expect(rel.kind === 'follow' && rel.next.host).toBe('example.test');
    const abs = step(302, 'http://10.0.0.1:9090/next', 1, custom, custom);
    expect(abs.kind === 'follow' && abs.next.host).toBe('10.0.0.1:9090');
  });

  it('compares hostnames with the first hop, not the previous one', () => {
    const second: Hop = { url: new URL('http://10.0.0.1:9090/x'), host: '10.0.0.1:9090' };
    expect(step(302, '/y', 2, second, first).kind).toBe('follow');
  });
});

describe('http outcome', () => {
  it('2xx Success with the body, 3xx Warning, others Failure without the body', () => {
    expect(httpOutcome(200, 'fine')).toEqual({ result: 'Success', output: 'fine', httpStatus: 200 });
    expect(httpOutcome(204, '')).toEqual({ result: 'Success', output: '', httpStatus: 204 });
    expect(httpOutcome(302, 'moved')).toEqual({ result: 'Warning', output: 'Probe terminated redirects, Response body: moved', httpStatus: 302 });
    expect(httpOutcome(399, '')).toMatchObject({ result: 'Warning' });
    expect(httpOutcome(400, 'secret')).toEqual({ result: 'Failure', output: 'HTTP probe failed with statuscode: 400', httpStatus: 400 });
    expect(httpOutcome(503, 'secret')).toEqual({ result: 'Failure', output: 'HTTP probe failed with statuscode: 503', httpStatus: 503 });
    expect(httpOutcome(101, '')).toMatchObject({ result: 'Failure' });
  });
});

describe('gRPC health protobuf and framing', () => {
  it('varints round-trip, multi-byte included', () => {
    for (const n of [0, 1, 127, 128, 300, 16384, 2 ** 31]) {
      const b = encodeVarint(n);
      expect(decodeVarint(b, 0)).toEqual([BigInt(n), b.length]);
    }
    expect([...encodeVarint(300)]).toEqual([0xac, 0x02]);
  });

  it('encodes HealthCheckRequest: nothing for the empty service, field 1 string otherwise', () => {
    expect(encodeHealthCheckRequest('').length).toBe(0);
    expect([...encodeHealthCheckRequest('ab')]).toEqual([0x0a, 2, 0x61, 0x62]);
    const long = encodeHealthCheckRequest('s'.repeat(200));
    expect([...long.subarray(0, 3)]).toEqual([0x0a, 0xc8, 0x01]);
    expect(long.length).toBe(203);
  });

  it('decodes HealthCheckResponse status, skipping unknown fields; absent status is UNKNOWN (0)', () => {
    expect(decodeHealthCheckResponse(Buffer.from([0x08, 0x01]))).toBe(1);
    expect(decodeHealthCheckResponse(Buffer.from([0x08, 0x02]))).toBe(2);
    expect(decodeHealthCheckResponse(Buffer.alloc(0))).toBe(0);
    // field 2 string "x", field 3 fixed32, field 4 fixed64, then status 1
    const mixed = Buffer.from([0x12, 1, 0x78, 0x1d, 0, 0, 0, 0, 0x21, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x01]);
    expect(decodeHealthCheckResponse(mixed)).toBe(1);
    expect(() => decodeHealthCheckResponse(Buffer.from([0x12, 5, 0x78]))).toThrow(/truncated/);
    expect(() => decodeHealthCheckResponse(Buffer.from([0x08]))).toThrow(/truncated/);
    expect(() => decodeHealthCheckResponse(Buffer.from([0x0b]))).toThrow(/wire type 3/);
  });

  it('frames and unframes gRPC messages', () => {
    const framed = frameMessage(Buffer.from([0x08, 0x01]));
    expect([...framed]).toEqual([0, 0, 0, 0, 2, 0x08, 0x01]);
    expect([...firstMessage(framed)]).toEqual([0x08, 0x01]);
    expect(() => firstMessage(Buffer.from([0, 0, 0, 0, 5, 1]))).toThrow(/truncated/);
    expect(() => firstMessage(Buffer.from([1, 0, 0, 0, 0]))).toThrow(/compressed/);
    expect(() => firstMessage(Buffer.alloc(2))).toThrow(/no message/);
  });
});

describe('gRPC result reading', () => {
  const ok = { ':status': 200, 'content-type': 'application/grpc' };
  const serving = (s: number) => frameMessage(Buffer.from([0x08, s]));

  it('status from the trailers, message from the body', () => {
    expect(rpcResultOf(ok, { 'grpc-status': '0' }, serving(1))).toEqual({ kind: 'response', servingStatus: 1 });
    expect(rpcResultOf(ok, { 'grpc-status': '0' }, serving(2))).toEqual({ kind: 'response', servingStatus: 2 });
  });

  it('trailers-only responses carry the status in the headers; grpc-message is percent-decoded', () => {
    expect(rpcResultOf({ ...ok, 'grpc-status': '5', 'grpc-message': 'unknown%20service' }, undefined, Buffer.alloc(0))).toEqual({
      kind: 'status',
      code: 5,
      message: 'unknown service',
    });
  });

  it('a non-200 HTTP status maps like grpc-go; missing trailers are Internal', () => {
    expect(rpcResultOf({ ':status': 404 }, undefined, Buffer.alloc(0))).toMatchObject({ kind: 'status', code: 12 });
    expect(rpcResultOf({ ':status': 503 }, undefined, Buffer.alloc(0))).toMatchObject({ kind: 'status', code: 14 });
    expect(rpcResultOf(ok, undefined, serving(1))).toMatchObject({ kind: 'status', code: 13 });
    expect(rpcResultOf(undefined, undefined, Buffer.alloc(0))).toMatchObject({ kind: 'status', code: 14 });
  });

  it('words outcomes like the kubelet', () => {
    const addr = '10.0.0.1:9000';
    expect(grpcOutcome({ kind: 'response', servingStatus: 1 }, addr, 1000)).toEqual({ result: 'Success', output: 'service healthy' });
    expect(grpcOutcome({ kind: 'response', servingStatus: 0 }, addr, 1000)).toEqual({
      result: 'Failure',
      output: 'service unhealthy (responded with "UNKNOWN")',
    });
    expect(grpcOutcome({ kind: 'response', servingStatus: 3 }, addr, 1000).output).toBe('service unhealthy (responded with "SERVICE_UNKNOWN")');
    expect(grpcOutcome({ kind: 'status', code: 12, message: 'm' }, addr, 1000).output).toBe(
      'error: this server does not implement the grpc health protocol (grpc.health.v1.Health): m',
    );
    expect(grpcOutcome({ kind: 'status', code: 4, message: '' }, addr, 1500).output).toBe('timeout: health rpc did not complete within 1.5s');
    expect(grpcOutcome({ kind: 'status', code: 14, message: 'gone' }, addr, 1000).output).toBe(
      'error: health rpc probe failed: rpc error: code = Unavailable desc = gone',
    );
    expect(grpcOutcome({ kind: 'connect-timeout' }, addr, 1000).output).toBe(
      'timeout: failed to connect service "10.0.0.1:9000" within 1s: context deadline exceeded',
    );
    expect(grpcOutcome({ kind: 'connect-error', message: 'x' }, addr, 1000)).toEqual({
      result: 'Failure',
      output: 'error: failed to connect service at "10.0.0.1:9000": x',
    });
  });
});

describe('helpers', () => {
  it('formats durations like Go and joins host and port like net.JoinHostPort', () => {
    expect(goDuration(300)).toBe('300ms');
    expect(goDuration(1000)).toBe('1s');
    expect(goDuration(1500)).toBe('1.5s');
    expect(goDuration(90_000)).toBe('1m30s');
    expect(goDuration(3_600_000)).toBe('1h0m0s');
    expect(joinHostPort('::1', 80)).toBe('[::1]:80');
    expect(joinHostPort('10.0.0.1', 80)).toBe('10.0.0.1:80');
  });
});
