// `podrun image pull` against a real registry: Debian's docker-registry in this file's
// stand-in host namespace, with busybox pushed by skopeo. The image's ID is printed; an
// OCI index and a Docker manifest list give the amd64 image; a second pull transfers no
// blob (counted in the registry's own log); plain HTTP and untrusted certificates are
// refused off loopback unless --insecure; a pod naming the registry's image runs and a
// missing one fails create cleanly; a pull killed with -9 midway (the namespace's
// loopback throttled by tc) leaves no image and the store usable; Basic auth (htpasswd)
// and Bearer token auth (a token server the registry trusts) take their credentials from
// an auth file.
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageStore } from '../../src/image/store/store.js';
import { canRun, hostIp, inStandInHost, leftovers, manifest, networkLeftovers, newRoot, ok, PODRUN, podrun, removeRoot, runPod, standInHost, until } from './helpers.js';
import {
  authFile,
  busyboxLayout,
  configDigest,
  htpasswd,
  manifestDescriptor,
  multiPlatformLayout,
  push,
  registryMissing,
  selfSigned,
  startRegistry,
  startTokenServer,
  type Registry,
  type TokenServer,
} from './registry-fixture.js';

const runnable = canRun && !registryMissing;
if (canRun && registryMissing) process.stderr.write(`image-pull tests skipped: ${registryMissing}\n`);

const root = runnable ? newRoot('pull') : '/nonexistent';
const work = runnable ? mkdtempSync(join(tmpdir(), 'podrun-test-pullwork-')) : '/nonexistent';
/** No auth file of the machine's may leak into these tests: REGISTRY_AUTH_FILE is the only one read. */
const noAuth = { REGISTRY_AUTH_FILE: join(work, 'no-auth.json') };

let layout = '';
let bigLayout = '';
let multiLayout = '';
let open: Registry;
let basic: Registry;
let bearer: Registry;
let tokens: TokenServer;
let secure: Registry;
let remote: Registry;
let remoteTls: Registry;
const REMOTE = '10.123.0.1';
/** Roots of single tests, removed with the file's. */
const extraRoots: string[] = [];

const storeOf = (r: string) => ImageStore.open(join(r, 'images'));
const blobGets = (reg: Registry) => reg.requests().filter((q) => q.method === 'GET' && q.uri.includes('/blobs/'));

