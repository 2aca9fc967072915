// `podrun image import FILE|DIR`: an OCI image layout directory, an OCI layout tar
// (oci-archive), a docker-archive tar (docker/podman save: manifest.json with RepoTags),
// or a plain root filesystem tarball (one layer). Archives are unpacked or converted into
// an OCI layout in the store's temp area, which importLayout then takes in (moving its
// blobs): one code path verifies and stores every format.
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { BadImageError } from '../image-error.js';
import { sniffCompression } from '../layer/decompress.js';
import { hostPlatform, MEDIA } from '../oci/documents.js';
import type { PullProgress } from '../store/pull-fn.js';
import { normaliseName } from '../store/records.js';
import type { ImageStore } from '../store/store.js';
import { archiveTopNames, extractArchive } from './extract-archive.js';
import { layerDigests } from './layer-digests.js';

export type ImportFormat = 'oci-layout' | 'oci-archive' | 'docker-archive' | 'rootfs';

export interface ImportFileOptions {
  names: string[];
  progress?: (p: PullProgress) => void;
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const hexOf = (d: string) => d.slice('sha256:'.length);

export async function detectFormat(file: string): Promise<ImportFormat> {
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    throw new BadImageError(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  if (st.isDirectory()) {
    if (!existsSync(join(file, 'oci-layout'))) throw new BadImageError(`${file}: a directory to import must be an OCI image layout (it has no oci-layout file)`);
    return 'oci-layout';
  }
  if (!st.isFile()) throw new BadImageError(`${file}: not a file or directory`);
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(4);
  const n = readSync(fd, buf, 0, 4, 0);
  closeSync(fd);
  if (sniffCompression(buf.subarray(0, n)) !== 'none') return 'rootfs';
  const top = await archiveTopNames(file);
  if (top.has('manifest.json')) return 'docker-archive';
  if (top.has('oci-layout')) return 'oci-archive';
  return 'rootfs';
}

export async function importFile(store: ImageStore, file: string, opts: ImportFileOptions): Promise<string[]> {
  const format = await detectFormat(file);
  if (format === 'oci-layout') return store.importLayout(file, { names: opts.names, ...(opts.progress ? { progress: opts.progress } : {}) });
  const tmp = await store.makeTempDir('import');
  try {
    const layoutOpts = (names: string[], verifiedBlobs?: Set<string>) => ({
      names,
      ...(verifiedBlobs ? { verifiedBlobs } : {}),
      ...(opts.progress ? { progress: opts.progress } : {}),
    });
    if (format === 'oci-archive') {
      await extractArchive(file, join(tmp, 'x'));
      return await store.importLayout(join(tmp, 'x'), layoutOpts(opts.names));
    }
    if (format === 'docker-archive') {
      await extractArchive(file, join(tmp, 'x'));
      const ids: string[] = [];
      for (const [i, img] of dockerManifest(join(tmp, 'x'), file).entries()) {
        const layout = join(tmp, `layout-${i}`);
        const verified = await dockerToLayout(join(tmp, 'x'), img, layout);
        ids.push(...(await store.importLayout(layout, layoutOpts(opts.names.length ? opts.names : img.repoTags, verified))));
      }
      return [...new Set(ids)];
    }
    const layout = join(tmp, 'layout');
    const verified = await rootfsToLayout(file, layout);
    return await store.importLayout(layout, layoutOpts(opts.names, verified));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// ---- OCI layout writing -----------------------------------------------------------------

function putBlob(layout: string, bytes: Buffer): string {
  const digest = sha256(bytes);
  const p = join(layout, 'blobs', 'sha256', hexOf(digest));
  if (!existsSync(p)) writeFileSync(p, bytes, { mode: 0o600 });
  return digest;
}

function startLayout(layout: string): void {
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true, mode: 0o700 });
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
}

function finishLayout(layout: string, config: Buffer, layers: { digest: string; size: number; mediaType: string }[]): string {
  const configDigest = putBlob(layout, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.ociConfig, digest: configDigest, size: config.length },
      layers,
    }),
  );
  const manifestDigest = putBlob(layout, manifest);
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MEDIA.ociManifest, digest: manifestDigest, size: manifest.length }] }),
  );
  return manifestDigest;
}

