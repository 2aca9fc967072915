// `image pull`: a registry's image into the store. The manifest (the host's platform from
// an index) is fetched and checked, the config and layers the store lacks are downloaded a
// few at a time, each verified as it streams, into a temporary OCI layout on the store's
// filesystem; the store then imports the layout in one step. Until that step nothing is
// an image: a failed or killed pull leaves a temporary directory only (removed here, or
// reclaimed by the store when this process died).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatImageReference, parseImageReference } from '../../model/image-reference.js';
import { InvalidInputError, PodrunError } from '../../util/errors.js';
import { hostPlatform, MEDIA, selectPlatform, type Descriptor, type Platform } from '../oci/documents.js';
import type { PullOptions } from '../store/pull-fn.js';
import type { ImageStore } from '../store/store.js';
import { RegistryClient, type FetchedManifest } from './client.js';

/** What a pull uses of the store (a PullFn's ImageStore; unit tests pass a double). */
export type PullStore = Pick<ImageStore, 'hasBlob' | 'makeTempDir' | 'importLayout'>;

/** Blobs downloaded at once: Docker's default (max-concurrent-downloads). */
export const PULL_CONCURRENCY = 3;

/** The PullFn of src/image/store/pull-fn.ts. */
export async function pullImage(store: PullStore, reference: string, opts: PullOptions): Promise<string> {
  const ref = parseImageReference(reference);
  if (typeof ref === 'string') throw new InvalidInputError('image', ref);
  const name = formatImageReference(ref);
  const client = new RegistryClient(ref, opts.insecure ?? false, opts.signal);
  let dir: string | undefined;
  try {
    if (ref.digest && !ref.digest.startsWith('sha256:')) throw new Error(`only sha256 digests are supported, not ${ref.digest.split(':')[0]}`);
    await client.connect();
    const top = await client.manifest(ref.digest ?? ref.tag ?? 'latest');
    const image = await platformManifest(client, top);
    if (image.manifest.kind !== 'manifest') throw new Error('an index inside an index is not an image');
    dir = await store.makeTempDir('pull');
    const verified = new Set<string>([image.digest]);
    await writeLayout(dir, image);
    const wanted = uniqueBlobs([image.manifest.manifest.config, ...image.manifest.manifest.layers]).filter((d) => !store.hasBlob(d.digest));
    await downloadAll(client, dir, wanted, opts);
    for (const d of wanted) verified.add(d.digest);
    // A pull by digest names no tag (as Docker's): the store finds it by its manifest digest.
    const names = ref.digest ? [] : [name];
    const [id] = await store.importLayout(dir, { names, allowMissingBlobs: true, verifiedBlobs: verified });
    if (!id) throw new Error('the store imported no image');
    return id;
  } catch (e) {
    // Every failure of a pull is a runtime failure (exit 1), named by what was pulled from where.
    throw new PodrunError(`pulling ${name} from ${ref.domain}: ${opts.signal?.aborted ? 'interrupted' : (e as Error).message}`);
  } finally {
    client.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

/** The manifest itself, or the host platform's entry of an index (fetched by its digest). */
async function platformManifest(client: RegistryClient, top: FetchedManifest): Promise<FetchedManifest> {
  if (top.manifest.kind !== 'index') return top;
  const want = hostPlatform();
  const entries = top.manifest.index.manifests;
  const entry = selectPlatform(entries, want);
  if (!entry) {
    const have = entries.map((m) => (m.platform ? formatPlatform(m.platform) : '?')).join(', ');
    throw new Error(`the index has no ${formatPlatform(want)} image (it has: ${have || 'none'})`);
  }
  return client.manifest(entry.digest);
}

/** oci-layout, index.json naming the manifest, and the manifest blob. */
async function writeLayout(dir: string, image: FetchedManifest): Promise<void> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  await writeFile(join(blobs, hexOf(image.digest)), image.bytes);
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const index = { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [{ mediaType: image.manifest.mediaType, digest: image.digest, size: image.bytes.length }] };
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
}

function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

function hexOf(digest: string): string {
  return digest.slice('sha256:'.length);
}

function uniqueBlobs(ds: Descriptor[]): Descriptor[] {
  return [...new Map(ds.map((d) => [d.digest, d])).values()];
}

/** PULL_CONCURRENCY downloads at a time; the first failure stops the others. */
async function downloadAll(client: RegistryClient, dir: string, blobs: Descriptor[], opts: PullOptions): Promise<void> {
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  const queue = [...blobs];
  let failure: unknown;
  const worker = async () => {
    for (let d = queue.shift(); d && failure === undefined; d = queue.shift()) {
      const desc = d;
      try {
        opts.progress?.({ layer: desc.digest, done: 0, total: desc.size });
        await client.blob(desc, join(dir, 'blobs', 'sha256', hexOf(desc.digest)), (done) => opts.progress?.({ layer: desc.digest, done, total: desc.size }), signal);
      } catch (e) {
        if (failure === undefined) failure = e;
        stop.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PULL_CONCURRENCY, blobs.length) }, worker));
  if (failure !== undefined) throw failure;
}
