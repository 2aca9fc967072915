// What a registry's manifest is, read strictly: OCI image manifests and indexes, Docker
// schema2 manifests and manifest lists (schema1 is refused: registries stopped serving it,
// and it carries no content-addressed config). Pure; the callers do the I/O.

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const DOCKER_SCHEMA1 = /^application\/vnd\.docker\.distribution\.manifest\.v1\+(prettyjws|json)$/;

/** The Accept header of a manifest request: every kind we can read. */
export const MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST].join(', ');

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  /** `sha256:<64 hex>`: checked, so it is safe as a file name. */
  digest: string;
  size: number;
  platform?: Platform;
}

export type ParsedManifest =
  | { kind: 'index'; mediaType: string; manifests: Descriptor[] }
  | { kind: 'manifest'; mediaType: string; config: Descriptor; layers: Descriptor[] };

const SHA256 = /^sha256:[a-f0-9]{64}$/;

/**
 * The manifest in `bytes`, or a one-line reason it is unusable. `contentType` is the
 * response's; the document's own `mediaType` wins when it has one.
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined): ParsedManifest | string {
  let doc: any;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    return `the manifest is not valid JSON (${(e as Error).message})`;
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return 'the manifest is not a JSON object';
  const mediaType = typeof doc.mediaType === 'string' ? doc.mediaType : (contentType ?? '').split(';')[0]!.trim();
  if (DOCKER_SCHEMA1.test(mediaType) || doc.schemaVersion === 1) return 'Docker schema1 manifests are not supported (push the image again with a current tool)';
  if (doc.schemaVersion !== 2) return `the manifest's schemaVersion is ${JSON.stringify(doc.schemaVersion)}, not 2`;
  const isIndex = Array.isArray(doc.manifests) && !('config' in doc);
  if (isIndex) {
    if (mediaType !== OCI_INDEX && mediaType !== DOCKER_MANIFEST_LIST && mediaType !== '' && mediaType !== 'application/json') {
      return `an index with media type ${JSON.stringify(mediaType)}`;
    }
    const manifests: Descriptor[] = [];
    for (const [i, d] of (doc.manifests as unknown[]).entries()) {
      const desc = descriptor(d, `manifests[${i}]`);
      if (typeof desc === 'string') return desc;
      manifests.push(desc);
    }
    return { kind: 'index', mediaType: mediaType || OCI_INDEX, manifests };
  }
  if (mediaType !== OCI_MANIFEST && mediaType !== DOCKER_MANIFEST && mediaType !== '' && mediaType !== 'application/json') {
    return `unsupported manifest media type ${JSON.stringify(mediaType)}`;
  }
  const config = descriptor(doc.config, 'config');
  if (typeof config === 'string') return config;
  if (!Array.isArray(doc.layers)) return 'the manifest has no layers array';
  const layers: Descriptor[] = [];
  for (const [i, d] of (doc.layers as unknown[]).entries()) {
    const desc = descriptor(d, `layers[${i}]`);
    if (typeof desc === 'string') return desc;
    layers.push(desc);
  }
  return { kind: 'manifest', mediaType: mediaType || OCI_MANIFEST, config, layers };
}

function descriptor(d: any, where: string): Descriptor | string {
  if (!d || typeof d !== 'object') return `the manifest's ${where} is not a descriptor object`;
  if (typeof d.digest !== 'string' || !SHA256.test(d.digest)) {
    return `the manifest's ${where}.digest ${JSON.stringify(d.digest)} must be sha256: and 64 lowercase hex digits`;
  }
  if (!Number.isSafeInteger(d.size) || d.size < 0) return `the manifest's ${where}.size ${JSON.stringify(d.size)} must be a non-negative integer`;
  const out: Descriptor = { mediaType: typeof d.mediaType === 'string' ? d.mediaType : '', digest: d.digest, size: d.size };
  const p = d.platform;
  if (p && typeof p === 'object' && typeof p.os === 'string' && typeof p.architecture === 'string') {
    out.platform = { os: p.os, architecture: p.architecture, ...(typeof p.variant === 'string' ? { variant: p.variant } : {}) };
  }
  return out;
}

/** Node's process.arch in the OCI (GOARCH) spelling, with the variant ARM images name. */
export function hostPlatform(arch: string = process.arch): Platform {
  const map: Record<string, Platform> = {
    x64: { os: 'linux', architecture: 'amd64' },
    arm64: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    arm: { os: 'linux', architecture: 'arm', variant: 'v7' },
    ia32: { os: 'linux', architecture: '386' },
    ppc64: { os: 'linux', architecture: 'ppc64le' },
    s390x: { os: 'linux', architecture: 's390x' },
    riscv64: { os: 'linux', architecture: 'riscv64' },
  };
  return map[arch] ?? { os: 'linux', architecture: arch };
}

/**
 * The index entry for `want`: os and architecture must match; among those, the exact
 * variant first, then an entry without a variant (arm64's is often left out). Entries
 * that are not images (attestations name the os "unknown") never match.
 */
export function selectPlatform(manifests: Descriptor[], want: Platform): Descriptor | undefined {
  const same = manifests.filter((m) => m.platform?.os === want.os && m.platform.architecture === want.architecture);
  return same.find((m) => m.platform?.variant === want.variant) ?? same.find((m) => m.platform?.variant === undefined);
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}
