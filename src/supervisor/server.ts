// The supervisor's API: HTTP/1.1 + JSON over a unix socket, the convention of the
// Docker and Podman APIs, so programs can skip the CLI's start-up cost.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { PodManager } from '../pod/manager.js';
import { parseManifest } from '../manifest/parse.js';
import { UsageError, asPodrunError, toWire, type ErrorKind } from '../util/errors.js';

const HTTP_STATUS: Record<ErrorKind, number> = { usage: 400, invalid: 400, notFound: 404, exists: 409, runtime: 500, exec: 500 };

type Handler = (m: RegExpMatchArray, body: Record<string, unknown>, q: URLSearchParams) => Promise<unknown>;

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (!chunks.length) return {};
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

export function createApiServer(pods: PodManager, onShutdown: () => void, onActivity: (delta: number) => void): Server {
  const routes: [string, RegExp, Handler][] = [
    ['GET', /^\/v1\/ping$/, async () => ({ ok: true, pid: process.pid })],
    ['GET', /^\/v1\/pods$/, async () => ({ apiVersion: 'v1', kind: 'List', items: pods.list() })],
    ['POST', /^\/v1\/pods$/, async (_m, b) => {
        const pod = parseManifest(String(b.manifest ?? ''), 'request body');
        return { name: await pods.create(pod) };
      }],
    ['GET', /^\/v1\/pods\/([^/]+)$/, async (m) => pods.get(m[1])],
    ['POST', /^\/v1\/pods\/([^/]+)\/start$/, async (m) => (await pods.start(m[1]), { ok: true })],
    [
      'POST',
      /^\/v1\/pods\/([^/]+)\/kill$/,
      async (m, b) => ({ signalled: await pods.kill(m[1], b.container as string | undefined, (b.signal as string) ?? 'KILL') }),
    ],
    [
      'POST',
      /^\/v1\/pods\/([^/]+)\/stop$/,
      async (m, b) => (await pods.stop(m[1], b.container as string | undefined, b.timeout as number | undefined), { ok: true }),
    ],
    ['DELETE', /^\/v1\/pods\/([^/]+)$/, async (m, _b, q) => ({ removed: await pods.remove(m[1], q.get('force') === 'true') })],
    [
      'GET',
      /^\/v1\/pods\/([^/]+)\/wait$/,
      async (m, _b, q) => {
        const t = q.get('timeout');
        const ok = await pods.wait(m[1], q.get('for') === 'completed' ? 'completed' : 'ready', t ? Number(t) : undefined);
        return { ok, phase: pods.phase(m[1]) };
      },
    ],
    [
      'POST',
      /^\/v1\/shutdown$/,
      async () => {
        setImmediate(onShutdown);
        return { ok: true };
      },
    ],
  ];

  return createServer(async (req: IncomingMessage, res: ServerResponse) => {
    onActivity(1);
    const send = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    try {
      const url = new URL(req.url ?? '/', 'http://podrun');
      const route = routes.find(([method, re]) => method === req.method && re.test(url.pathname));
      if (!route) return send(404, { error: toWire(new UsageError(`no such API route: ${req.method} ${url.pathname}`)) });
      const m = url.pathname.match(route[1])!.map((s) => decodeURIComponent(s)) as unknown as RegExpMatchArray;
      const body = await readBody(req);
      send(200, await route[2](m, body, url.searchParams));
    } catch (err) {
      const e = asPodrunError(err);
      send(HTTP_STATUS[e.kind], { error: toWire(e) });
    } finally {
      onActivity(-1);
    }
  });
}
