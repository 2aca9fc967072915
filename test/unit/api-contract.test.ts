// The supervisor API contract: every route has a server handler, path templates are
// filled and matched by one implementation, and a real server (with a stand-in pod
// manager, no root needed) answers typed calls and carries errors across intact.
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, routeTarget } from '../../src/api/client.js';
import { fillPath, matchPath } from '../../src/api/paths.js';
import { HTTP_STATUS, ROUTES, type RouteName } from '../../src/api/routes.js';
import type { PodView } from '../../src/model/pod-view.js';
import type { PodManager } from '../../src/pod/manager.js';
import { apiHandlers, createApiServer, findRoute } from '../../src/supervisor/server.js';
import { InvalidInputError, NotFoundError, PodrunError, SyscallError, type ErrorKind } from '../../src/util/errors.js';

const names = Object.keys(ROUTES) as RouteName[];
const noPods = {} as PodManager;

describe('the route table', () => {
  it('has a server handler for every route, and no handler without a route', () => {
    expect(Object.keys(apiHandlers(noPods, () => {})).sort()).toEqual([...names].sort());
  });

  it('finds every route back from its own filled template (no two routes overlap)', () => {
    for (const name of names) {
      const { method, path } = ROUTES[name];
      const filled = fillPath(path, { name: 'web-1' });
      expect(findRoute(method, filled), `${method} ${filled}`).toEqual({ name, params: path.includes('{name}') ? { name: 'web-1' } : {} });
    }
  });

  it('finds no route for an unknown path, a wrong method, or a trailing segment', () => {
    expect(findRoute('GET', '/v1/nothing')).toBeUndefined();
    expect(findRoute('PUT', '/v1/pods')).toBeUndefined();
    expect(findRoute('POST', '/v1/pods/web/start/now')).toBeUndefined();
    expect(findRoute('GET', '/v1/pods/')).toBeUndefined();
  });

  it('gives every error kind an HTTP error status', () => {
    const kinds: ErrorKind[] = ['usage', 'invalid', 'notFound', 'exists', 'runtime', 'exec'];
    expect(Object.keys(HTTP_STATUS).sort()).toEqual([...kinds].sort());
    for (const k of kinds) expect(HTTP_STATUS[k]).toBeGreaterThanOrEqual(400);
    expect([HTTP_STATUS.invalid, HTTP_STATUS.notFound, HTTP_STATUS.exists, HTTP_STATUS.runtime]).toEqual([400, 404, 409, 500]);
  });
});

describe('path templates', () => {
  it('fill parameters percent-encoded, and matching decodes them back', () => {
    const path = fillPath('/v1/pods/{name}/kill', { name: 'a b/c?d' });
    expect(path).toBe('/v1/pods/a%20b%2Fc%3Fd/kill');
    expect(matchPath('/v1/pods/{name}/kill', path)).toEqual({ name: 'a b/c?d' });
  });

  it('do not match other literal segments, other lengths, empty or badly encoded parameters', () => {
    expect(matchPath('/v1/pods/{name}/kill', '/v1/pods/web/stop')).toBeUndefined();
    expect(matchPath('/v1/pods/{name}', '/v1/pods/web/kill')).toBeUndefined();
    expect(matchPath('/v1/pods/{name}', '/v1/pods/')).toBeUndefined();
    expect(matchPath('/v1/pods/{name}', '/v1/pods/%E0%A4%A')).toBeUndefined();
    expect(matchPath('/v1/pods', '/v1/pods')).toEqual({});
  });

  it('refuse to fill a template without a value for each parameter', () => {
    expect(() => fillPath('/v1/pods/{name}', {})).toThrow(/no value for \{name\}/);
  });

  it('make the request target with the query, leaving out unset parameters', () => {
    expect(routeTarget('waitPod', { params: { name: 'web' }, query: { for: 'completed', timeout: undefined } })).toBe('/v1/pods/web/wait?for=completed');
    expect(routeTarget('removePod', { params: { name: 'web' }, query: { force: 'true' } })).toBe('/v1/pods/web?force=true');
    expect(routeTarget('listPods')).toBe('/v1/pods');
  });
});

