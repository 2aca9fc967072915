// ImageStore.ingestLayer, the pull's way in for a layer whose download has ended (while
// the others still download), against a real store: the layer is unpacked and its blob
// stored but no image is listed; the import of the pull's layout then finds the layer in
// and does not unpack it again; a blob that does not match its digest, or whose content
// does not match the config's diff_id, is refused and leaves nothing behind.
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ImageStore } from '../../src/image/store/store.js';
import { sha256, tarOf, writeLayout } from '../image-archives.js';
import { isRoot, notRootReason } from './helpers.js';

if (!isRoot) process.stderr.write(`image-ingest: skipped: ${notRootReason} (layers keep their owners)\n`);

const MEDIA_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

describe.skipIf(!isRoot)('ImageStore.ingestLayer', () => {
  const dir = isRoot ? mkdtempSync(join(tmpdir(), 'podrun-test-ingest-')) : '';
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const freshStore = () => ImageStore.open(join(dir, `store-${n++}`));
  /** A layer blob in the store's temp area, as a pull's download leaves it. */
  const downloaded = async (store: ImageStore, bytes: Buffer) => {
    const tmp = await store.makeTempDir('pull');
    const file = join(tmp, 'blob');
    writeFileSync(file, bytes);
    return { tmp, file };
  };
  const nothingLeft = (store: ImageStore) => {
    expect(store.list()).toEqual([]);
    expect(readdirSync(join(store.root, 'layers'))).toEqual([]);
    expect(readdirSync(join(store.root, 'blobs', 'sha256'))).toEqual([]);
  };

  it('unpacks and stores a layer without listing an image; the import then finds it in and does not unpack it again', async () => {
    const store = freshStore();
    const tar = tarOf([{ path: 'etc/', type: 'dir' }, { path: 'etc/motd', content: 'ingested' }]);
    const layout = join(dir, 'layout');
    const id = writeLayout(layout, { layers: [tar], gzip: true });
    const blob = gzipSync(tar);
    const digest = sha256(blob);
    // writeLayout's gzip is deterministic: the same bytes as the layout's blob.
    expect(existsSync(join(layout, 'blobs', 'sha256', digest.slice(7)))).toBe(true);

    const { tmp, file } = await downloaded(store, blob);
    await store.ingestLayer(file, { mediaType: MEDIA_GZIP, digest, size: blob.length }, sha256(tar), true);
    const diff = join(store.root, 'layers', sha256(tar).slice(7), 'diff');
    const before = statSync(join(diff, 'etc', 'motd'));
    expect(existsSync(file)).toBe(false); // moved into the store
    expect(store.hasBlob(digest)).toBe(true);
    expect(store.list()).toEqual([]);
    rmSync(tmp, { recursive: true });

    // The pull's layout: the documents only (the layer blob went to the store).
    const pulled = join(dir, 'pulled');
    cpSync(layout, pulled, { recursive: true });
    rmSync(join(pulled, 'blobs', 'sha256', digest.slice(7)));
    // An unpack reports progress; this import must report none.
    const unpacked: string[] = [];
    expect(await store.importLayout(pulled, { names: ['ingested:1'], allowMissingBlobs: true, progress: (p) => unpacked.push(p.layer) })).toEqual([id]);
    expect(unpacked).toEqual([]);
    const after = statSync(join(diff, 'etc', 'motd'));
    expect([after.ino, after.ctimeMs]).toEqual([before.ino, before.ctimeMs]);
    expect(store.find('ingested:1')?.id).toBe(id);
    expect(readdirSync(join(store.root, 'tmp'))).toEqual([]);
  });

  it.each([
    ['a blob that does not match its digest', (tar: Buffer) => ({ bytes: Buffer.concat([gzipSync(tar), Buffer.from('x')]), digest: sha256(gzipSync(tar)), diffId: sha256(tar), verified: false }), /content does not match its digest/],
    ['content that does not match the diff_id', (tar: Buffer) => ({ bytes: gzipSync(tar), digest: sha256(gzipSync(tar)), diffId: sha256(Buffer.from('other')), verified: true }), /uncompressed content hashes to sha256:[0-9a-f]{64}, but the image config says/],
    ['a corrupt gzip stream', (tar: Buffer) => {
      const bytes = gzipSync(tar).subarray(0, 40);
      return { bytes, digest: sha256(bytes), diffId: sha256(tar), verified: true };
    }, /layer sha256:[0-9a-f]{64}: /],
  ])('refuses %s and stores nothing', async (_what, make, why) => {
    const store = freshStore();
    const tar = tarOf([{ path: 'a', content: 'a'.repeat(5000) }]);
    const { bytes, digest, diffId, verified } = make(tar);
    const { tmp, file } = await downloaded(store, bytes);
    await expect(store.ingestLayer(file, { mediaType: MEDIA_GZIP, digest, size: bytes.length }, diffId, verified)).rejects.toThrow(why);
    rmSync(tmp, { recursive: true, force: true });
    nothingLeft(store);
    expect(readdirSync(join(store.root, 'tmp'))).toEqual([]);
  });

  it("frees an ingested layer no image took (the pull failed before its import) at the store's next opening", async () => {
    const store = freshStore();
    const tar = tarOf([{ path: 'x', content: 'x' }]);
    const blob = gzipSync(tar);
    const { tmp, file } = await downloaded(store, blob);
    await store.ingestLayer(file, { mediaType: MEDIA_GZIP, digest: sha256(blob), size: blob.length }, sha256(tar), true);
    expect(readdirSync(join(store.root, 'layers'))).toEqual([sha256(tar).slice(7)]);
    rmSync(tmp, { recursive: true });
    nothingLeft(ImageStore.open(store.root));
  });

  it('takes only a file in its own temp area', async () => {
    const store = freshStore();
    const outside = join(dir, 'outside.blob');
    writeFileSync(outside, gzipSync(tarOf([{ path: 'a', content: 'a' }])));
    await expect(store.ingestLayer(outside, { mediaType: MEDIA_GZIP, digest: sha256(Buffer.from('a')), size: 1 }, sha256(Buffer.from('a')), true)).rejects.toThrow(/is not in the store's temp area/);
    expect(existsSync(outside)).toBe(true);
    nothingLeft(store);
  });
});
