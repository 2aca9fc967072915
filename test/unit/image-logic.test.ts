// The pure decisions of the image work, as tables: the kubelet's command/args rule, image
// users through /etc/passwd and /etc/group, runAsNonRoot against an image USER, pull
// policies, name lookups and moves, platform choice, document checks, the bomb bound.
import { describe, expect, it } from 'vitest';
import { effectiveArgv, runConfigOf } from '../../src/image/image-config.js';
import { familiarNames, humanSize, inspectView, listItem } from '../../src/image/image-views.js';
import { resolveImageUser } from '../../src/image/image-user.js';
import { expansionBound, layerLimitsFromEnv } from '../../src/image/layer/limits.js';
import { parseConfig, parseIndex, parseManifest, selectPlatform, type Descriptor } from '../../src/image/oci/documents.js';
import { pullPolicyFor } from '../../src/image/resolve-named.js';
import { lookupImage, upsertImage, type ImageDb, type ImageRecord } from '../../src/image/store/records.js';
import { runAsNonRootError } from '../../src/manifest/run-as-non-root.js';
import type { Pod } from '../../src/model/pod.js';

describe('command and args over Entrypoint and Cmd (Kubernetes table)', () => {
  const img = runConfigOf({ Entrypoint: ['/entry'], Cmd: ['--cmd'] });
  it.each<[string, string[] | undefined, string[] | undefined, string[]]>([
    ['neither: Entrypoint + Cmd', undefined, undefined, ['/entry', '--cmd']],
    ['command only: Cmd ignored', ['/bin/sh'], undefined, ['/bin/sh']],
    ['args only: Entrypoint + args', undefined, ['x', 'y'], ['/entry', 'x', 'y']],
    ['both: command + args', ['/bin/sh'], ['-c', 'true'], ['/bin/sh', '-c', 'true']],
    ['empty lists are unset', [], [], ['/entry', '--cmd']],
  ])('%s', (_w, command, args, argv) => {
    expect(effectiveArgv(command, args, img)).toEqual(argv);
  });
});

describe('image users', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\nwww:x:33:34::/var/www:/bin/false\nbob:x:1000:1000::/home/bob:/bin/sh\n';
  const group = 'root:x:0:\nwww-data:x:34:\nstaff:x:50:bob,www\nbob:x:1000:\n';
  it.each<[string, { uid: number; gid: number; groups: number[] }]>([
    ['', { uid: 0, gid: 0, groups: [0] }],
    ['33', { uid: 33, gid: 34, groups: [34, 50] }],
    ['4242', { uid: 4242, gid: 0, groups: [0] }],
    ['www', { uid: 33, gid: 34, groups: [34, 50] }],
    ['bob:staff', { uid: 1000, gid: 50, groups: [50] }],
    ['bob:7', { uid: 1000, gid: 7, groups: [7, 50] }],
    ['1000:www-data', { uid: 1000, gid: 34, groups: [34, 50] }],
  ])('%j', (user, want) => {
    expect(resolveImageUser(user, passwd, group)).toEqual(want);
  });
  it.each([
    ['nobody', /user "nobody" is not in its \/etc\/passwd/],
    ['bob:wheel', /group "wheel" is not in its \/etc\/group/],
  ])('refuses %j', (user, message) => {
    expect(() => resolveImageUser(user, passwd, group)).toThrow(message);
  });
});

describe('runAsNonRoot against the image user', () => {
  const pod = (sc?: Record<string, unknown>) => ({ metadata: { name: 'p' }, spec: { securityContext: { runAsNonRoot: true, ...sc } } }) as unknown as Pod;
  const c = { name: 'c', image: 'busybox' } as Pod['spec']['containers'][number];
  it.each<[string, Record<string, unknown> | undefined, string | undefined]>([
    ['', undefined, 'container has runAsNonRoot and image will run as root'],
    ['0:0', undefined, 'image will run as root'],
    ['1000', undefined, undefined],
    ['1000:1000', undefined, undefined],
    ['www', undefined, 'image has non-numeric user (www), cannot verify user is non-root'],
    ['www', { runAsUser: 33 }, undefined],
    ['1000', { runAsUser: 0 }, "container's runAsUser breaks non-root policy"],
  ])('USER %j with %j', (user, sc, message) => {
    const err = runAsNonRootError(pod(sc), c, 'spec.containers[0]', user);
    if (message === undefined) expect(err).toBeUndefined();
    else expect(err?.message).toContain(message);
  });
});

describe('imagePullPolicy defaults', () => {
  it.each([
    ['busybox', undefined, 'Always'],
    ['busybox:latest', undefined, 'Always'],
    ['busybox:1.36', undefined, 'IfNotPresent'],
    [`busybox@sha256:${'a'.repeat(64)}`, undefined, 'IfNotPresent'],
    ['busybox', 'Never', 'Never'],
  ] as const)('%s (%s) -> %s', (image, given, want) => {
    expect(pullPolicyFor(image, given)).toBe(want);
  });
});

