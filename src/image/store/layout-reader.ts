// Reading an OCI image layout for an import: index.json, oci-layout, and the manifests,
// indexes and configs it names, each read whole (they are small) and verified against its
// digest; layer blobs staged into a private temp directory for unpacking. A blob missing
// from the layout may come from the store (allowMissingBlobs: a pull skips what it has).
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, lstatSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { BadImageError, digestMismatch } from '../image-error.js';
import {
  type Descriptor,
  isIndexType,
  type Manifest,
  parseIndex,
  parseManifest,
  type Platform,
  REF_NAME_ANNOTATION,
  selectPlatform,
} from '../oci/documents.js';
import { normaliseName } from './records.js';

/** Manifests, indexes and configs are small; a bigger one is refused before it is read. */
const MAX_DOCUMENT = 4 * 1024 * 1024;

const hexOf = (digest: string) => digest.slice('sha256:'.length);

/** What the reader needs of the store. */
export interface BlobSource {
  hasBlob(digest: string): boolean;
  blobPath(digest: string): string;
}

export interface FoundImage {
  manifest: Manifest;
  manifestBytes: Buffer;
  manifestDigest: string;
  names: string[];
}

/** Reads the documents and blobs of an OCI image layout, verifying each against its digest. */
export class LayoutReader {
  constructor(
    private readonly store: BlobSource,
    private readonly dir: string,
    private readonly opts: { allowMissingBlobs?: boolean; verifiedBlobs?: Set<string> },
    /** The layout is the store's own temp directory (a pull's): its blobs move in. */
    private readonly owned: boolean,
  ) {}

  file(rel: string, what: string): Buffer {
    const p = join(this.dir, rel);
    let st;
    try {
      st = lstatSync(p);
    } catch {
      throw new BadImageError(`${this.dir}: not an OCI image layout (no ${what})`);
    }
    if (!st.isFile()) throw new BadImageError(`${p}: not a regular file`);
    if (st.size > MAX_DOCUMENT) throw new BadImageError(`${p}: ${st.size} bytes is too large for an image document`);
    return readFileSync(p);
  }

  checkLayoutFile(): void {
    const bytes = this.file('oci-layout', 'oci-layout file');
    let v: unknown;
    try {
      v = JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      throw new BadImageError(`${this.dir}/oci-layout: not valid JSON (${(e as Error).message})`);
    }
    const version = (v as { imageLayoutVersion?: unknown })?.imageLayoutVersion;
    if (typeof version !== 'string' || !version.startsWith('1.')) {
      throw new BadImageError(`${this.dir}/oci-layout: unsupported imageLayoutVersion ${JSON.stringify(version)}`);
    }
  }

  private blobFile(digest: string): string | undefined {
    const p = join(this.dir, 'blobs', 'sha256', hexOf(digest));
    if (existsSync(p)) return p;
    if (this.opts.allowMissingBlobs && this.store.hasBlob(digest)) return this.store.blobPath(digest);
    return undefined;
  }

  /** A manifest, index or config blob, read and verified. */
  document(d: Descriptor, what: string): Buffer {
    const p = this.blobFile(d.digest);
    if (p === undefined) throw new BadImageError(`${what} ${d.digest}: blob missing from ${this.dir}`);
    const st = lstatSync(p);
    if (!st.isFile()) throw new BadImageError(`${what} ${d.digest}: not a regular file`);
    if (st.size > MAX_DOCUMENT) throw new BadImageError(`${what} ${d.digest}: ${st.size} bytes is too large for an image document`);
    const bytes = readFileSync(p);
    if (!this.opts.verifiedBlobs?.has(d.digest)) {
      const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      if (actual !== d.digest) throw digestMismatch(what, d.digest, actual);
    }
    return bytes;
  }

  /**
   * The blob in `tmp` (a private copy, so the layout cannot change under the check; moved
   * instead when the layout is the store's own temp directory, as a pull's is).
   */
  stageBlob(digest: string, tmp: string): string {
    const src = this.blobFile(digest);
    if (src === undefined) throw new BadImageError(`layer ${digest}: blob missing from ${this.dir}`);
    if (!lstatSync(src).isFile()) throw new BadImageError(`layer ${digest}: not a regular file`);
    const dst = join(tmp, 'blob');
    if (this.owned && src.startsWith(join(this.dir, 'blobs'))) renameSync(src, dst);
    else copyFileSync(src, dst);
    return dst;
  }

  /** The images an index names: manifests, and the host's platform of nested indexes. */
  async images(entries: Descriptor[], platform: Platform): Promise<FoundImage[]> {
    // An index.json that is itself a multi-platform index: keep the platform's entries.
    const withPlatform = entries.filter((e) => e.platform);
    let chosen = entries;
    if (withPlatform.length > 1) {
      const pick = selectPlatform(withPlatform, platform);
      if (!pick) throw new BadImageError(`${this.dir}/index.json: no image for ${platform.os}/${platform.architecture}`);
      chosen = [pick, ...entries.filter((e) => !e.platform)];
    }
    const out: FoundImage[] = [];
    for (const d of chosen) {
      const refName = d.annotations?.[REF_NAME_ANNOTATION];
      const names = refName !== undefined && /[:/@]/.test(refName) ? [normaliseName(refName)].filter((n): n is string => !!n) : [];
      let m = d;
      if (isIndexType(d.mediaType)) {
        const nested = parseIndex(this.document(d, 'index'), `index ${d.digest}`);
        const pick = selectPlatform(nested.manifests, platform);
        if (!pick) throw new BadImageError(`index ${d.digest}: no image for ${platform.os}/${platform.architecture}`);
        m = pick;
      }
      const bytes = this.document(m, 'manifest');
      out.push({ manifest: parseManifest(bytes, `manifest ${m.digest}`, m.mediaType), manifestBytes: bytes, manifestDigest: m.digest, names });
    }
    return out;
  }
}
