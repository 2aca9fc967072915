// The supervisor's API: HTTP/1.1 + JSON over a unix socket, the convention of the
// Docker and Podman APIs, so programs can skip the CLI's start-up cost. The routes and
// their types are the contract's (src/api/routes.ts); this module gives each a handler.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { PodManager } from '../pod/manager.js';
import { parseManifest } from '../manifest/parse.js';
import { hostInfo } from '../api/info.js';
import { matchPath } from '../api/paths.js';
import { HTTP_STATUS, ROUTES, type ApiErrorBody, type RequestOf, type ResponseOf, type RouteName } from '../api/routes.js';
import { InvalidInputError, NotFoundError, asPodrunError, toWire } from '../util/errors.js';
import { upgradeHandler } from './upgrade.js';

/** One handler per route, typed by the contract: the compiler rejects a missing or mistyped one. */
export type Handlers = { [K in RouteName]: (req: RequestOf<K>) => Promise<ResponseOf<K>> };

export function apiHandlers(pods: PodManager, onShutdown: () => void): Handlers {
  return {
    ping: async () => ({ ok: true, pid: process.pid }),
    info: async () => hostInfo(pods.state.root),
    listPods: async () => ({ apiVersion: 'v1', kind: 'List', items: pods.list() }),
    createPod: async ({ body }) =>
      pods.create(parseManifest(String(body.manifest ?? ''), 'request body'), { ignoreMissingControllers: body.ignoreMissingControllers === true }),
    getPod: async ({ params }) => pods.get(params.name),
    startPod: async ({ params }) => {
      await pods.start(params.name);
      return { ok: true };
    },
    killPod: async ({ params, body }) => ({ signalled: await pods.kill(params.name, body.container, body.signal ?? 'KILL') }),
    stopPod: async ({ params, body }) => {
      await pods.stop(params.name, body.container, body.timeout);
      return { ok: true };
    },
    removePod: async ({ params, query }) => ({ removed: await pods.remove(params.name, query.force === 'true') }),
    waitPod: async ({ params, query }) => {
      const timeout = query.timeout ? Number(query.timeout) : undefined;
      const ok = await pods.wait(params.name, query.for === 'completed' ? 'completed' : 'ready', timeout);
      return { ok, phase: pods.phase(params.name) };
    },
    pausePod: async ({ params }) => {
      await pods.pause(params.name);
      return { ok: true };
    },
    unpausePod: async ({ params }) => {
      await pods.unpause(params.name);
      return { ok: true };
    },
    shutdown: async () => {
      setImmediate(onShutdown);
      return { ok: true };
    },
  };
}

/** The route a request is for, with its decoded path parameters: matched against the contract's templates. */
export function findRoute(method: string, pathname: string): { name: RouteName; params: Record<string, string> } | undefined {
  for (const name of Object.keys(ROUTES) as RouteName[]) {
    if (ROUTES[name].method !== method) continue;
    const params = matchPath(ROUTES[name].path, pathname);
    if (params) return { name, params };
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (!chunks.length) return {};
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    throw new InvalidInputError('body', `not JSON: ${(e as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidInputError('body', 'must be a JSON object');
  return body as Record<string, unknown>;
}

export function createApiServer(pods: PodManager, onShutdown: () => void, onActivity: (delta: number) => void): Server {
  const handlers = apiHandlers(pods, onShutdown);
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    onActivity(1);
    const send = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    try {
      const url = new URL(req.url ?? '/', 'http://podrun');
      const route = findRoute(req.method ?? '', url.pathname);
      if (!route) throw new NotFoundError(`no such API route: ${req.method} ${url.pathname}`);
      const body = await readBody(req);
      // The request parts are as the contract declares them only by the caller's word:
      // handlers read them defensively (defaults, string comparisons).
      const handler = handlers[route.name] as (r: unknown) => Promise<unknown>;
      send(200, await handler({ params: route.params, query: Object.fromEntries(url.searchParams), body }));
    } catch (err) {
      const e = asPodrunError(err);
      const answer: ApiErrorBody = { error: toWire(e) };
      send(HTTP_STATUS[e.kind], answer);
    } finally {
      onActivity(-1);
    }
  });
  // The stream routes (attach, exec with a terminal): upgrade.ts.
  server.on('upgrade', upgradeHandler(pods, onActivity));
  return server;
}
