// `image pull`: a registry's image into the store. The manifest (the host's platform from
// an index) is fetched and checked, the config and layers the store lacks are downloaded a
// few at a time, each verified as it streams, into a temporary OCI layout on the store's
// filesystem. The config comes first: with its diff_ids each layer is unpacked into the
// store as soon as its own download ends, while the others still download. The store
// then imports the layout (finding its layers in) in one step. Until that step nothing is
// an image: a failed or killed pull leaves a temporary directory and unlisted layers only
// (the directory removed here, or reclaimed by the store when this process died; the
// layers by the next GC).
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatImageReference, parseImageReference } from '../../model/image-reference.js';
import { InvalidInputError, PodrunError } from '../../util/errors.js';
import { hostPlatform, MEDIA, parseConfig, selectPlatform, type Descriptor, type Platform } from '../oci/documents.js';
import type { PullOptions } from '../store/pull-fn.js';
import type { ImageStore } from '../store/store.js';
import { RegistryClient, type FetchedManifest } from './client.js';

/** What a pull uses of the store (a PullFn's ImageStore; unit tests pass a double). */
export type PullStore = Pick<ImageStore, 'hasBlob' | 'blobPath' | 'makeTempDir' | 'ingestLayer' | 'importLayout'>;

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
    const { config, layers } = image.manifest.manifest;
    // The config first (small): its diff_ids let each layer be unpacked once it is in.
    const configFile = join(dir, 'blobs', 'sha256', hexOf(config.digest));
    const configHad = store.hasBlob(config.digest);
    if (!configHad) await downloadAll(client, dir, [config], opts);
    verified.add(config.digest);
    const diffIds = parseConfig(await readFile(configHad ? store.blobPath(config.digest) : configFile), `config ${config.digest}`, layers.length).rootfs.diff_ids;
    const diffIdOf = new Map(layers.map((l, i) => [l.digest, diffIds[i]!]));
    const wanted = uniqueBlobs(layers).filter((d) => !store.hasBlob(d.digest));
    await downloadAll(client, dir, wanted, opts, (d, file) => store.ingestLayer(file, d, diffIdOf.get(d.digest)!, true));
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

/**
 * PULL_CONCURRENCY downloads at a time, each handed to `then` once verified (at most
 * UNPACK_CONCURRENCY of those at once, beside the downloads); the first failure stops
 * the others, and all that started have ended when this returns or throws.
 */
async function downloadAll(
  client: RegistryClient,
  dir: string,
  blobs: Descriptor[],
  opts: PullOptions,
  then?: (d: Descriptor, file: string) => Promise<void>,
): Promise<void> {
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  const queue = [...blobs];
  const after = limiter(UNPACK_CONCURRENCY);
  const afters: Promise<void>[] = [];
  let failure: unknown;
  const fail = (e: unknown) => {
    if (failure === undefined) failure = e;
    stop.abort();
  };
  const worker = async () => {
    for (let d = queue.shift(); d && failure === undefined; d = queue.shift()) {
      const desc = d;
      const file = join(dir, 'blobs', 'sha256', hexOf(desc.digest));
      try {
        opts.progress?.({ layer: desc.digest, done: 0, total: desc.size });
        await client.blob(desc, file, (done) => opts.progress?.({ layer: desc.digest, done, total: desc.size }), signal);
      } catch (e) {
        fail(e);
        continue;
      }
      if (then) afters.push(after(() => (failure === undefined ? then(desc, file) : Promise.resolve())).catch(fail));
    }
  };
  await Promise.all(Array.from({ length: Math.min(PULL_CONCURRENCY, blobs.length) }, worker));
  await Promise.all(afters);
  if (failure !== undefined) throw failure;
}

/** Layers unpacked at once while a pull downloads: the store's own import concurrency. */
const UNPACK_CONCURRENCY = 2;

/** Runs the functions it is given, at most `n` at a time, in the order given. */
function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (fn) => {
    while (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
