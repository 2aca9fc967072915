// grpc probe: grpc.health.v1.Health/Check over h2c (plaintext HTTP/2, no TLS or auth
// options, like the kubelet's), on a socket of the pod's network namespace.
import { connect as http2Connect, type IncomingHttpHeaders } from 'node:http2';
import type { Socket } from 'node:net';
import { DialError, connectInNetns } from './dial.js';
import { CODE, HEALTH_CHECK_PATH, encodeHealthCheckRequest, frameMessage, grpcOutcome, rpcResultOf, type RpcResult } from './grpc-health.js';
import { PROBE_USER_AGENT, internalError, joinHostPort, type NetTarget, type ProbeOutcome } from './types.js';

export interface GrpcTarget extends NetTarget {
  /** The service name asked about; empty or absent: the server as a whole. */
  service?: string;
}

/**
 * SERVING is a Success; anything else (NOT_SERVING, an unknown service, no health service,
 * a non-gRPC or closed port, a time-out) is a Failure. Unlike grpc-go's blocking dial,
 * which retries a refused connection until the time-out, a refused connect fails at once.
 */
export async function grpcProbe(t: GrpcTarget): Promise<ProbeOutcome> {
  const addr = joinHostPort(t.host, t.port);
  const deadline = Date.now() + t.timeoutMs;
  try {
    let sock: Socket;
    try {
      sock = await connectInNetns(t.netns, t.host, t.port, t.timeoutMs);
    } catch (e) {
      if (!(e instanceof DialError)) throw e;
      return grpcOutcome(e.timeout ? { kind: 'connect-timeout' } : { kind: 'connect-error', message: e.message }, addr, t.timeoutMs);
    }
    return grpcOutcome(await healthCheck(sock, addr, t.service ?? '', deadline), addr, t.timeoutMs);
  } catch (e) {
    return internalError('grpc probe', e);
  }
}

/** One Check call on `sock` (which it always destroys), bounded by `deadline`. */
function healthCheck(sock: Socket, addr: string, service: string, deadline: number): Promise<RpcResult> {
  return new Promise<RpcResult>((resolve, reject) => {
    let session: ReturnType<typeof http2Connect> | undefined;
    let done = false;
    const finish = (r: RpcResult | Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      session?.destroy();
      sock.destroy();
      if (r instanceof Error) reject(r);
      else resolve(r);
    };
    const remaining = deadline - Date.now();
    const timer = setTimeout(() => finish({ kind: 'status', code: CODE.DeadlineExceeded, message: 'context deadline exceeded' }), remaining);
    // A server that is not HTTP/2 (or goes away) fails the session and the stream.
    const unavailable = (e: Error) => finish({ kind: 'status', code: CODE.Unavailable, message: `connection error: ${e.message}` });
    sock.on('error', unavailable);
    try {
      session = http2Connect(`http://${addr}`, { createConnection: () => sock });
      session.on('error', unavailable);
      const stream = session.request({
        ':method': 'POST',
        ':path': HEALTH_CHECK_PATH,
        'content-type': 'application/grpc',
        te: 'trailers',
        'user-agent': PROBE_USER_AGENT,
        'grpc-timeout': `${Math.max(1, remaining)}m`,
      });
      let headers: IncomingHttpHeaders | undefined;
      let trailers: IncomingHttpHeaders | undefined;
      const chunks: Buffer[] = [];
      stream.on('response', (h) => (headers = h));
      stream.on('trailers', (h) => (trailers = h));
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', unavailable);
      stream.on('close', () => finish(rpcResultOf(headers, trailers, Buffer.concat(chunks))));
      stream.end(frameMessage(encodeHealthCheckRequest(service)));
    } catch (e) {
      finish(e as Error);
    }
  });
}
