// The content-addressed image store under <persistent root>/images:
//
//   blobs/sha256/<hex>        every blob once (layers as they came, manifests, configs)
//   layers/<diffhex>/diff     every layer unpacked once, in overlayfs' format, shared
//   layers/<diffhex>/meta.json
//   l/<short>                 -> ../layers/<diffhex>/diff: short lowerdir names (mount data is one page)
//   images.json               the image records with their names (db.lock)
//   holds/<uid>.json          layers a pod uses, kept while its record names it
//   tmp/                      private working directories (temp-dirs.ts)
//   locks/                    store.lock (imports shared, GC exclusive), db.lock, <diffhex>.lock
//
// Everything enters through a temp directory and a rename, so a reader (or a crash) sees a
// blob or a layer whole or not at all, and an image is listed only once all it needs is in.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { lockExclusive } from '../../../native-bindings/libc.js';
import { readJson, writeJsonAtomic } from '../../state/atomic.js';
import { NotFoundError, PodrunError, UsageError } from '../../util/errors.js';
import { sha256File } from '../digest.js';
import { BadImageError, digestMismatch } from '../image-error.js';
import { layerLimitsFromEnv, type LayerLimits } from '../layer/limits.js';
import { checkDigest, type Descriptor, hostPlatform, type ImageConfig, parseConfig, parseIndex, parsePlatform } from '../oci/documents.js';
import { holdFile } from './hold-file.js';
import { type FoundImage, LayoutReader } from './layout-reader.js';
import { tryLock, withLock } from './locks.js';
import type { PullProgress } from './pull-fn.js';
import { EMPTY_DB, type ImageDb, type ImageRecord, type LayerRecord, lookupImage, normaliseName, upsertImage } from './records.js';
import { createTempDir, reclaimTempDirs } from './temp-dirs.js';

/** Hex digits of a diff_id in its `l/` name: 21 bytes of mount data per layer. */
const SHORT_LEN = 20;
const LAYER_CONCURRENCY = 2;

export interface ImportOptions {
  names: string[];
  allowMissingBlobs?: boolean;
  verifiedBlobs?: Set<string>;
  platform?: string;
  progress?: (p: PullProgress) => void;
}

export interface ImageLayers {
  /** The directory the short names are relative to (the mount is made from there). */
  linkDir: string;
  /** Short lowerdir names, top layer first. */
  lowers: string[];
  /** The unpacked layer directories, top first (for reading files such as /etc/passwd). */
  dirs: string[];
}

export interface Hold {
  uid: string;
  /** A file that contains `uid` while the holder lives (the pod's record). */
  record: string;
  images: string[];
  layers: string[];
}

export interface RemoveResult {
  untagged: string[];
  deleted: string[];
}

const hexOf = (digest: string) => digest.slice('sha256:'.length);

export class ImageStore {
  private readonly limits: LayerLimits;

  private constructor(readonly root: string) {
    this.limits = layerLimitsFromEnv();
  }

  static open(root: string): ImageStore {
    const abs = resolve(root);
    for (const d of ['', 'blobs/sha256', 'layers', 'l', 'tmp', 'locks', 'holds']) mkdirSync(join(abs, d), { recursive: true, mode: 0o700 });
    // What a killed import or pull left (its owner is dead: no one else can be using it).
    // One killed during its import may have moved layers in for an image it never listed:
    // the GC below removes those.
    if (reclaimTempDirs(join(abs, 'tmp')).reclaimed) writeFileSync(join(abs, 'gc-pending'), '');
    const store = new ImageStore(abs);
    store.gcIfPending();
    return store;
  }

  // ---- paths -------------------------------------------------------------------------

  blobPath(digest: string): string {
    return join(this.root, 'blobs', 'sha256', hexOf(checkDigest(digest, 'blob')));
  }

  hasBlob(digest: string): boolean {
    return existsSync(this.blobPath(digest));
  }

  private get tmpRoot(): string {
    return join(this.root, 'tmp');
  }

  private lockFile(name: string): string {
    return join(this.root, 'locks', `${name}.lock`);
  }

  private layerDir(diffId: string): string {
    return join(this.root, 'layers', hexOf(diffId));
  }

  private hasLayer(diffId: string): boolean {
    return existsSync(join(this.layerDir(diffId), 'meta.json'));
  }

  // ---- temp directories -----------------------------------------------------------------

