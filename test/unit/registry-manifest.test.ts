// Reading what a registry answers to a manifest request, and where a registry is
// (endpoints, URLs, the plain-HTTP rule).
import { describe, expect, it } from 'vitest';
import { blobUrl, isLoopbackHost, manifestUrl, plainHttpAllowed, registryEndpoints } from '../../src/image/registry/endpoint.js';
import { MANIFEST_ACCEPT, readManifest } from '../../src/image/registry/media-types.js';
import { MEDIA } from '../../src/image/oci/documents.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const desc = (c: string, extra: object = {}) => ({ mediaType: MEDIA.ociLayerGzip, digest: D(c), size: 10, ...extra });
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('readManifest', () => {
  it('reads OCI and Docker manifests, the media type from the document over the header', () => {
    const m = { schemaVersion: 2, mediaType: MEDIA.dockerManifest, config: desc('a', { mediaType: MEDIA.dockerConfig }), layers: [desc('b'), desc('c')] };
    expect(readManifest(json(m), 'text/plain', 'manifest 1')).toMatchObject({ kind: 'manifest', mediaType: MEDIA.dockerManifest, manifest: { config: { digest: D('a') } } });
    const { mediaType: _, ...bare } = m;
    expect(readManifest(json(bare), `${MEDIA.ociManifest}; charset=utf-8`, 'manifest 1')).toMatchObject({ kind: 'manifest', mediaType: MEDIA.ociManifest });
  });

  it('reads indexes and manifest lists with their platforms', () => {
    const idx = { schemaVersion: 2, mediaType: MEDIA.dockerList, manifests: [desc('a', { mediaType: MEDIA.dockerManifest, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } })] };
    expect(readManifest(json(idx), undefined, 'manifest multi')).toMatchObject({
      kind: 'index',
      mediaType: MEDIA.dockerList,
      index: { manifests: [{ digest: D('a'), platform: { os: 'linux', architecture: 'arm', variant: 'v7' } }] },
    });
    expect(readManifest(json({ schemaVersion: 2, manifests: [] }), MEDIA.ociIndex, 'x')).toEqual({ kind: 'index', mediaType: MEDIA.ociIndex, index: { manifests: [] } });
  });

  it.each([
    ['{', MEDIA.ociManifest, /^manifest 1: not valid JSON/],
    [JSON.stringify({ schemaVersion: 1, name: 'x', fsLayers: [] }), 'application/vnd.docker.distribution.manifest.v1+prettyjws', /^manifest 1: Docker schema1 manifests are not supported/],
    [JSON.stringify({ schemaVersion: 1 }), 'application/json', /schema1/],
    [JSON.stringify({ schemaVersion: 2, config: { ...desc('a'), digest: 'sha256:../../etc' }, layers: [] }), MEDIA.ociManifest, /the digest "sha256:\.\.\/\.\.\/etc" is not sha256:/],
    [JSON.stringify({ schemaVersion: 2, config: desc('a') }), MEDIA.ociManifest, /has no layers list/],
    [JSON.stringify({ schemaVersion: 2, config: desc('a'), layers: [] }), 'text/html', /unsupported manifest media type "text\/html"/],
    [JSON.stringify({ schemaVersion: 2, manifests: 3 }), MEDIA.ociIndex, /has no manifests list/],
  ])('%s (%s) is refused', (text, type, why) => {
    expect(() => readManifest(Buffer.from(text), type, 'manifest 1')).toThrow(why);
  });

  it('asks for every kind it reads, and not for schema1', () => {
    expect(MANIFEST_ACCEPT.split(', ').sort()).toEqual([MEDIA.dockerList, MEDIA.dockerManifest, MEDIA.ociIndex, MEDIA.ociManifest].sort());
  });
});

describe('endpoints', () => {
  it.each([
    ['localhost', true],
    ['LOCALHOST', true],
    ['a.localhost', true],
    ['127.0.0.1', true],
    ['127.255.3.4', true],
    ['127.256.0.1', false],
    ['::1', true],
    ['128.0.0.1', false],
    ['10.0.0.1', false],
    ['localhost.example', false],
    ['registry.example', false],
  ])('loopback %s: %s', (h, want) => expect(isLoopbackHost(h)).toBe(want));

  it('HTTPS only, except loopback (plain HTTP first) and --insecure (unverified HTTPS first)', () => {
    expect(registryEndpoints('docker.io', false)).toEqual([{ domain: 'docker.io', base: 'https://registry-1.docker.io', verifyTls: true }]);
    expect(registryEndpoints('quay.io', false)).toEqual([{ domain: 'quay.io', base: 'https://quay.io', verifyTls: true }]);
    expect(registryEndpoints('127.0.0.1:5000', false).map((e) => [e.base, e.verifyTls])).toEqual([
      ['http://127.0.0.1:5000', false],
      ['https://127.0.0.1:5000', false],
    ]);
    expect(registryEndpoints('[::1]:5000', true).map((e) => e.base)).toEqual(['http://[::1]:5000', 'https://[::1]:5000']);
    expect(registryEndpoints('localhost', false).map((e) => e.base)).toEqual(['http://localhost', 'https://localhost']);
    expect(registryEndpoints('reg.lan:5000', true).map((e) => [e.base, e.verifyTls])).toEqual([
      ['https://reg.lan:5000', false],
      ['http://reg.lan:5000', false],
    ]);
    expect(plainHttpAllowed('localhost:5000', false)).toBe(true);
    expect(plainHttpAllowed('cdn.example', false)).toBe(false);
    expect(plainHttpAllowed('cdn.example', true)).toBe(true);
  });

  it('builds the v2 URLs', () => {
    const [ep] = registryEndpoints('docker.io', false);
    expect(String(manifestUrl(ep!, 'library/busybox', '1.36'))).toBe('https://registry-1.docker.io/v2/library/busybox/manifests/1.36');
    expect(String(manifestUrl(ep!, 'library/busybox', D('a')))).toBe(`https://registry-1.docker.io/v2/library/busybox/manifests/sha256%3A${'a'.repeat(64)}`);
    expect(String(blobUrl(ep!, 'team/app', D('b')))).toBe(`https://registry-1.docker.io/v2/team/app/blobs/${D('b')}`);
  });
});
