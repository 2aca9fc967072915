// The gRPC Health Checking Protocol's wire pieces, hand-encoded (two one-field protobuf
// messages do not justify a protobuf dependency), and the kubelet's reading of an RPC's
// result (pkg/probe/grpc/grpc.go). No I/O here.
import { PodrunError } from '../util/errors.js';
import { goDuration, type ProbeOutcome } from './types.js';

export const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';

/** grpc.health.v1.HealthCheckResponse.ServingStatus */
export const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;
export const SERVING = 1;

/** google.rpc.Code names, as grpc-go prints them. */
const CODE_NAMES = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists',
  'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange',
  'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated',
];
export const CODE = { OK: 0, Unknown: 2, DeadlineExceeded: 4, Unimplemented: 12, Internal: 13, Unavailable: 14 } as const;

export function codeName(code: number): string {
  return CODE_NAMES[code] ?? `Code(${code})`;
}

/** HealthCheckRequest { string service = 1; } (proto3: an empty service is not written). */
export function encodeHealthCheckRequest(service: string): Buffer {
  if (!service) return Buffer.alloc(0);
  const bytes = Buffer.from(service, 'utf8');
  return Buffer.concat([Buffer.from([0x0a]), encodeVarint(bytes.length), bytes]);
}

/** HealthCheckResponse { ServingStatus status = 1; }: the status (0 when absent); other fields skipped. */
export function decodeHealthCheckResponse(buf: Buffer): number {
  let status = 0;
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = decodeVarint(buf, pos);
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    pos = afterKey;
    if (wire === 0) {
      const [v, next] = decodeVarint(buf, pos);
      if (field === 1) status = Number(BigInt.asIntN(32, v)); // enums are int32
      pos = next;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, next] = decodeVarint(buf, pos);
      pos = next + Number(len);
    } else throw new PodrunError(`protobuf: unsupported wire type ${wire} (field ${field})`);
    if (pos > buf.length) throw new PodrunError('protobuf: truncated message');
  }
  return status;
}

export function encodeVarint(n: number): Buffer {
  const out: number[] = [];
  let v = BigInt(n);
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? low | 0x80 : low);
  } while (v);
  return Buffer.from(out);
}

/** [value, position after it] */
export function decodeVarint(buf: Buffer, pos: number): [bigint, number] {
  let v = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    if (pos >= buf.length) throw new PodrunError('protobuf: truncated varint');
    const b = buf[pos++];
    v |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return [BigInt.asUintN(64, v), pos];
  }
  throw new PodrunError('protobuf: varint too long');
}

/** A gRPC length-prefixed message: flag 0 (not compressed), 4-byte big-endian length. */
export function frameMessage(msg: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

/** The first message of a response body (a unary RPC has exactly one). */
export function firstMessage(body: Buffer): Buffer {
  if (body.length < 5) throw new PodrunError(`grpc: response has no message (${body.length} bytes)`);
  if (body[0] !== 0) throw new PodrunError('grpc: compressed response message, but no compression was offered');
  const len = body.readUInt32BE(1);
  if (body.length < 5 + len) throw new PodrunError('grpc: truncated response message');
  return body.subarray(5, 5 + len);
}

/** grpc-go's status for a response that is not gRPC (HTTP status other than 200). */
export function codeOfHttpStatus(status: number): number {
  switch (status) {
    case 400:
      return CODE.Internal;
    case 401:
      return 16; // Unauthenticated
    case 403:
      return 7; // PermissionDenied
    case 404:
      return CODE.Unimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return CODE.Unavailable;
    default:
      return CODE.Unknown;
  }
}

/** grpc-message is percent-encoded (gRPC over HTTP/2 spec). */
export function decodeGrpcMessage(raw: string | undefined): string {
  if (!raw) return '';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** What one Health/Check call came to. */
export type RpcResult =
  | { kind: 'connect-timeout' } // no connection before the deadline
  | { kind: 'connect-error'; message: string }
  | { kind: 'status'; code: number; message: string } // the RPC failed with a gRPC status
  | { kind: 'response'; servingStatus: number };

/** The kubelet's outcome and wording for an RPC result. */
export function grpcOutcome(r: RpcResult, addr: string, timeoutMs: number): ProbeOutcome {
  const within = goDuration(timeoutMs);
  const fail = (output: string): ProbeOutcome => ({ result: 'Failure', output });
  switch (r.kind) {
    case 'connect-timeout':
      return fail(`timeout: failed to connect service ${JSON.stringify(addr)} within ${within}: context deadline exceeded`);
    case 'connect-error':
      return fail(`error: failed to connect service at ${JSON.stringify(addr)}: ${r.message}`);
    case 'status':
      if (r.code === CODE.Unimplemented) {
        return fail(`error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${r.message}`);
      }
      if (r.code === CODE.DeadlineExceeded) return fail(`timeout: health rpc did not complete within ${within}`);
      return fail(`error: health rpc probe failed: rpc error: code = ${codeName(r.code)} desc = ${r.message}`);
    case 'response':
      if (r.servingStatus !== SERVING) {
        const name = SERVING_STATUS[r.servingStatus] ?? String(r.servingStatus);
        return fail(`service unhealthy (responded with ${JSON.stringify(name)})`);
      }
      return { result: 'Success', output: 'service healthy' };
  }
}

type Headers = Record<string, string | string[] | number | undefined>;

/**
 * The result of a finished Check stream: the HTTP status first (a non-gRPC server), then
 * grpc-status from the trailers, or from the headers of a trailers-only response, then the
 * message.
 */
export function rpcResultOf(headers: Headers | undefined, trailers: Headers | undefined, body: Buffer): RpcResult {
  if (!headers) return { kind: 'status', code: CODE.Unavailable, message: 'the stream closed before any response headers' };
  const http = Number(headers[':status']);
  if (http !== 200) {
    return { kind: 'status', code: codeOfHttpStatus(http), message: `unexpected HTTP status code received from server: ${http}` };
  }
  const meta = trailers?.['grpc-status'] !== undefined ? trailers : headers;
  if (meta['grpc-status'] === undefined) {
    return { kind: 'status', code: CODE.Internal, message: 'server closed the stream without sending trailers' };
  }
  const code = Number(meta['grpc-status']);
  if (code !== CODE.OK) return { kind: 'status', code, message: decodeGrpcMessage(String(meta['grpc-message'] ?? '')) };
  try {
    return { kind: 'response', servingStatus: decodeHealthCheckResponse(firstMessage(body)) };
  } catch (e) {
    return { kind: 'status', code: CODE.Internal, message: (e as Error).message };
  }
}