  async makeTempDir(purpose: string): Promise<string> {
    // Under the store lock, shared: a GC (exclusive) either finished before, so what
    // hasBlob says afterwards stays true, or sees this directory and waits for its owner.
    return withLock(this.lockFile('store'), 'shared', async () => createTempDir(this.tmpRoot, purpose));
  }

  private isInTemp(p: string): boolean {
    const rel = relative(this.tmpRoot, resolve(p));
    return rel !== '' && !rel.startsWith('..');
  }

  // ---- the image records --------------------------------------------------------------

  private readDb(): ImageDb {
    return readJson<ImageDb>(join(this.root, 'images.json')) ?? EMPTY_DB;
  }

  /** Runs `fn` on the records under db.lock and writes what it returns (when it is a new object). */
  private updateDb<T>(fn: (db: ImageDb) => { db: ImageDb; result: T }): T {
    const file = this.lockFile('db');
    const fd = tryLock(file, 'exclusive') ?? lockWait(file);
    try {
      const before = this.readDb();
      const { db, result } = fn(before);
      if (db !== before) writeJsonAtomic(join(this.root, 'images.json'), db);
      return result;
    } finally {
      closeSync(fd);
    }
  }

  list(): ImageRecord[] {
    return Object.values(this.readDb().images).sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.id.localeCompare(b.id));
  }

  find(ref: string): ImageRecord | undefined {
    return lookupImage(this.readDb(), ref)?.image;
  }

  config(image: ImageRecord): ImageConfig {
    return parseConfig(readFileSync(this.blobPath(image.id)), `config ${image.id}`, image.layers.length);
  }

  layers(image: ImageRecord): ImageLayers {
    const top = [...image.layers].reverse();
    return {
      linkDir: join(this.root, 'l'),
      lowers: top.map((l) => hexOf(l.diffId).slice(0, SHORT_LEN)),
      dirs: top.map((l) => join(this.layerDir(l.diffId), 'diff')),
    };
  }

  // ---- import ---------------------------------------------------------------------------

  async importLayout(dir: string, opts: ImportOptions): Promise<string[]> {
    const platform = opts.platform ? parsePlatform(opts.platform) : hostPlatform();
    const names = opts.names.map((n) => {
      const full = normaliseName(n);
      if (full === undefined) throw new UsageError(`--name ${JSON.stringify(n)}: not an image name (repository[:tag])`);
      return full;
    });
    const ids = await withLock(this.lockFile('store'), 'shared', async () => {
      const layout = new LayoutReader(this, dir, opts, this.isInTemp(dir));
      const index = parseIndex(layout.file('index.json', 'index.json'), `${dir}/index.json`);
      layout.checkLayoutFile();
      const images = await layout.images(index.manifests, platform);
      if (images.length === 0) throw new BadImageError(`${dir}: the index lists no image`);
      if (names.length && images.length > 1) throw new UsageError(`--name: the layout holds ${images.length} images; import it without --name`);
      const records: ImageRecord[] = [];
      for (const img of images) records.push(await this.importImage(layout, img, names.length ? names : img.names, opts));
      this.updateDb((db) => {
        for (const r of records) db = upsertImage(db, r);
        return { db, result: undefined };
      });
      return records.map((r) => r.id);
    });
    this.gcIfPending();
    return ids;
  }

  private async importImage(layout: LayoutReader, img: FoundImage, names: string[], opts: ImportOptions): Promise<ImageRecord> {
    const { manifest, manifestBytes, manifestDigest } = img;
    const configBytes = layout.document(manifest.config, 'config');
    const config = parseConfig(configBytes, `config ${manifest.config.digest}`, manifest.layers.length);
    const layers: LayerRecord[] = manifest.layers.map((l, i) => ({ digest: l.digest, diffId: config.rootfs.diff_ids[i]!, mediaType: l.mediaType, size: l.size }));
    // Two layers at a time: one decompresses (zlib's thread pool, or zstd) while the other's
    // entries are written; more only queue on the same disk.
    const sizes = await inPool(LAYER_CONCURRENCY, layers, (l, i) => this.ensureLayer(layout, manifest.layers[i]!, l.diffId, opts));
    const size = sizes.reduce((a, b) => a + b, 0);
    this.putDocument(manifestDigest, manifestBytes);
    this.putDocument(manifest.config.digest, configBytes);
    return {
      id: manifest.config.digest,
      names,
      digest: manifestDigest,
      layers,
      size,
      ...(config.created ? { created: config.created } : {}),
    };
  }

  private putDocument(digest: string, bytes: Buffer): void {
    if (this.hasBlob(digest)) return;
    const tmp = createTempDir(this.tmpRoot, 'doc');
    try {
      writeFileSync(join(tmp, 'blob'), bytes, { mode: 0o600 });
      renameSync(join(tmp, 'blob'), this.blobPath(digest));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  /** The layer unpacked in the store and its blob stored; returns its content size. */
  private async ensureLayer(layout: LayoutReader, l: Descriptor, diffId: string, opts: ImportOptions): Promise<number> {
    const done = () => this.hasLayer(diffId) && this.hasBlob(l.digest);
    if (!done()) {
      await withLock(this.lockFile(hexOf(diffId)), 'exclusive', async () => {
        if (done()) return;
        const tmp = createTempDir(this.tmpRoot, 'layer');
        try {
          const staged = layout.stageBlob(l.digest, tmp);
          if (!this.hasLayer(diffId)) {
            mkdirSync(join(tmp, 'layer', 'diff'), { recursive: true, mode: 0o755 });
            // Loaded here: a supervisor that only runs stored images never loads zlib.
            const { unpackLayer } = await import('../layer/unpack.js');
            const size = await unpackLayer({
              blob: staged,
              digest: l.digest,
              verify: !opts.verifiedBlobs?.has(l.digest),
              diffId,
              dest: join(tmp, 'layer', 'diff'),
              limits: this.limits,
              onProgress: opts.progress && ((d, t) => opts.progress!({ layer: l.digest, done: d, total: t })),
            });
            writeFileSync(join(tmp, 'layer', 'meta.json'), JSON.stringify({ diffId, size }) + '\n');
            renameIntoPlace(join(tmp, 'layer'), this.layerDir(diffId));
          } else if (!opts.verifiedBlobs?.has(l.digest)) {
            const actual = await sha256File(staged);
            if (actual !== l.digest) throw digestMismatch('layer', l.digest, actual);
          }
          if (!this.hasBlob(l.digest)) renameSync(staged, this.blobPath(l.digest));
        } finally {
          rmSync(tmp, { recursive: true, force: true });
        }
      });
    }
    this.ensureLink(diffId);
    return readJson<{ size: number }>(join(this.layerDir(diffId), 'meta.json'))?.size ?? 0;
  }

  private ensureLink(diffId: string): void {
    const short = hexOf(diffId).slice(0, SHORT_LEN);
    const link = join(this.root, 'l', short);
    const target = join('..', 'layers', hexOf(diffId), 'diff');
    try {
      symlinkSync(target, link);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (readlinkSync(link) !== target) throw new PodrunError(`image store: ${link} names another layer (a diff_id prefix collision)`);
    }
  }

  // ---- holds, remove, GC ------------------------------------------------------------------

  private liveHolds(): Hold[] {
    const out: Hold[] = [];
    for (const name of readdirSync(join(this.root, 'holds'))) {
      const h = readJson<Hold>(join(this.root, 'holds', name));
      if (h && holderLives(h)) out.push(h);
    }
    return out;
  }

  /**
   * Finds `ref` and records that the holder uses it, in one step under db.lock, so that
   * no removal or GC can come between the lookup and the hold. Undefined when absent.
   */
  hold(ref: string, holder: { uid: string; record: string }): ImageRecord | undefined {
    return this.updateDb((db) => {
      const image = lookupImage(db, ref)?.image;
      if (image) {
        const file = holdFile(this.root, holder.uid);
        const prev = readJson<Hold>(file);
        const h: Hold = {
          ...holder,
          images: [...new Set([...(prev?.images ?? []), image.id])],
          layers: [...new Set([...(prev?.layers ?? []), ...image.layers.map((l) => l.diffId)])],
        };
        // No fsync: a hold matters only while its pod lives, and pods do not outlive a reboot.
        writeFileSync(`${file}.tmp`, JSON.stringify(h));
        renameSync(`${file}.tmp`, file);
      }
      return { db, result: image };
    });
  }

  /** The holders (pod records) that use the image now. */
  users(id: string): string[] {
    return this.liveHolds()
      .filter((h) => h.images.includes(id))
      .map((h) => h.record);
  }

  /**
   * `image rm`: a name removes that name (and the image with its last one); an ID or
   * digest removes the image with all its names. Refused while a pod uses the image,
   * unless `force`; its layers stay until no pod holds them.
   */
  remove(ref: string, force: boolean): RemoveResult {
    const result = this.updateDb((db) => {
      const hit = lookupImage(db, ref);
      if (!hit) throw new NotFoundError(`image ${JSON.stringify(ref)} not found`);
      const { image } = hit;
      const remaining = hit.by === 'name' ? image.names.filter((n) => n !== hit.name) : [];
      const users = remaining.length ? [] : this.users(image.id);
      if (users.length && !force) {
        throw new PodrunError(`image ${JSON.stringify(ref)} (${image.id}) is used by ${users.length} pod(s): remove them first or use -f`);
      }
      const images = { ...db.images };
      const untagged = hit.by === 'name' ? [hit.name!] : image.names;
      if (remaining.length) images[image.id] = { ...image, names: remaining };
      else delete images[image.id];
      return { db: { images }, result: { untagged, deleted: remaining.length ? [] : [image.id] } };
    });
    if (result.deleted.length) {
      writeFileSync(join(this.root, 'gc-pending'), '');
      this.gcIfPending();
    }
    return result;
  }

  gcIfPending(): void {
    if (existsSync(join(this.root, 'gc-pending'))) this.gc();
  }

  /**
   * Deletes the blobs and layers that no image and no live hold needs. Skipped (and left
   * pending for the next import or removal) while an import holds the store lock or a
   * temp directory has a live owner (a pull downloading): they may be counting on blobs
   * that look unused now.
   */
  gc(): boolean {
    const fd = tryLock(this.lockFile('store'), 'exclusive');
    if (fd === undefined) return false;
    try {
      if (reclaimTempDirs(this.tmpRoot).live.length) return false;
      const db = this.readDb();
      const holds = this.liveHolds();
      const blobs = new Set<string>();
      const referenced = new Set<string>();
      for (const img of Object.values(db.images)) {
        blobs.add(hexOf(img.id)).add(hexOf(img.digest));
        for (const l of img.layers) {
          blobs.add(hexOf(l.digest));
          referenced.add(hexOf(l.diffId));
        }
      }
      const layers = new Set<string>([...referenced, ...holds.flatMap((h) => h.layers.map(hexOf))]);
      for (const name of readdirSync(join(this.root, 'holds'))) {
        const h = readJson<Hold>(join(this.root, 'holds', name));
        if (!h || !holderLives(h)) rmSync(join(this.root, 'holds', name), { force: true });
      }
      for (const hex of readdirSync(join(this.root, 'blobs', 'sha256'))) {
        if (!blobs.has(hex)) rmSync(join(this.root, 'blobs', 'sha256', hex), { force: true });
      }
      const trash = createTempDir(this.tmpRoot, 'gc');
      for (const hex of readdirSync(join(this.root, 'layers'))) {
        if (layers.has(hex)) continue;
        rmSync(join(this.root, 'l', hex.slice(0, SHORT_LEN)), { force: true });
        // No import runs (we hold store.lock exclusively), so no one waits on it.
        rmSync(this.lockFile(hex), { force: true });
        // Out of layers/ first, so that a half-removed layer never looks present.
        renameSync(join(this.root, 'layers', hex), join(trash, hex));
      }
      rmSync(trash, { recursive: true, force: true });
      for (const short of readdirSync(join(this.root, 'l'))) {
        if (!existsSync(join(this.root, 'l', short))) unlinkSync(join(this.root, 'l', short));
      }
      // Layers kept only for pods (an image removed with -f) go once the pods have.
      if (holds.every((h) => h.layers.every((d) => referenced.has(hexOf(d))))) rmSync(join(this.root, 'gc-pending'), { force: true });
      return true;
    } finally {
      closeSync(fd);
    }
  }
}

function lockWait(file: string): number {
  // db.lock is held for a read-modify-write of one small file: a blocking wait is short.
  const fd = openSync(file, 'a', 0o600);
  lockExclusive(fd, file);
  return fd;
}

/**
 * Maps `items` through `fn`, at most `limit` at once; results in order. After a failure no
 * new item starts, and the ones running finish (and clean up) before it is thrown.
 */
async function inPool<T, R>(limit: number, items: T[], fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return out;
}

function holderLives(h: Hold): boolean {
  try {
    return readFileSync(h.record, 'utf8').includes(h.uid);
  } catch {
    return false;
  }
}

function renameIntoPlace(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // Another import renamed the same content first: keep the winner's.
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
  }
}
