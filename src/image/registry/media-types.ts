// What a registry answers to a manifest request, read with the store's document parsers
// (src/image/oci/documents.ts): OCI image manifests and indexes, Docker schema2 manifests
// and manifest lists. Docker schema1 is refused by name: registries stopped serving it,
// and it has no content-addressed config.
import { BadImageError } from '../image-error.js';
import { isIndexType, MEDIA, parseIndex, parseManifest, type Index, type Manifest } from '../oci/documents.js';

/** The Accept header of a manifest request: every kind we read. */
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.ociManifest, MEDIA.dockerList, MEDIA.dockerManifest].join(', ');

const DOCKER_SCHEMA1 = /^application\/vnd\.docker\.distribution\.manifest\.v1\+(prettyjws|json)$/;

export type RegistryManifest = { kind: 'index'; mediaType: string; index: Index } | { kind: 'manifest'; mediaType: string; manifest: Manifest };

/**
 * The manifest or index in `bytes`. Its own `mediaType` decides, else the response's
 * Content-Type. Throws BadImageError naming `what` when it is unusable.
 */
export function readManifest(bytes: Buffer, contentType: string | undefined, what: string): RegistryManifest {
  let doc: { mediaType?: unknown; schemaVersion?: unknown } | undefined;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    // The parsers below name the JSON error.
  }
  const mediaType = typeof doc?.mediaType === 'string' ? doc.mediaType : (contentType ?? '').split(';')[0]!.trim();
  if (doc?.schemaVersion === 1 || DOCKER_SCHEMA1.test(mediaType)) {
    throw new BadImageError(`${what}: Docker schema1 manifests are not supported (push the image again with a current tool)`);
  }
  if (isIndexType(mediaType)) return { kind: 'index', mediaType, index: parseIndex(bytes, what) };
  return { kind: 'manifest', mediaType, manifest: parseManifest(bytes, what, mediaType) };
}