/** A raw request, to see the status and body a program gets. */
function raw(socketPath: string, method: string, path: string, body?: string): Promise<{ status: number; data: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, data: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('a server with a stand-in pod manager', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podrun-api-'));
  const socket = join(dir, 'supervisor.sock');
  const calls: unknown[][] = [];
  const view = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' } } as PodView;
  const pods = {
    state: { root: dir },
    list: () => [view],
    get: (name: string) => {
      if (name !== 'web') throw new NotFoundError(`pod "${name}" not found`);
      return view;
    },
    create: async (pod: { metadata: { name: string } }) => ({ name: pod.metadata.name, warnings: [] }),
    start: async (name: string) => void calls.push(['start', name]),
    kill: async (...a: unknown[]) => (calls.push(['kill', ...a]), 2),
    stop: async (...a: unknown[]) => {
      calls.push(['stop', ...a]);
      throw new SyscallError('cgroup.kill', 16, '/sys/fs/cgroup/podrun/x');
    },
    remove: async (...a: unknown[]) => (calls.push(['remove', ...a]), true),
    wait: async (...a: unknown[]) => (calls.push(['wait', ...a]), false),
    phase: () => 'Running',
  } as unknown as PodManager;
  let server: Server;
  let shutdowns = 0;

  beforeAll(async () => {
    server = createApiServer(pods, () => shutdowns++, () => {});
    await new Promise<void>((r) => server.listen(socket, r));
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers each route with what the manager gives, the request decoded as the contract says', async () => {
    expect(await callApi(socket, 'ping')).toEqual({ ok: true, pid: process.pid });
    expect(await callApi(socket, 'listPods')).toEqual({ apiVersion: 'v1', kind: 'List', items: [view] });
    expect(await callApi(socket, 'getPod', { params: { name: 'web' } })).toEqual(view);
    const manifest = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'made' }, spec: { containers: [{ name: 'a', image: '/', command: ['true'] }] } });
    expect(await callApi(socket, 'createPod', { body: { manifest } })).toEqual({ name: 'made', warnings: [] });
    expect(await callApi(socket, 'startPod', { params: { name: 'we b' } })).toEqual({ ok: true });
    expect(await callApi(socket, 'killPod', { params: { name: 'web' }, body: { container: 'c' } })).toEqual({ signalled: 2 });
    expect(await callApi(socket, 'removePod', { params: { name: 'web' }, query: { force: 'true' } })).toEqual({ removed: true });
    expect(await callApi(socket, 'waitPod', { params: { name: 'web' }, query: { for: 'completed', timeout: '1.5' } })).toEqual({ ok: false, phase: 'Running' });
    expect(await callApi(socket, 'shutdown')).toEqual({ ok: true });
    expect(calls).toEqual([
      ['start', 'we b'],
      ['kill', 'web', 'c', 'KILL'],
      ['remove', 'web', true],
      ['wait', 'web', 'completed', 1.5],
    ]);
    await new Promise((r) => setImmediate(r));
    expect(shutdowns).toBe(1);
  });

  it('answers info with this host and the root', async () => {
    const info = await callApi(socket, 'info');
    expect(info.stateRoot).toBe(dir);
    expect(info.node).toBe(process.version);
  });

  it('carries an invalid-input error across with its kind and field: HTTP 400', async () => {
    const manifest = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ name: 'a', image: '/', bogus: 1 }] } });
    const { status, data } = await raw(socket, 'POST', '/v1/pods', JSON.stringify({ manifest }));
    expect(status).toBe(400);
    expect(data.error).toMatchObject({ kind: 'invalid', field: 'spec.containers[0].bogus', exitCode: 2 });
    const err = await callApi(socket, 'createPod', { body: { manifest } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err).toMatchObject({ kind: 'invalid', field: 'spec.containers[0].bogus', exitCode: 2, message: data.error.message });
  });

  it('carries a not-found error across: HTTP 404, kind notFound, exit code 1', async () => {
    expect(await raw(socket, 'GET', '/v1/pods/nope')).toMatchObject({ status: 404, data: { error: { kind: 'notFound', message: 'pod "nope" not found' } } });
    const err = await callApi(socket, 'getPod', { params: { name: 'nope' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ kind: 'notFound', exitCode: 1 });
  });

  it('carries a system call failure across with its call, errno name and path: HTTP 500', async () => {
    expect((await raw(socket, 'POST', '/v1/pods/web/stop', '{}')).status).toBe(500);
    const err = await callApi(socket, 'stopPod', { params: { name: 'web' }, body: { timeout: 0 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyscallError);
    expect(err).toMatchObject({ kind: 'runtime', call: 'cgroup.kill', code: 'EBUSY', path: '/sys/fs/cgroup/podrun/x' });
    expect(calls.at(-1)).toEqual(['stop', 'web', undefined, 0]);
  });

  it('answers an unknown route with 404 notFound, and a body that is not a JSON object with 400 naming the body', async () => {
    expect(await raw(socket, 'GET', '/v2/pods')).toMatchObject({ status: 404, data: { error: { kind: 'notFound', message: 'no such API route: GET /v2/pods' } } });
    expect(await raw(socket, 'DELETE', '/v1/pods')).toMatchObject({ status: 404, data: { error: { kind: 'notFound' } } });
    expect(await raw(socket, 'POST', '/v1/pods', '{"manifest":')).toMatchObject({ status: 400, data: { error: { kind: 'invalid', field: 'body' } } });
    expect(await raw(socket, 'POST', '/v1/pods', '["x"]')).toMatchObject({ status: 400, data: { error: { kind: 'invalid', field: 'body' } } });
  });

  it('raises a runtime error when the answer is not JSON (not a podrun supervisor)', async () => {
    const other = join(dir, 'other.sock');
    const s = (await import('node:http')).createServer((_q, r) => r.end('<html>'));
    await new Promise<void>((r) => s.listen(other, r));
    try {
      const err = await callApi(other, 'ping').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PodrunError);
      expect((err as PodrunError).message).toMatch(/not JSON/);
    } finally {
      await new Promise((r) => s.close(r));
    }
  });
});
