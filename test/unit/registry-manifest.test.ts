// Reading registry manifests and indexes, choosing the host's platform, and where a
// registry is (endpoints, URLs, the plain-HTTP rule).
import { describe, expect, it } from 'vitest';
import { blobUrl, isLoopbackHost, manifestUrl, plainHttpAllowed, registryEndpoints } from '../../src/image/registry/endpoint.js';
import {
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  hostPlatform,
  MANIFEST_ACCEPT,
  OCI_INDEX,
  OCI_MANIFEST,
  parseManifest,
  selectPlatform,
  type Descriptor,
} from '../../src/image/registry/media-types.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const desc = (c: string, extra: object = {}) => ({ mediaType: 'x', digest: D(c), size: 10, ...extra });
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('parseManifest', () => {
  it('reads OCI and Docker manifests, with the media type from the document or the header', () => {
    const m = { schemaVersion: 2, mediaType: DOCKER_MANIFEST, config: desc('a'), layers: [desc('b'), desc('c')] };
    expect(parseManifest(json(m), 'text/plain')).toEqual({ kind: 'manifest', mediaType: DOCKER_MANIFEST, config: desc('a'), layers: [desc('b'), desc('c')] });
    const { mediaType: _, ...bare } = m;
    expect(parseManifest(json(bare), `${OCI_MANIFEST}; charset=utf-8`)).toMatchObject({ kind: 'manifest', mediaType: OCI_MANIFEST });
    expect(parseManifest(json(bare), undefined)).toMatchObject({ kind: 'manifest', mediaType: OCI_MANIFEST });
  });

  it('reads indexes and manifest lists with their platforms', () => {
    const idx = { schemaVersion: 2, mediaType: DOCKER_MANIFEST_LIST, manifests: [desc('a', { platform: { os: 'linux', architecture: 'arm', variant: 'v7' } })] };
    expect(parseManifest(json(idx), undefined)).toEqual({
      kind: 'index',
      mediaType: DOCKER_MANIFEST_LIST,
      manifests: [{ ...desc('a'), platform: { os: 'linux', architecture: 'arm', variant: 'v7' } }],
    });
    expect(parseManifest(json({ schemaVersion: 2, manifests: [] }), OCI_INDEX)).toEqual({ kind: 'index', mediaType: OCI_INDEX, manifests: [] });
  });

  it.each([
    ['{', /^the manifest is not valid JSON/],
    ['[]', /not a JSON object/],
    [JSON.stringify({ schemaVersion: 1, name: 'x' }), /schema1 manifests are not supported/],
    [JSON.stringify({ schemaVersion: 3, config: desc('a'), layers: [] }), /schemaVersion is 3, not 2/],
    [JSON.stringify({ schemaVersion: 2, config: desc('a') }), /no layers array/],
    [JSON.stringify({ schemaVersion: 2, config: { ...desc('a'), digest: 'sha256:../../etc' }, layers: [] }), /config\.digest "sha256:\.\.\/\.\.\/etc" must be sha256:/],
    [JSON.stringify({ schemaVersion: 2, config: desc('a'), layers: [{ ...desc('b'), size: -1 }] }), /layers\[0\]\.size -1 must be/],
    [JSON.stringify({ schemaVersion: 2, config: desc('a'), layers: ['x'] }), /layers\[0\] is not a descriptor/],
    [JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.example+json', config: desc('a'), layers: [] }), /unsupported manifest media type/],
    [JSON.stringify({ schemaVersion: 2, manifests: [{ digest: D('a'), size: 1.5 }] }), /manifests\[0\]\.size 1\.5/],
  ])('%s is refused', (text, why) => {
    expect(parseManifest(Buffer.from(text), undefined)).toMatch(why);
  });

  it('asks for every kind it reads', () => {
    for (const t of [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST]) expect(MANIFEST_ACCEPT).toContain(t);
  });
});

describe('selectPlatform', () => {
  const entry = (c: string, os: string, architecture: string, variant?: string): Descriptor => ({ ...desc(c), platform: { os, architecture, ...(variant ? { variant } : {}) } });
  const list = [
    entry('1', 'linux', 'arm', 'v6'),
    entry('2', 'linux', 'arm', 'v7'),
    entry('3', 'linux', 'arm64'),
    entry('4', 'windows', 'amd64'),
    entry('5', 'linux', 'amd64'),
    entry('6', 'unknown', 'unknown'),
  ];
  it.each([
    [{ os: 'linux', architecture: 'amd64' }, '5'],
    [{ os: 'linux', architecture: 'arm', variant: 'v7' }, '2'],
    [{ os: 'linux', architecture: 'arm64', variant: 'v8' }, '3'],
    [{ os: 'linux', architecture: 's390x' }, undefined],
  ])('%j -> %s', (want, digit) => {
    expect(selectPlatform(list, want)?.digest).toBe(digit ? D(digit) : undefined);
  });
  it('an exact variant wins over a missing one', () => {
    expect(selectPlatform([entry('1', 'linux', 'arm64'), entry('2', 'linux', 'arm64', 'v8')], { os: 'linux', architecture: 'arm64', variant: 'v8' })?.digest).toBe(D('2'));
  });
  it('names the host in Go spelling', () => {
    expect(hostPlatform('x64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(hostPlatform('arm64')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
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

  it('HTTPS only, except loopback and --insecure (HTTPS unverified first, then HTTP)', () => {
    expect(registryEndpoints('docker.io', false)).toEqual([{ domain: 'docker.io', base: 'https://registry-1.docker.io', verifyTls: true }]);
    expect(registryEndpoints('quay.io', false)).toEqual([{ domain: 'quay.io', base: 'https://quay.io', verifyTls: true }]);
    expect(registryEndpoints('127.0.0.1:5000', false).map((e) => e.base)).toEqual(['https://127.0.0.1:5000', 'http://127.0.0.1:5000']);
    expect(registryEndpoints('[::1]:5000', false).map((e) => e.base)).toEqual(['https://[::1]:5000', 'http://[::1]:5000']);
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