describe('image records', () => {
  const rec = (n: number, names: string[]): ImageRecord => ({
    id: `sha256:${String(n).repeat(64)}`,
    names,
    digest: `sha256:${'d'.repeat(63)}${n}`,
    layers: [],
    size: 0,
  });
  const db: ImageDb = { images: { [rec(1, []).id]: rec(1, ['docker.io/library/busybox:1.36', 'docker.io/library/busybox:latest']) } };

  it('finds by every name form, by ID and prefix, and by digest', () => {
    for (const ref of ['busybox:1.36', 'docker.io/library/busybox:1.36', 'library/busybox:1.36', 'busybox', '111111111111', rec(1, []).id]) {
      expect(lookupImage(db, ref)?.image.id).toBe(rec(1, []).id);
    }
    expect(lookupImage(db, `busybox@sha256:${'d'.repeat(63)}1`)?.by).toBe('digest');
    expect(lookupImage(db, 'busybox:1.37')).toBeUndefined();
    expect(lookupImage(db, 'nginx')).toBeUndefined();
  });

  it('moves a name to the image imported under it, keeping the old image', () => {
    const next = upsertImage(db, rec(2, ['docker.io/library/busybox:latest']));
    expect(next.images[rec(1, []).id]!.names).toEqual(['docker.io/library/busybox:1.36']);
    expect(next.images[rec(2, []).id]!.names).toEqual(['docker.io/library/busybox:latest']);
  });
});

describe('OCI documents', () => {
  const d = (arch: string, variant?: string): Descriptor => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${arch.padEnd(64, '0').replace(/[^0-9a-f]/g, 'a')}`,
    size: 1,
    platform: { os: 'linux', architecture: arch, ...(variant ? { variant } : {}) },
  });
  it('picks the host platform of an index', () => {
    const entries = [d('arm64', 'v8'), d('amd64'), { ...d('unknown'), platform: { os: 'unknown', architecture: 'unknown' } }];
    expect(selectPlatform(entries, { os: 'linux', architecture: 'amd64' })?.platform?.architecture).toBe('amd64');
    expect(selectPlatform(entries, { os: 'linux', architecture: 'arm64', variant: 'v8' })?.platform?.variant).toBe('v8');
    expect(selectPlatform(entries, { os: 'linux', architecture: 's390x' })).toBeUndefined();
  });
  it.each<[string, () => unknown, RegExp]>([
    ['an index that is not JSON', () => parseIndex(Buffer.from('{nope'), 'index.json'), /^index\.json: not valid JSON/],
    ['a manifest of another type', () => parseManifest(Buffer.from('{"mediaType":"text/plain","config":{},"layers":[]}'), 'manifest x', ''), /unsupported manifest media type "text\/plain"/],
    ['a bad digest', () => parseIndex(Buffer.from('{"manifests":[{"mediaType":"m","digest":"md5:1","size":1}]}'), 'index.json'), /digest "md5:1" is not sha256/],
    ['diff_ids that do not match the layers', () => parseConfig(Buffer.from('{"rootfs":{"type":"layers","diff_ids":[]}}'), 'config c', 1), /lists 0 diff_ids for 1 layers/],
    ['a config whose Cmd is not a list', () => parseConfig(Buffer.from('{"config":{"Cmd":"sh"},"rootfs":{"type":"layers","diff_ids":[]}}'), 'config c', 0), /config\.Cmd must be a list/],
  ])('refuses %s', (_w, f, message) => {
    expect(f).toThrow(message);
  });
});

describe('decompression bound', () => {
  it('is the ratio of the compressed size, at least the floor, at most the maximum', () => {
    const l = layerLimitsFromEnv({});
    expect(expansionBound(10, l)).toBe(1024 ** 3);
    expect(expansionBound(100 * 1024 ** 2, l)).toBe(100 * 100 * 1024 ** 2);
    expect(expansionBound(10 * 1024 ** 3, l)).toBe(64 * 1024 ** 3);
    expect(layerLimitsFromEnv({ PODRUN_IMAGE_MAX_LAYER_SIZE: '1Mi' })).toEqual({ ratio: 100, floor: 1024 ** 2, max: 1024 ** 2 });
    expect(() => layerLimitsFromEnv({ PODRUN_IMAGE_MAX_RATIO: 'x' })).toThrow(/PODRUN_IMAGE_MAX_RATIO: "x"/);
  });
});

describe('image list views', () => {
  const rec = (names: string[]): ImageRecord => ({ id: `sha256:${'a'.repeat(64)}`, names, digest: `sha256:${'b'.repeat(64)}`, layers: [], size: 1_982_365 });
  it('shows familiar repositories and tags, <none> without names', () => {
    expect(familiarNames(rec(['docker.io/library/busybox:1.36', 'docker.io/team/app:v2', 'localhost:5000/x/y:1']))).toEqual([
      ['busybox', '1.36'],
      ['team/app', 'v2'],
      ['localhost:5000/x/y', '1'],
    ]);
    expect(familiarNames(rec([]))).toEqual([['<none>', '<none>']]);
  });
  it.each([[999, '999B'], [1_982_365, '1.98MB'], [45_600, '45.6kB'], [12_300_000_000, '12.3GB']])('sizes %d as %s', (n, text) => {
    expect(humanSize(n)).toBe(text);
  });
  it('lists the contract shape', () => {
    expect(listItem(rec(['docker.io/library/busybox:1.36']))).toEqual({ id: rec([]).id, names: ['docker.io/library/busybox:1.36'], size: 1_982_365, created: null });
  });
});

describe('image inspect view', () => {
  it("keeps the image spec's config keys only", () => {
    const rec: ImageRecord = { id: `sha256:${'a'.repeat(64)}`, names: [], digest: `sha256:${'b'.repeat(64)}`, layers: [], size: 0 };
    const v = inspectView(rec, { Hostname: '', AttachStdin: false, Env: ['A=1'], Cmd: ['sh'], Entrypoint: null as unknown as string[], Labels: { a: 'b' } });
    expect(v.config).toEqual({ Env: ['A=1'], Cmd: ['sh'], Labels: { a: 'b' } });
    expect(Object.keys(v)).toEqual(['id', 'names', 'size', 'created', 'digest', 'config', 'layers']);
  });
});
