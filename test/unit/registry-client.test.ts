// The registry client against an in-process fake registry with a Bearer token endpoint
// (the real docker-registry is in test/integration/image-pull.test.ts): the challenge,
// the token request with the auth file's credentials, one token per scope, digests checked
// for manifests and blobs, redirects without the registry's Authorization, the registry's
// error JSON in the message, and the OCI layout handed to the store.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pullImage, type PullStore } from '../../src/image/registry/pull.js';
import { MEDIA } from '../../src/image/oci/documents.js';

const OCI_MANIFEST = MEDIA.ociManifest;
const DOCKER_MANIFEST_LIST = MEDIA.dockerList;

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
const layer1 = Buffer.alloc(300_000, 1);
const layer2 = Buffer.alloc(5000, 2);
const blobs = new Map([config, layer1, layer2].map((b) => [sha(b), b]));
const ociDesc = (mediaType: string, b: Buffer) => ({ mediaType, digest: sha(b), size: b.length });
const manifest = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: ociDesc('application/vnd.oci.image.config.v1+json', config),
    layers: [ociDesc(MEDIA.ociLayer, layer1), ociDesc(MEDIA.ociLayer, layer2)],
  }),
);
const armManifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: ociDesc(MEDIA.ociConfig, layer2), layers: [] }));
const index = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: DOCKER_MANIFEST_LIST,
    manifests: [
      { ...ociDesc(OCI_MANIFEST, armManifest), platform: { os: 'linux', architecture: 'arm64' } },
      { ...ociDesc(OCI_MANIFEST, manifest), platform: { os: 'linux', architecture: 'amd64' } },
    ],
  }),
);
const manifests = new Map([
  ['1.0', manifest],
  ['multi', index],
  [sha(manifest), manifest],
  [sha(armManifest), armManifest],
  [sha(index), index],
  ['broken', Buffer.from('{"schemaVersion": 2,')],
]);

/** What the fake saw, reset per test. */
let log: { url: string; auth?: string }[] = [];
let tokenRequests: string[] = [];
/** Per-test mischief: a corrupt blob, a wrong manifest header, tokens that expire after N uses. */
let tamper: { blob?: string; manifestDigestHeader?: string; expireAfter?: number; anonymous?: boolean } = {};

