// The stream routes of the API (attach, exec with a terminal): the HTTP upgrade to
// `podrun-stream`, then frames both ways (api/stream-frames.ts). A request that cannot
// start (no such pod, container not running, bad query) gets an ordinary error answer
// instead of the 101. The session ends when its container or command does, at the
// detach keys, or when the client goes away (an exec's command is then hung up).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { matchPath } from '../api/paths.js';
import { HTTP_STATUS, STREAM_PROTOCOL, STREAM_ROUTES, type ApiErrorBody, type StreamRouteName } from '../api/routes.js';
import { CHANNEL, FrameDecoder, encodeFrame, type StreamEnd } from '../api/stream-frames.js';
import { parseDetachKeys } from '../model/detach-keys.js';
import type { WinSize } from '../../native-bindings/pty.js';
import { startTerminalExec } from '../pod/exec-terminal.js';
import type { PodManager } from '../pod/manager.js';
import { InvalidInputError, NotFoundError, asPodrunError, toWire } from '../util/errors.js';

interface Conn {
  /** Sends output; a client that lets too much pile up loses its session. */
  send(channel: typeof CHANNEL.stdout | typeof CHANNEL.stderr, chunk: Buffer): void;
  /** Sends the end frame and closes. */
  end(e: StreamEnd): void;
}

/** Output waiting for a client beyond this ends its session, rather than the supervisor's memory. */
const MAX_UNREAD_BYTES = 4 << 20;
/** How long an ended session's last frames may take to be read before the socket goes. */
const LINGER_MS = 5000;

/** What a session does with the client's frames. */
interface Inbound {
  input(chunk: Buffer): void;
  resize(size: WinSize): void;
  gone(): void;
}

type Query = URLSearchParams;

function findStreamRoute(method: string, pathname: string): { name: StreamRouteName; params: Record<string, string> } | undefined {
  for (const name of Object.keys(STREAM_ROUTES) as StreamRouteName[]) {
    if (STREAM_ROUTES[name].method !== method) continue;
    const params = matchPath(STREAM_ROUTES[name].path, pathname);
    if (params) return { name, params };
  }
  return undefined;
}

function parseSize(payload: Buffer): WinSize | undefined {
  try {
    const { rows, cols } = JSON.parse(payload.toString('utf8')) as { rows?: unknown; cols?: unknown };
    if (Number.isInteger(rows) && Number.isInteger(cols)) return { rows: rows as number, cols: cols as number };
  } catch {
    /* ignored: a bad resize frame changes nothing */
  }
  return undefined;
}

function startAttach(pods: PodManager, params: Record<string, string>, q: Query, conn: Conn): Inbound {
  const stdio = pods.attachable(params.name, q.get('container') ?? undefined);
  const detachKeys = parseDetachKeys(q.get('detachKeys') ?? '', 'detachKeys');
  const session = stdio.attach(
    {
      output: (stream, chunk) => conn.send(stream === 'stdout' ? CHANNEL.stdout : CHANNEL.stderr, chunk),
      end: (e) => conn.end(e),
    },
    { stdin: q.get('stdin') === 'true', detachKeys },
  );
  return { input: session.input, resize: session.resize, gone: session.close };
}

function windowOf(q: Query): WinSize | undefined {
  const rows = Number(q.get('rows'));
  const cols = Number(q.get('cols'));
  return Number.isInteger(rows) && Number.isInteger(cols) && rows > 0 && cols > 0 ? { rows, cols } : undefined;
}

function startExec(pods: PodManager, params: Record<string, string>, q: Query, conn: Conn): Inbound {
  if (q.get('tty') !== 'true') throw new InvalidInputError('tty', 'must be true: the API runs commands on a terminal only (podrun exec runs the others itself)');
  const command = q.getAll('command');
  if (command.length === 0) throw new InvalidInputError('command', 'required (one parameter per argument)');
  const opts = {
    container: q.get('container') ?? undefined,
    env: q.getAll('env'),
    workdir: q.get('workdir') ?? undefined,
    user: q.get('user') ?? undefined,
    stdin: q.get('stdin') === 'true',
    winsize: windowOf(q),
  };
  const session = startTerminalExec(pods.state, params.name, command, opts, (chunk) => conn.send(CHANNEL.stdout, chunk));
  void session.exit.then((exitCode) => conn.end({ reason: 'exited', exitCode }));
  return {
    input: (chunk) => {
      if (opts.stdin) session.write(chunk);
    },
    resize: session.resize,
    gone: session.hangup,
  };
}

const STARTERS: Record<StreamRouteName, (pods: PodManager, params: Record<string, string>, q: Query, conn: Conn) => Inbound> = {
  attachPod: startAttach,
  execPod: startExec,
};

function refuse(socket: Duplex, err: unknown): void {
  const e = asPodrunError(err);
  const body = JSON.stringify({ error: toWire(e) } satisfies ApiErrorBody);
  socket.end(
    `HTTP/1.1 ${HTTP_STATUS[e.kind]} Error\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** The server's 'upgrade' listener. */
export function upgradeHandler(pods: PodManager, onActivity: (delta: number) => void) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => {});
    const url = new URL(req.url ?? '/', 'http://podrun');
    const route = findStreamRoute(req.method ?? '', url.pathname);
    if (!route) return refuse(socket, new NotFoundError(`no such stream route: ${req.method} ${url.pathname}`));
    if (req.headers.upgrade?.toLowerCase() !== STREAM_PROTOCOL) {
      return refuse(socket, new InvalidInputError('Upgrade', `must be ${STREAM_PROTOCOL}`));
    }
    let closed = false;
    let inbound: Inbound | undefined;
    const conn: Conn = {
      send: (channel, chunk) => {
        if (closed) return;
        socket.write(encodeFrame(channel, chunk));
        if (socket.writableLength > MAX_UNREAD_BYTES) {
          conn.end({ reason: 'error', message: `the client left more than ${MAX_UNREAD_BYTES} bytes of output unread` });
          inbound?.gone();
        }
      },
      end: (e) => {
        if (closed) return;
        closed = true;
        socket.end(encodeFrame(CHANNEL.end, JSON.stringify(e)));
        // A client that reads nothing more would hold the socket (and its buffer) forever.
        setTimeout(() => socket.destroy(), LINGER_MS).unref();
      },
    };
    try {
      inbound = STARTERS[route.name](pods, route.params, url.searchParams, conn);
    } catch (err) {
      return refuse(socket, err);
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: ${STREAM_PROTOCOL}\r\n\r\n`);
    onActivity(1);
    const decoder = new FrameDecoder();
    const session = inbound;
    const take = (chunk: Buffer) => {
      try {
        for (const f of decoder.push(chunk)) {
          if (f.channel === CHANNEL.stdin && f.payload.length) session.input(f.payload);
          else if (f.channel === CHANNEL.resize) {
            const size = parseSize(f.payload);
            if (size) session.resize(size);
          }
        }
      } catch (err) {
        conn.end({ reason: 'error', message: (err as Error).message });
      }
    };
    if (head.length) take(head);
    socket.on('data', take);
    // The server's sockets are half-open by default: a client that is done ends the session.
    socket.once('end', () => socket.end());
    socket.once('close', () => {
      closed = true;
      session.gone();
      onActivity(-1);
    });
  };
}