const LAYER_TYPE = { none: MEDIA.ociLayer, gzip: MEDIA.ociLayerGzip, zstd: MEDIA.ociLayerZstd } as const;

// ---- docker-archive ------------------------------------------------------------------------

interface DockerImage {
  config: string;
  repoTags: string[];
  layers: string[];
}

function dockerManifest(dir: string, file: string): DockerImage[] {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  } catch (e) {
    throw new BadImageError(`${file}: manifest.json: not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(v) || v.length === 0) throw new BadImageError(`${file}: manifest.json must be a non-empty list`);
  return v.map((m: Record<string, unknown>, i) => {
    const what = `${file}: manifest.json[${i}]`;
    if (typeof m?.Config !== 'string' || !Array.isArray(m.Layers) || !m.Layers.every((l) => typeof l === 'string')) {
      throw new BadImageError(`${what}: needs Config and Layers`);
    }
    // Tags that are no reference (`<none>:<none>`) name nothing.
    const tags = Array.isArray(m.RepoTags) ? m.RepoTags.filter((t): t is string => typeof t === 'string' && normaliseName(t) !== undefined) : [];
    return { config: m.Config, repoTags: tags, layers: m.Layers as string[] };
  });
}

/** A file named by manifest.json, inside the extracted archive (symlinks included). */
function archiveFile(dir: string, rel: string): string {
  const p = realpathSync(resolve(dir, rel));
  const r = relative(realpathSync(dir), p);
  if (r === '' || r.startsWith('..')) throw new BadImageError(`docker-archive: ${JSON.stringify(rel)} points outside the archive`);
  if (!lstatSync(p).isFile()) throw new BadImageError(`docker-archive: ${JSON.stringify(rel)} is not a file`);
  return p;
}

/** Writes an OCI layout for one docker-archive image; returns the blobs it hashed itself. */
async function dockerToLayout(dir: string, img: DockerImage, layout: string): Promise<Set<string>> {
  startLayout(layout);
  const verified = new Set<string>();
  let config: Buffer;
  try {
    config = readFileSync(archiveFile(dir, img.config));
  } catch (e) {
    if (e instanceof BadImageError) throw e;
    throw new BadImageError(`docker-archive: config ${JSON.stringify(img.config)} is missing`);
  }
  const layers = [];
  for (const rel of img.layers) {
    let src: string;
    try {
      src = archiveFile(dir, rel);
    } catch (e) {
      if (e instanceof BadImageError) throw e;
      throw new BadImageError(`docker-archive: layer ${JSON.stringify(rel)} is missing`);
    }
    const d = await layerDigests(src);
    const dst = join(layout, 'blobs', 'sha256', hexOf(d.digest));
    // Hard links: another image of the archive may list the same layer file.
    if (!existsSync(dst)) linkSync(src, dst);
    verified.add(d.digest);
    layers.push({ mediaType: LAYER_TYPE[d.compression], digest: d.digest, size: d.size });
  }
  verified.add(finishLayout(layout, config, layers));
  verified.add(sha256(config));
  return verified;
}

// ---- plain rootfs tarball --------------------------------------------------------------------

async function rootfsToLayout(file: string, layout: string): Promise<Set<string>> {
  startLayout(layout);
  const staged = join(layout, 'blobs', 'layer.tmp');
  const d = await layerDigests(file, staged);
  renameSync(staged, join(layout, 'blobs', 'sha256', hexOf(d.digest)));
  const platform = hostPlatform();
  const config = Buffer.from(
    JSON.stringify({
      created: statSync(file).mtime.toISOString(),
      architecture: platform.architecture,
      os: platform.os,
      config: {},
      rootfs: { type: 'layers', diff_ids: [d.diffId] },
    }),
  );
  const manifestDigest = finishLayout(layout, config, [{ mediaType: LAYER_TYPE[d.compression], digest: d.digest, size: d.size }]);
  return new Set([d.digest, manifestDigest, sha256(config)]);
}
