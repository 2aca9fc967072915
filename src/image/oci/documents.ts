// The OCI image documents podrun reads (index, manifest, config), in their OCI and
// Docker schema2 media types, checked for the fields the store relies on. Pure: each
// parser takes the blob's bytes and says what it names when they are wrong.
import { BadImageError } from '../image-error.js';

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

const INDEX_TYPES = new Set<string>([MEDIA.ociIndex, MEDIA.dockerList]);
const MANIFEST_TYPES = new Set<string>([MEDIA.ociManifest, MEDIA.dockerManifest]);
const LAYER_TYPES = new Set<string>([
  MEDIA.ociLayer,
  MEDIA.ociLayerGzip,
  MEDIA.ociLayerZstd,
  MEDIA.dockerLayer,
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
]);

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface Index {
  manifests: Descriptor[];
}

export interface Manifest {
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** The image config's `config` object (OCI keys), as inspect shows it. */
export interface ExecConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  [key: string]: unknown;
}

export interface ImageConfig {
  created?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ExecConfig;
  rootfs: { type: string; diff_ids: string[] };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(bytes: Buffer, what: string): Obj {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new BadImageError(`${what}: not valid JSON (${(e as Error).message})`);
  }
  if (!isObj(v)) throw new BadImageError(`${what}: must be a JSON object`);
  return v;
}

export function checkDigest(d: unknown, what: string): string {
  if (typeof d !== 'string' || !DIGEST_RE.test(d)) {
    throw new BadImageError(`${what}: the digest ${JSON.stringify(d)} is not sha256: and 64 lowercase hex digits`);
  }
  return d;
}

function descriptor(v: unknown, what: string): Descriptor {
  if (!isObj(v)) throw new BadImageError(`${what}: must be a descriptor object`);
  const digest = checkDigest(v.digest, what);
  if (typeof v.mediaType !== 'string') throw new BadImageError(`${what} ${digest}: has no mediaType`);
  if (typeof v.size !== 'number' || !Number.isSafeInteger(v.size) || v.size < 0) throw new BadImageError(`${what} ${digest}: bad size`);
  const d: Descriptor = { mediaType: v.mediaType, digest, size: v.size };
  if (isObj(v.annotations)) d.annotations = v.annotations as Record<string, string>;
  if (isObj(v.platform) && typeof v.platform.os === 'string' && typeof v.platform.architecture === 'string') {
    d.platform = {
      os: v.platform.os,
      architecture: v.platform.architecture,
      ...(typeof v.platform.variant === 'string' ? { variant: v.platform.variant } : {}),
    };
  }
  return d;
}

export function isIndexType(mediaType: string): boolean {
  return INDEX_TYPES.has(mediaType);
}

export function isManifestType(mediaType: string): boolean {
  return MANIFEST_TYPES.has(mediaType);
}

/** index.json or an index/manifest-list blob. */
export function parseIndex(bytes: Buffer, what: string): Index {
  const o = parseJson(bytes, what);
  if (!Array.isArray(o.manifests)) throw new BadImageError(`${what}: has no manifests list`);
  return { manifests: o.manifests.map((m, i) => descriptor(m, `${what} manifests[${i}]`)) };
}

export function parseManifest(bytes: Buffer, what: string, mediaType: string): Manifest {
  const o = parseJson(bytes, what);
  const mt = typeof o.mediaType === 'string' ? o.mediaType : mediaType;
  if (!MANIFEST_TYPES.has(mt)) throw new BadImageError(`${what}: unsupported manifest media type ${JSON.stringify(mt)}`);
  const config = descriptor(o.config, `${what} config`);
  if (!Array.isArray(o.layers)) throw new BadImageError(`${what}: has no layers list`);
  const layers = o.layers.map((l, i) => descriptor(l, `${what} layers[${i}]`));
  for (const l of layers) {
    if (!LAYER_TYPES.has(l.mediaType)) throw new BadImageError(`layer ${l.digest}: unsupported media type ${JSON.stringify(l.mediaType)}`);
  }
  return { mediaType: mt, config, layers };
}

const stringList = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');

export function parseConfig(bytes: Buffer, what: string, layerCount: number): ImageConfig {
  const o = parseJson(bytes, what);
  const rootfs = o.rootfs;
  if (!isObj(rootfs) || rootfs.type !== 'layers' || !Array.isArray(rootfs.diff_ids)) {
    throw new BadImageError(`${what}: rootfs must be {type: "layers", diff_ids: [...]}`);
  }
  const diffIds = rootfs.diff_ids.map((d, i) => checkDigest(d, `${what} rootfs.diff_ids[${i}]`));
  if (diffIds.length !== layerCount) {
    throw new BadImageError(`${what}: lists ${diffIds.length} diff_ids for ${layerCount} layers`);
  }
  const exec = o.config ?? undefined;
  if (exec !== undefined && exec !== null && !isObj(exec)) throw new BadImageError(`${what}: config must be an object`);
  if (isObj(exec)) {
    for (const k of ['Env', 'Entrypoint', 'Cmd'] as const) {
      if (exec[k] !== undefined && exec[k] !== null && !stringList(exec[k])) throw new BadImageError(`${what}: config.${k} must be a list of strings`);
    }
    for (const k of ['User', 'WorkingDir'] as const) {
      if (exec[k] !== undefined && typeof exec[k] !== 'string') throw new BadImageError(`${what}: config.${k} must be a string`);
    }
  }
  return {
    ...(typeof o.created === 'string' ? { created: o.created } : {}),
    architecture: typeof o.architecture === 'string' ? o.architecture : '',
    os: typeof o.os === 'string' ? o.os : '',
    ...(typeof o.variant === 'string' ? { variant: o.variant } : {}),
    ...(isObj(exec) ? { config: exec as ExecConfig } : {}),
    rootfs: { type: 'layers', diff_ids: diffIds },
  };
}

/** The host's platform in OCI words (Node's arch names differ for x64 and ia32). */
export function hostPlatform(): Platform {
  const arch = ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[process.arch];
  return { os: 'linux', architecture: arch ?? process.arch };
}

/** `os/arch[/variant]` as `--platform` writes it. */
export function parsePlatform(text: string): Platform {
  const [os, architecture, variant] = text.split('/');
  if (!os || !architecture) throw new BadImageError(`platform ${JSON.stringify(text)}: must be os/arch[/variant]`);
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/**
 * The entry of a multi-platform index for `want`: os and architecture equal, and the
 * variant when both say one. Attestation manifests (platform unknown/unknown) never match.
 */
export function selectPlatform(entries: Descriptor[], want: Platform): Descriptor | undefined {
  return entries.find(
    (d) =>
      d.platform !== undefined &&
      d.platform.os === want.os &&
      d.platform.architecture === want.architecture &&
      (want.variant === undefined || d.platform.variant === undefined || d.platform.variant === want.variant),
  );
}
