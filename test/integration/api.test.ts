// The supervisor API on a real supervisor: what a program sees on the socket is what the
// CLI prints, and errors cross it with their kind and field intact (HTTP status by kind;
// the CLI's exit code and one stderr line naming the culprit).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { BUSYBOX, canRun, inspect, manifest, newRoot, ok, podrun, removeRoot, runPod } from './helpers.js';

const root = canRun ? newRoot('api') : '/nonexistent';
const POD = 'api-web';

/** A request straight to the socket, as curl --unix-socket would make it. */
function call(method: string, path: string, body?: unknown): Promise<{ status: number; data: any }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ socketPath: join(root, 'supervisor.sock'), method, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, data: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const pods = () => (existsSync(join(root, 'pods')) ? readdirSync(join(root, 'pods')).sort() : []);

describe.skipIf(!canRun)('the supervisor API', () => {
  beforeAll(async () => {
    // A running pod keeps the supervisor up for the direct calls.
    await runPod(root, manifest(POD, [{ name: 'main', command: ['sleep', '1000'] }]));
    await ok(root, ['wait', POD, '--timeout', '20']);
  }, 60_000);

  afterAll(async () => {
    await podrun(root, ['rm', '-f', POD]);
    await removeRoot(root);
  }, 30_000);

  it('answers GET /v1/pods/{name} with the Pod that `podrun inspect` prints, and lists it', async () => {
    const { status, data } = await call('GET', `/v1/pods/${POD}`);
    expect(status).toBe(200);
    expect(data).toMatchObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: POD }, status: { phase: 'Running' } });
    expect(data).toEqual(await inspect(root, POD));
    const list = await call('GET', '/v1/pods');
    expect(list.data.items.map((p: any) => p.metadata.name)).toEqual([POD]);
  });

  it('answers a manifest with a bad field with 400 and the field, and creates nothing', async () => {
    const before = pods();
    const bad = JSON.parse(manifest('api-bad', [{ name: 'main', command: ['true'], extra: { bogus: 1 } }]));
    const { status, data } = await call('POST', '/v1/pods', { manifest: JSON.stringify(bad) });
    expect(status).toBe(400);
    expect(data.error).toMatchObject({ kind: 'invalid', field: 'spec.containers[0].bogus', exitCode: 2 });
    expect(data.error.message).toContain('spec.containers[0].bogus');
    expect(pods()).toEqual(before);
  });

  it('answers a taken name with 409 exists', async () => {
    const { status, data } = await call('POST', '/v1/pods', { manifest: manifest(POD, [{ name: 'main', command: ['true'] }]) });
    expect(status).toBe(409);
    expect(data.error.kind).toBe('exists');
  });

  it('answers a missing pod with 404 notFound on every pod route', async () => {
    for (const [method, path] of [
      ['GET', '/v1/pods/nope'],
      ['POST', '/v1/pods/nope/start'],
      ['POST', '/v1/pods/nope/kill'],
      ['DELETE', '/v1/pods/nope'],
    ]) {
      const { status, data } = await call(method, path, method === 'POST' ? {} : undefined);
      expect(status, `${method} ${path}`).toBe(404);
      expect(data.error, `${method} ${path}`).toMatchObject({ kind: 'notFound', message: 'pod "nope" not found', exitCode: 1 });
    }
  });

  it("carries the server's invalid-input error to the CLI: exit 2, one line naming the field, nothing created", async () => {
    // Only the supervisor checks host paths (the CLI checks the manifest and images).
    const before = pods();
    const json = manifest('api-hostpath', [{ name: 'main', command: ['true'], mounts: [{ name: 'd', mountPath: '/d' }] }], {
      volumes: [{ name: 'd', hostPath: { path: join(root, 'no-such-dir'), type: 'Directory' } }],
    });
    const r = await podrun(root, ['create', '-f', '-'], { input: json });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringContaining('podrun: spec.volumes[0].hostPath.path: ')]);
    expect(pods()).toEqual(before);
  });

  it("carries the server's not-found error to the CLI: exit 1 naming the pod", async () => {
    for (const args of [['start', 'nope'], ['kill', 'nope'], ['stop', 'nope'], ['wait', 'nope']]) {
      const r = await podrun(root, args);
      expect(r.exitCode, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toBe('podrun: pod "nope" not found');
    }
  });

  it('answers GET /v1/info with what `podrun info -o json` prints', async () => {
    const { status, data } = await call('GET', '/v1/info');
    expect(status).toBe(200);
    expect(data).toEqual(JSON.parse(await ok(root, ['info', '-o', 'json'])));
    expect(data.stateRoot).toBe(root);
  });

  it('is a pod created through the socket that the CLI then sees', async () => {
    const json = manifest('api-direct', [{ name: 'main', command: ['true'], image: BUSYBOX }], { restartPolicy: 'Never' });
    const created = await call('POST', '/v1/pods', { manifest: json });
    expect(created).toEqual({ status: 200, data: { name: 'api-direct', warnings: [] } });
    expect(await call('POST', '/v1/pods/api-direct/start')).toEqual({ status: 200, data: { ok: true } });
    const waited = await call('GET', '/v1/pods/api-direct/wait?for=completed&timeout=20');
    expect(waited).toEqual({ status: 200, data: { ok: true, phase: 'Succeeded' } });
    expect((await inspect(root, 'api-direct')).status.phase).toBe('Succeeded');
    expect(await call('DELETE', '/v1/pods/api-direct')).toEqual({ status: 200, data: { removed: true } });
    expect(pods()).toEqual([POD]);
  });
});