describe.skipIf(!runnable)('image pull from a registry', () => {
  beforeAll(async () => {
    layout = busyboxLayout();
    bigLayout = busyboxLayout(24 << 20);
    open = await startRegistry(5000);
    await push(layout, open, 'busybox:1.36');
    await push(bigLayout, open, 'big:1.36');
    multiLayout = multiPlatformLayout();
    await push(multiLayout, open, 'multi:oci', undefined, { tag: 'multi' });
    await push(multiLayout, open, 'multi:docker', undefined, { tag: 'multi', v2s2: true });
    basic = await startRegistry(5001, { auth: { htpasswd: htpasswd(work, 'alice', 'wonder land') } });
    await push(layout, basic, 'private/busybox:1.36', 'alice:wonder land');
    tokens = await startTokenServer(work, 5003, 'bob:builder');
    bearer = await startRegistry(5002, { auth: { token: { realm: tokens.realm, cert: tokens.cert } } });
    await push(layout, bearer, 'team/busybox:1.36', 'bob:builder');
    secure = await startRegistry(5004, { tls: selfSigned(work, 'registry') });
    await push(layout, secure, 'busybox:1.36');
    // A registry on an address that is not loopback (in this file's namespace only).
    await hostIp('addr', 'add', `${REMOTE}/32`, 'dev', 'lo');
    remote = await startRegistry(5005, { address: REMOTE });
    await push(layout, remote, 'busybox:1.36');
    remoteTls = await startRegistry(5006, { address: REMOTE, tls: selfSigned(work, 'remote') });
    await push(layout, remoteTls, 'busybox:1.36');
  });

  afterAll(async () => {
    for (const s of [open, basic, bearer, tokens, secure, remote, remoteTls]) await s?.stop();
    for (const r of [root, ...extraRoots]) await removeRoot(r);
    rmSync(work, { recursive: true, force: true });
    for (const l of [layout, bigLayout, multiLayout]) if (l) rmSync(join(l, '..'), { recursive: true, force: true });
  });

  it('pulls, printing only the image ID without a terminal, and records the normalised name', async () => {
    const r = await podrun(root, ['image', 'pull', `${open.host}/busybox:1.36`], { env: noAuth });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`${configDigest(layout)}`);
    const image = storeOf(root).find(`${open.host}/busybox:1.36`);
    expect(image?.id).toBe(configDigest(layout));
    expect(image?.names).toEqual([`${open.host}/busybox:1.36`]);
    // Nothing of the pull's temporary layout is left.
    expect(readdirSync(join(root, 'images', 'tmp'))).toEqual([]);
  });

  it('an OCI index and a Docker manifest list both give the linux/amd64 image, and only its blobs are fetched', async () => {
    const armLayers = JSON.parse(readFileSync(join(multiLayout, 'blobs', 'sha256', manifestDescriptor(multiLayout, 'arm').digest.slice(7)), 'utf8')).layers.map((l: any) => l.digest);
    for (const tag of ['oci', 'docker']) {
      const r6 = newRoot(`pullmulti-${tag}`);
      extraRoots.push(r6);
      const before = blobGets(open).length;
      const r = await podrun(r6, ['image', 'pull', `${open.host}/multi:${tag}`], { env: noAuth });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toBe(configDigest(multiLayout, 'amd'));
      const fetched = blobGets(open).slice(before).map((q) => q.uri.split('/').pop());
      expect(fetched).toHaveLength(2);
      for (const d of armLayers) expect(fetched).not.toContain(d);
    }
  });

  it('pulls by digest: verified against it, listed without a tag, found by it', async () => {
    const r7 = newRoot('pulldigest');
    extraRoots.push(r7);
    const ref = `${open.host}/busybox@${manifestDescriptor(layout).digest}`;
    const r = await podrun(r7, ['image', 'pull', ref], { env: noAuth });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(configDigest(layout));
    const inspected = JSON.parse(await ok(r7, ['image', 'inspect', ref]));
    expect(inspected).toMatchObject({ id: configDigest(layout), names: [], digest: manifestDescriptor(layout).digest });
  });

  it('a loopback registry over HTTPS (self-signed) is reached after the plain-HTTP attempt', async () => {
    const r5 = newRoot('pulltls');
    extraRoots.push(r5);
    const r = await podrun(r5, ['image', 'pull', `${secure.host}/busybox:1.36`], { env: noAuth });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(configDigest(layout));
    expect(blobGets(secure).map((q) => q.status)).toEqual([200, 200]);
  });

  it('plain HTTP to a registry that is not on loopback needs --insecure', async () => {
    const ref = `${remote.host}/busybox:1.36`;
    const before = remote.requests().length;
    const refused = await podrun(root, ['image', 'pull', ref], { env: noAuth });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toBe(`podrun: pulling ${ref} from ${remote.host}: the TLS handshake failed (wrong version number): a plain-HTTP registry needs --insecure`);
    // Not one plain-HTTP request reached it.
    expect(remote.requests().slice(before)).toEqual([]);
    const r = await podrun(root, ['image', 'pull', '--insecure', ref], { env: noAuth });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(configDigest(layout));
  });

  it('HTTPS to a registry that is not on loopback checks its certificate, unless --insecure', async () => {
    const ref = `${remoteTls.host}/busybox:1.36`;
    const refused = await podrun(root, ['image', 'pull', ref], { env: noAuth });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toBe(
      `podrun: pulling ${ref} from ${remoteTls.host}: the TLS certificate is not trusted: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT; --insecure skips certificate checks)`,
    );
    const r5 = newRoot('pullinsecure');
    extraRoots.push(r5);
    const r = await podrun(r5, ['image', 'pull', '--insecure', ref], { env: noAuth });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(configDigest(layout));
    expect(blobGets(remoteTls).map((q) => q.status)).toEqual([200, 200]);
  });

  it('a second pull of the same image downloads no blob', async () => {
    const before = blobGets(open).length;
    const r = await podrun(root, ['image', 'pull', `${open.host}/busybox:1.36`], { env: noAuth });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(configDigest(layout));
    expect(blobGets(open).slice(before)).toEqual([]);
  });

  it('a reference that does not parse is invalid input (exit 2) and makes nothing', async () => {
    const r8 = newRoot('pullbad');
    extraRoots.push(r8);
    const r = await podrun(r8, ['image', 'pull', 'Bad/Ref'], { env: noAuth });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(`podrun: REF: "Bad/Ref": the repository name component "Ref" must be lowercase a-z 0-9, separated by '.', '_', '__' or '-'`);
    expect(readdirSync(r8)).toEqual([]);
  });

  it('a missing tag or repository fails with one line naming the reference, the registry and its answer', async () => {
    for (const [ref, why] of [
      [`${open.host}/busybox:nope`, 'manifest nope: 404 Not Found (MANIFEST_UNKNOWN: manifest unknown)'],
      [`${open.host}/nothing:1`, 'manifest 1: 404 Not Found (MANIFEST_UNKNOWN: manifest unknown)'],
    ]) {
      const r = await podrun(root, ['image', 'pull', ref!], { env: noAuth });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toBe(`podrun: pulling ${ref} from ${open.host}: ${why}`);
    }
    const r = await podrun(root, ['image', 'pull', '127.0.0.1:5999/busybox:1.36'], { env: noAuth });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe('podrun: pulling 127.0.0.1:5999/busybox:1.36 from 127.0.0.1:5999: connect ECONNREFUSED 127.0.0.1:5999');
  });

  it('a pod naming the registry image runs: create pulls it into a store that lacks it', async () => {
    const r3 = newRoot('pullrun');
    extraRoots.push(r3);
    const before = blobGets(open).length;
    const pod = manifest('reg-run', [{ name: 'c', image: `${open.host}/busybox:1.36`, command: ['sh', '-c', 'echo from-the-registry'] }], { restartPolicy: 'Never' });
    expect(await runPod(r3, pod)).toBe('reg-run');
    await ok(r3, ['wait', '--for', 'completed', '--timeout', '30', 'reg-run']);
    expect((await ok(r3, ['logs', 'reg-run'])).trim()).toBe('from-the-registry');
    expect(blobGets(open).length - before).toBe(2);
    expect(storeOf(r3).find(`${open.host}/busybox:1.36`)?.id).toBe(configDigest(layout));
    await ok(r3, ['rm', '-f', 'reg-run']);
    expect(leftovers(r3)).toMatchObject({ mounts: [], pods: [] });
  });

  it('an image the registry does not have fails create with exit 1 and one line, leaving nothing', async () => {
    const r4 = newRoot('pullmiss');
    extraRoots.push(r4);
    const ref = `${open.host}/busybox:nope`;
    const r = await podrun(r4, ['create', '-f', '-'], { input: manifest('reg-miss', [{ name: 'c', image: ref, command: ['true'] }]) });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(`podrun: container "c": image "${ref}": pull failed: pulling ${ref} from ${open.host}: manifest nope: 404 Not Found (MANIFEST_UNKNOWN: manifest unknown)`);
    expect(leftovers(r4)).toMatchObject({ mounts: [], pods: [] });
    expect(await networkLeftovers(r4)).toEqual({ links: [], leases: [], nftTables: [] });
    expect(readdirSync(join(r4, 'images', 'tmp'))).toEqual([]);
  });

  it('a pull killed with -9 midway leaves no image and a usable store; the pull again works', async () => {
    const r2 = newRoot('pullkill');
    extraRoots.push(r2);
    const ns = standInHost();
    // 4 MB/s on the namespace's loopback: the 24 MiB layer takes ~6 s. (The burst must hold a
    // whole 64 KiB loopback packet, or tbf drops them all.)
    execFileSync('tc', ['-n', ns, 'qdisc', 'add', 'dev', 'lo', 'root', 'tbf', 'rate', '32mbit', 'burst', '256kb', 'latency', '50ms']);
    try {
      const proc = execa(...inStandInHost(PODRUN, ['--root', r2, 'image', 'pull', `${open.host}/big:1.36`]), { reject: false, env: noAuth });
      const pulling = join(r2, 'images', 'tmp');
      // Killed once a blob is partly on disk.
      await until('a blob partly downloaded', () => {
        if (!existsSync(pulling)) return false;
        for (const d of readdirSync(pulling)) {
          const blobs = join(pulling, d, 'blobs', 'sha256');
          if (existsSync(blobs) && readdirSync(blobs).some((f) => statSync(join(blobs, f)).size > 1 << 20)) return true;
        }
        return false;
      }, 20_000, 50);
      proc.kill('SIGKILL');
      const res = await proc;
      expect(res.signal).toBe('SIGKILL');
    } finally {
      execFileSync('tc', ['-n', ns, 'qdisc', 'del', 'dev', 'lo', 'root']);
    }
    // What the killed pull left is its temporary directory only...
    const tmpRoot = join(r2, 'images', 'tmp');
    expect(readdirSync(tmpRoot).map((d) => d.split('.')[0])).toEqual(['pull']);
    expect(readdirSync(join(r2, 'images', 'blobs', 'sha256'))).toEqual([]);
    // ...no image is listed, and the store reclaims the directory of its dead owner.
    expect(JSON.parse(await ok(r2, ['image', 'list', '-o', 'json']))).toEqual({ images: [] });
    expect(readdirSync(tmpRoot)).toEqual([]);
    const r = await podrun(r2, ['image', 'pull', `${open.host}/big:1.36`], { env: noAuth });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(configDigest(bigLayout));
    expect(storeOf(r2).find(`${open.host}/big:1.36`)?.id).toBe(configDigest(bigLayout));
  });

  it('Basic auth: refused without credentials, pulled with the auth file', async () => {
    const ref = `${basic.host}/private/busybox:1.36`;
    const denied = await podrun(root, ['image', 'pull', ref], { env: noAuth });
    expect(denied.exitCode).toBe(1);
    expect(denied.stderr).toBe(`podrun: pulling ${ref} from ${basic.host}: authentication required (Basic) and no credentials for ${basic.host} in the auth files`);
    const wrong = await podrun(root, ['image', 'pull', ref], { env: { REGISTRY_AUTH_FILE: authFile(mkdtempSync(join(work, 'a-')), basic.host, 'alice', 'nope') } });
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toBe(`podrun: pulling ${ref} from ${basic.host}: the registry refused the credentials (401 Unauthorized)`);
    const r = await podrun(root, ['image', 'pull', ref], { env: { REGISTRY_AUTH_FILE: authFile(mkdtempSync(join(work, 'a-')), basic.host, 'alice', 'wonder land') } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(configDigest(layout));
  });

  it('Bearer token auth: one token from the realm with the auth file credentials', async () => {
    const ref = `${bearer.host}/team/busybox:1.36`;
    const denied = await podrun(root, ['image', 'pull', ref], { env: noAuth });
    expect(denied.exitCode).toBe(1);
    expect(denied.stderr).toBe(`podrun: pulling ${ref} from ${bearer.host}: the token server ${tokens.realm}: 401 Unauthorized (no credentials in the auth files)`);
    const before = tokens.requests().length;
    const r2 = newRoot('pulltoken');
    extraRoots.push(r2);
    const r = await podrun(r2, ['image', 'pull', ref], { env: { REGISTRY_AUTH_FILE: authFile(mkdtempSync(join(work, 'a-')), bearer.host, 'bob', 'builder') } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(configDigest(layout));
    expect(tokens.requests().slice(before)).toEqual([`?service=podrun-test&scope=${encodeURIComponent('repository:team/busybox:pull')} with credentials`]);
    // Every blob came through the token (none refused after the first challenge).
    expect(bearer.requests().filter((q) => q.uri.includes('/blobs/') && q.method === 'GET').map((q) => q.status)).toEqual([200, 200]);
  });
});
