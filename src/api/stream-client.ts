// The client of the API's stream routes: the HTTP upgrade over the supervisor's unix
// socket, then a framed session (stream-frames.ts). An error answer is raised again as
// the server's error, as callApi does.
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { PodrunError, fromWire } from '../util/errors.js';
import { fillPath } from './paths.js';
import { STREAM_PROTOCOL, STREAM_ROUTES, type ApiErrorBody, type StreamRouteName, type StreamRoutes } from './routes.js';
import { CHANNEL, FrameDecoder, encodeFrame, type StreamEnd } from './stream-frames.js';

export interface StreamRequest<K extends StreamRouteName> {
  params: { name: string };
  query: StreamRoutes[K]['query'];
}

/** The request target, lists as repeated parameters. */
export function streamTarget<K extends StreamRouteName>(name: K, req: StreamRequest<K>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(req.query as Record<string, string | string[] | undefined>)) {
    for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) q.append(k, one);
  }
  const qs = q.toString();
  return fillPath(STREAM_ROUTES[name].path, req.params) + (qs ? `?${qs}` : '');
}

export interface StreamSession {
  send(channel: typeof CHANNEL.stdin | typeof CHANNEL.resize, payload: Buffer | string): void;
  /** Output frames: stdout (1) and stderr (2). */
  onOutput(fn: (channel: number, payload: Buffer) => void): void;
  /** The server's end frame, or undefined when the connection went away without one. */
  readonly ended: Promise<StreamEnd | undefined>;
  close(): void;
}

export function openStream<K extends StreamRouteName>(socketPath: string, name: K, req: StreamRequest<K>): Promise<StreamSession> {
  return new Promise((resolve, reject) => {
    const http = request({
      socketPath,
      method: STREAM_ROUTES[name].method,
      path: streamTarget(name, req),
      agent: false,
      headers: { connection: 'Upgrade', upgrade: STREAM_PROTOCOL },
    });
    http.on('upgrade', (_res, socket: Socket, head: Buffer) => resolve(session(socket, head)));
    http.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let wire: ApiErrorBody['error'] | undefined;
        try {
          wire = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<ApiErrorBody>).error;
        } catch {
          /* not JSON */
        }
        reject(wire ? fromWire(wire) : new PodrunError(`the supervisor answered ${name} with HTTP ${res.statusCode}`));
      });
    });
    http.on('error', reject);
    http.end();
  });
}

function session(socket: Socket, head: Buffer): StreamSession {
  const decoder = new FrameDecoder();
  let onOutput: ((channel: number, payload: Buffer) => void) | undefined;
  // Output that arrives before the caller listens (in the upgrade's first bytes) waits.
  const pending: { channel: number; payload: Buffer }[] = [];
  let end: StreamEnd | undefined;
  const ended = new Promise<StreamEnd | undefined>((resolve) => socket.on('close', () => resolve(end)));
  const take = (chunk: Buffer) => {
    let frames;
    try {
      frames = decoder.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const f of frames) {
      if (f.channel === CHANNEL.end) end = JSON.parse(f.payload.toString('utf8')) as StreamEnd;
      else pending.push(f);
    }
    if (onOutput) for (const f of pending.splice(0)) onOutput(f.channel, f.payload);
  };
  socket.on('data', take);
  socket.on('error', () => {});
  if (head.length) take(head);
  return {
    send: (channel, payload) => {
      if (!socket.destroyed) socket.write(encodeFrame(channel, payload));
    },
    onOutput(fn) {
      onOutput = fn;
      for (const f of pending.splice(0)) fn(f.channel, f.payload);
    },
    ended,
    close: () => socket.destroy(),
  };
}