const TOKEN = 'tok-123';
/** The token the registry takes: the last one issued (each issue is TOKEN, then TOKEN-2, ...). */
let current = TOKEN;
let issued = 0;
let uses = 0;
let base = '';

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url!, base);
  log.push({ url: url.pathname, auth: req.headers.authorization });
  if (url.pathname === '/token') {
    tokenRequests.push(`${url.search}${req.headers.authorization ? '' : ' anonymous'}`);
    const alice = req.headers.authorization === `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
    if (!alice && !(tamper.anonymous && !req.headers.authorization)) return void res.writeHead(401).end();
    issued++;
    current = issued === 1 ? TOKEN : `${TOKEN}-${issued}`;
    uses = 0;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: current, expires_in: 300 }));
    return;
  }
  if (url.pathname.startsWith('/cdn/')) {
    // Another origin would refuse the registry's token (S3 does); this one records it.
    const b = blobs.get(url.pathname.slice('/cdn/'.length))!;
    return void res.writeHead(200, { 'content-length': b.length }).end(b);
  }
  if (tamper.expireAfter !== undefined && uses >= tamper.expireAfter) current = 'expired';
  if (req.headers.authorization !== `Bearer ${current}`) {
    res.writeHead(401, { 'www-authenticate': `Bearer realm="${base}/token",service="fake",scope="repository:team/app:pull"`, 'content-type': 'application/json' });
    return void res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
  }
  uses++;
  if (url.pathname === '/v2/') return void res.writeHead(200).end('{}');
  const m = /^\/v2\/team\/app\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
  const key = decodeURIComponent(m?.[2] ?? '');
  if (m?.[1] === 'manifests' && manifests.has(key)) {
    const body = manifests.get(key)!;
    res.writeHead(200, { 'content-type': key === 'broken' ? OCI_MANIFEST : JSON.parse(body.toString()).mediaType, 'docker-content-digest': tamper.manifestDigestHeader ?? sha(body) });
    return void res.end(body);
  }
  if (m?.[1] === 'blobs' && blobs.has(key)) {
    if (key === sha(layer1)) return void res.writeHead(307, { location: `${base.replace('127.0.0.1', 'localhost')}/cdn/${key}` }).end();
    const b = key === tamper.blob ? Buffer.alloc(blobs.get(key)!.length, 9) : blobs.get(key)!;
    return void res.writeHead(200, { 'content-length': b.length }).end(b);
  }
  res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
}

/** An in-memory store double: the contract's four calls, recording what it was given. */
// Every temp dir of this file lives here, removed at the end.
const scratch = mkdtempSync(join(tmpdir(), 'podrun-unit-pull-'));

function storeDouble(has: string[] = []) {
  const root = mkdtempSync(join(scratch, 'store-'));
  const imported: { files: string[]; index: any; opts: any }[] = [];
  const store: PullStore = {
    hasBlob: (d) => has.includes(d),
    makeTempDir: async () => mkdtempSync(join(root, 'tmp-')),
    importLayout: async (dir, opts) => {
      const files = readdirSync(join(dir, 'blobs', 'sha256')).sort();
      for (const f of files) expect(sha(readFileSync(join(dir, 'blobs', 'sha256', f)))).toBe(`sha256:${f}`);
      imported.push({ files, index: JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')), opts });
      return [sha(config)];
    },
  };
  return { store, imported, root };
}

let server: Server;
const savedAuthFile = process.env.REGISTRY_AUTH_FILE;
beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const authFile = join(scratch, 'auth.json');
  writeFileSync(authFile, JSON.stringify({ auths: { [base.slice('http://'.length)]: { auth: Buffer.from('alice:s3cret').toString('base64') } } }));
  process.env.REGISTRY_AUTH_FILE = authFile;
});
afterAll(() => {
  server.close();
  rmSync(scratch, { recursive: true, force: true });
  if (savedAuthFile === undefined) delete process.env.REGISTRY_AUTH_FILE;
  else process.env.REGISTRY_AUTH_FILE = savedAuthFile;
});
beforeEach(() => {
  log = [];
  tokenRequests = [];
  tamper = {};
  current = TOKEN;
  issued = 0;
});
const ref = (tag: string) => `${base.slice('http://'.length)}/team/app${tag}`;

describe('pullImage against a token-auth registry', () => {
  it('gets one token with the auth file credentials, downloads every blob and hands the store an OCI layout', async () => {
    const { store, imported, root } = storeDouble();
    const seen = new Map<string, number>();
    const id = await pullImage(store, ref(':1.0'), { progress: (p) => seen.set(p.layer, p.done) });
    expect(id).toBe(sha(config));
    expect(tokenRequests).toEqual([`?service=fake&scope=${encodeURIComponent('repository:team/app:pull')}`]);
    expect(imported).toHaveLength(1);
    const [{ files, index, opts }] = imported;
    expect(files).toEqual([manifest, config, layer1, layer2].map((b) => sha(b).slice(7)).sort());
    expect(index.manifests).toEqual([{ mediaType: OCI_MANIFEST, digest: sha(manifest), size: manifest.length }]);
    expect(opts.names).toEqual([ref(':1.0')]);
    expect(opts.allowMissingBlobs).toBe(true);
    expect([...opts.verifiedBlobs].sort()).toEqual([manifest, config, layer1, layer2].map(sha).sort());
    expect(seen.get(sha(layer1))).toBe(layer1.length);
    // The redirect to another origin carried no Authorization; every registry request did.
    expect(log.filter((l) => l.url.startsWith('/cdn/')).map((l) => l.auth)).toEqual([undefined]);
    expect(log.filter((l) => l.url.startsWith('/v2/team/')).every((l) => l.auth === `Bearer ${TOKEN}`)).toBe(true);
    // The temporary layout is gone.
    expect(readdirSync(root)).toEqual([]);
  });

  it('skips blobs the store has, and picks linux/amd64 from a manifest list', async () => {
    const { store, imported } = storeDouble([sha(config), sha(layer1)]);
    await pullImage(store, ref(':multi'), {});
    expect(imported[0]!.files).toEqual([sha(manifest).slice(7), sha(layer2).slice(7)].sort());
    expect(log.filter((l) => l.url.includes('/blobs/')).map((l) => l.url)).toEqual([`/v2/team/app/blobs/${sha(layer2)}`]);
    expect(log.filter((l) => l.url.includes('/manifests/')).map((l) => decodeURIComponent(l.url.split('/').pop()!))).toEqual(['multi', sha(manifest)]);
  });

  it.each([
    [':missing', {}, /^pulling 127\.0\.0\.1:\d+\/team\/app:missing from 127\.0\.0\.1:\d+: manifest missing: 404 Not Found \(MANIFEST_UNKNOWN: manifest unknown\)$/],
    [`@${sha(Buffer.from('other'))}`, {}, /manifest sha256:[0-9a-f]{64}: 404 Not Found/],
    [':1.0', { manifestDigestHeader: sha(Buffer.from('x')) }, /manifest 1\.0: digest mismatch: the registry says sha256:[0-9a-f]{64}, the bytes hash to sha256:/],
    [':broken', {}, /manifest broken: not valid JSON \(/],
    [':1.0', { blob: sha(layer2) }, new RegExp(`blob ${sha(layer2)}: digest mismatch: the bytes hash to sha256:`)],
  ])('%s %j fails with one line and no image', async (tag, mischief, why) => {
    tamper = mischief;
    const { store, imported, root } = storeDouble();
    await expect(pullImage(store, ref(tag), {})).rejects.toThrow(why);
    expect(imported).toEqual([]);
    expect(readdirSync(root)).toEqual([]);
  });

  it('asks for a fresh token when the registry refuses the one it has (expired), once for concurrent requests', async () => {
    tamper = { expireAfter: 3 };
    const { store, imported } = storeDouble();
    expect(await pullImage(store, ref(':1.0'), {})).toBe(sha(config));
    expect(imported).toHaveLength(1);
    // /v2/, the manifest and the config used the first token; the layers needed a second.
    expect(tokenRequests).toHaveLength(2);
    expect(log.filter((l) => l.url.startsWith('/v2/team/') && l.auth === `Bearer ${TOKEN}-2`).length).toBeGreaterThan(0);
  });

  it('without credentials: an anonymous token where the realm gives one, else the refusal named', async () => {
    const authFile = process.env.REGISTRY_AUTH_FILE!;
    process.env.REGISTRY_AUTH_FILE = join(tmpdir(), 'podrun-unit-no-such-auth.json');
    try {
      expect(existsSync(process.env.REGISTRY_AUTH_FILE)).toBe(false);
      await expect(pullImage(storeDouble().store, ref(':1.0'), {})).rejects.toThrow(/the token server http:\/\/127\.0\.0\.1:\d+\/token: 401 Unauthorized \(no credentials in the auth files\)$/);
      tamper = { anonymous: true };
      tokenRequests = [];
      expect(await pullImage(storeDouble().store, ref(':1.0'), {})).toBe(sha(config));
      expect(tokenRequests).toEqual([`?service=fake&scope=${encodeURIComponent('repository:team/app:pull')} anonymous`]);
    } finally {
      process.env.REGISTRY_AUTH_FILE = authFile;
    }
  });

  it('a sha512 digest is refused before any request', async () => {
    await expect(pullImage(storeDouble().store, ref(`@sha512:${'a'.repeat(128)}`), {})).rejects.toThrow(/: only sha256 digests are supported, not sha512$/);
    expect(log).toEqual([]);
  });

  it('an unreachable registry is one line naming it', async () => {
    await expect(pullImage(storeDouble().store, '127.0.0.1:1/team/app:1', {})).rejects.toThrow(/^pulling 127\.0\.0\.1:1\/team\/app:1 from 127\.0\.0\.1:1: connect ECONNREFUSED 127\.0\.0\.1:1$/);
  });
});
