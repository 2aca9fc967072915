// httpGet probe (and httpGet lifecycle hook) over sockets of the pod's network namespace.
// The rules are in http-rules.ts; this module moves the bytes: one connection per request
// (no keep-alive), TLS without verification for HTTPS, redirects, one deadline for all.
import { request, type IncomingMessage } from 'node:http';
import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { once } from 'node:events';
import { DialError, connectInNetns, syscallErrorText } from './dial.js';
import {
  MAX_BODY_BYTES,
  firstHop,
  httpOutcome,
  probeHeaders,
  probeUrl,
  redirectStep,
  requestTarget,
  type Hop,
  type HttpHeader,
} from './http-rules.js';
import { PodrunError } from '../util/errors.js';
import { PROBE_USER_AGENT, internalError, type NetTarget, type ProbeOutcome } from './types.js';

export interface HttpTarget extends NetTarget {
  scheme: 'HTTP' | 'HTTPS';
  path: string;
  headers: HttpHeader[];
  /** Default 'kube-probe/1.36'; lifecycle hooks pass LIFECYCLE_USER_AGENT. */
  userAgent?: string;
}

const HEADERS_TIMEOUT = 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)';
const BODY_TIMEOUT = 'context deadline exceeded (Client.Timeout or context cancellation while reading body)';

/** The exchange failed on the wire (TLS, protocol, reset, time-out): a probe Failure. */
class ExchangeError extends PodrunError {}

export async function httpProbe(t: HttpTarget): Promise<ProbeOutcome> {
  const deadline = Date.now() + t.timeoutMs;
  let first: Hop;
  let lines: [string, string][];
  try {
    const h = probeHeaders(t.headers, t.userAgent ?? PROBE_USER_AGENT);
    lines = h.lines;
    first = firstHop(probeUrl(t.scheme, t.host, t.port, t.path), h.host);
  } catch (e) {
    return internalError('http probe: building the request', e); // the kubelet's Unknown too
  }
  let hop = first;
  for (let hops = 1; ; hops++) {
    let res: Response;
    try {
      res = await get(t.netns, hop, lines, deadline);
    } catch (e) {
      if (e instanceof DialError) {
        return failure(hop.url.href, e.timeout ? HEADERS_TIMEOUT : e.message);
      }
      if (e instanceof ExchangeError) return failure(hop.url.href, e.message);
      return internalError('http probe', e);
    }
    const step = redirectStep(res.status, res.location, hop, first, hops);
    if (step.kind !== 'final') {
      res.close();
      if (step.kind === 'error') return failure(step.url, step.message);
      hop = step.next;
      continue;
    }
    try {
      return httpOutcome(res.status, await res.readBody(MAX_BODY_BYTES));
    } catch (e) {
      // The kubelet treats a failed body read as a prober error: the attempt is discarded.
      return { result: 'Unknown', output: `Get ${JSON.stringify(hop.url.href)}: ${(e as Error).message}` };
    } finally {
      res.close();
    }
  }
}

function failure(url: string, message: string): ProbeOutcome {
  return { result: 'Failure', output: `Get ${JSON.stringify(url)}: ${message}` }; // Go's url.Error
}

interface Response {
  status: number;
  location?: string;
  /** At most `limit` bytes of the body (more is not read). */
  readBody(limit: number): Promise<string>;
  /** Destroys the connection; idempotent. */
  close(): void;
}

/** One GET on a fresh connection from the pod's namespace, bounded by `deadline` until close(). */
async function get(netns: string, hop: Hop, lines: [string, string][], deadline: number): Promise<Response> {
  const host = hop.url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(hop.url.port) || (hop.url.protocol === 'https:' ? 443 : 80);
  const raw = await connectInNetns(netns, host, port, deadline - Date.now());
  // From here on every path ends in close(), which destroys the socket(s) and so the fd.
  let sock: Socket = raw;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    sock.destroy(new ExchangeError(HEADERS_TIMEOUT));
  }, deadline - Date.now());
  const close = () => {
    clearTimeout(timer);
    sock.destroy();
    raw.destroy();
  };
  // Errors reach us through the request and response; these keep a late one from throwing.
  raw.on('error', () => {});
  try {
    if (hop.url.protocol === 'https:') {
      sock = tlsConnect({ socket: raw, rejectUnauthorized: false, servername: isIP(host) ? undefined : host });
      sock.on('error', () => {});
      await once(sock, 'secureConnect');
    }
    const res = await send(sock, hop, lines);
    return {
      status: res.statusCode ?? 0,
      location: res.headers.location,
      readBody: (limit) => readAtMost(res, limit).catch((e) => Promise.reject(timedOut ? new ExchangeError(BODY_TIMEOUT) : e)),
      close,
    };
  } catch (e) {
    close();
    if (timedOut) throw new ExchangeError(HEADERS_TIMEOUT);
    throw new ExchangeError(wireErrorText(e as NodeJS.ErrnoException));
  }
}

function send(sock: Socket, hop: Hop, lines: [string, string][]): Promise<IncomingMessage> {
  const headers = [['Host', hop.host], ...lines];
  if (hop.referer && !lines.some(([n]) => n.toLowerCase() === 'referer')) headers.push(['Referer', hop.referer]);
  return new Promise((resolve, reject) => {
    // No agent: Node then sends "Connection: close" (the kubelet disables keep-alive) and
    // adds no Accept-Encoding; an array of headers is sent as is (no Host of its own).
    const req = request({
      method: 'GET',
      path: requestTarget(hop.url),
      headers: headers.flat(),
      createConnection: () => sock,
    });
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  });
}

function readAtMost(res: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(chunks).subarray(0, limit).toString());
    res.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) {
        res.pause(); // the rest is never read; close() drops the connection
        done();
      }
    });
    res.on('end', done);
    res.on('error', reject);
    res.on('close', () => {
      if (!res.complete) reject(new ExchangeError('unexpected EOF'));
    });
  });
}

/** Go-like wording for wire errors: "EOF" for a connection closed before the response. */
function wireErrorText(e: NodeJS.ErrnoException): string {
  if (e.code === 'ECONNRESET' && e.message === 'socket hang up') return 'EOF';
  if (typeof e.errno === 'number' && e.syscall) return `${e.syscall}: ${syscallErrorText(e)}`;
  return e.message;
}
