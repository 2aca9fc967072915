// GET over node:http/https with keep-alive agents and redirects. node:http rather than
// Node's fetch (undici): bodies arrive as Buffers in a Readable that pipes straight to a
// hash and a file with back-pressure and no web-stream conversion, the agents bound the
// sockets per pull, and redirects are ours to check: a blob redirect to another host (a
// CDN, S3) must not carry the registry's Authorization, and must not downgrade to plain
// HTTP where that is not allowed.
import * as http from 'node:http';
import * as https from 'node:https';
import type { IncomingMessage } from 'node:http';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Each WWW-Authenticate header on its own (Node joins repeated ones). */
  challenges: string[];
  body: IncomingMessage;
  /** The URL that answered, after redirects. */
  url: URL;
}

export interface GetOptions {
  headers: Record<string, string>;
  signal?: AbortSignal;
  /** Certificates are checked (off only for insecure and loopback registries). */
  verifyTls: boolean;
  /** May a redirect go to plain HTTP on this `host[:port]`? */
  allowHttp: (host: string) => boolean;
}

const MAX_REDIRECTS = 10;
/** A response that sends nothing for this long fails (a stalled registry, not a slow one). */
const IDLE_TIMEOUT_MS = 30_000;

/** One pair of keep-alive agents per pull; `close` ends their sockets. */
export class Agents {
  readonly http = new http.Agent({ keepAlive: true, maxSockets: 8 });
  readonly https = new https.Agent({ keepAlive: true, maxSockets: 8 });
  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/** GET `url`, following redirects; the caller consumes or destroys the body. */
export async function httpGet(agents: Agents, url: URL, opts: GetOptions): Promise<HttpResponse> {
  let current = url;
  let headers = { ...opts.headers };
  for (let hop = 0; ; hop++) {
    const res = await request(agents, current, headers, opts);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (![301, 302, 303, 307, 308].includes(status) || !location) {
      return { status, headers: res.headers, challenges: wwwAuthenticate(res.rawHeaders), body: res, url: current };
    }
    res.resume();
    if (hop >= MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects from ${url.origin}`);
    const next = new URL(location, current);
    if (next.protocol !== 'https:' && !(next.protocol === 'http:' && opts.allowHttp(next.host))) {
      throw new Error(`a redirect to ${next.protocol}//${next.host} is refused (plain HTTP needs --insecure)`);
    }
    if (next.origin !== current.origin) {
      const { authorization: _dropped, ...rest } = headers;
      headers = rest;
    }
    current = next;
  }
}

function request(agents: Agents, url: URL, headers: Record<string, string>, opts: GetOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const tls = url.protocol === 'https:';
    const req = (tls ? https : http).get(url, {
      headers: { 'user-agent': 'podrun', ...headers },
      agent: tls ? agents.https : agents.http,
      signal: opts.signal,
      ...(tls ? { rejectUnauthorized: opts.verifyTls } : {}),
    });
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`no answer from ${url.host} for ${IDLE_TIMEOUT_MS / 1000} s`)));
    req.once('response', resolve);
    req.once('error', reject);
  });
}

function wwwAuthenticate(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'www-authenticate') out.push(raw[i + 1]!);
  return out;
}

/** The whole body as a Buffer, failing past `limit` bytes (manifests, tokens, errors). */
export async function readBody(body: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) {
      body.destroy();
      throw new Error(`the response is larger than ${limit} bytes`);
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}
