// One pass over a layer blob: hash the compressed bytes (the blob's digest), decompress,
// bound the expansion, hash the tar (the diff_id), and write the entries into an empty
// directory. Both digests are compared at the end; on any failure the caller removes
// the directory. A tar error in a blob whose digest is wrong is reported as the digest
// mismatch, the real cause.
import { createHash } from 'node:crypto';
import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs';
import { Transform } from 'node:stream';
import { sha256File } from '../digest.js';
import { BadImageError, digestMismatch } from '../image-error.js';
import { decompress, sniffCompression } from './decompress.js';
import { LayerWriter } from './layer-writer.js';
import { expansionBound, type LayerLimits, MAX_LAYER_SIZE_VAR, MAX_RATIO_VAR } from './limits.js';
import { TarReader } from './tar-reader.js';

export interface UnpackRequest {
  blob: string;
  /** The blob's digest, `sha256:<hex>`. */
  digest: string;
  /** False when the bytes were hashed already (while downloading). */
  verify: boolean;
  /** The config's diff_id for this layer. */
  diffId: string;
  dest: string;
  limits: LayerLimits;
  onProgress?: (done: number, total: number) => void;
}

function head(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(4);
    return b.subarray(0, readSync(fd, b, 0, 4, 0));
  } finally {
    closeSync(fd);
  }
}

/** Unpacks the layer; returns the bytes of file content written. */
export async function unpackLayer(req: UnpackRequest): Promise<number> {
  const total = statSync(req.blob).size;
  const compression = sniffCompression(head(req.blob));
  // A blob the pull hashed while downloading is not hashed again (~30 ms per 50 MB).
  const blobHash = req.verify ? createHash('sha256') : undefined;
  let done = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      blobHash?.update(chunk);
      done += chunk.length;
      req.onProgress?.(done, total);
      cb(null, chunk);
    },
  });
  const input = createReadStream(req.blob, { highWaterMark: 1 << 20 });
  input.on('error', (e) => tap.destroy(e));
  const tar = decompress(input.pipe(tap), compression);
  const diffHash = compression === 'none' ? undefined : createHash('sha256');
  const bound = expansionBound(total, req.limits);
  const writer = new LayerWriter(req.dest);
  const reader = new TarReader(writer);
  let expanded = 0;
  try {
    for await (const chunk of tar) {
      expanded += (chunk as Buffer).length;
      if (expanded > bound) {
        throw new BadImageError(
          `layer ${req.digest} expands past ${bound} bytes (${compression}, ${total} bytes compressed): refused as a decompression bomb (limits: ${MAX_RATIO_VAR}, ${MAX_LAYER_SIZE_VAR})`,
        );
      }
      diffHash?.update(chunk as Buffer);
      reader.write(chunk as Buffer);
    }
    reader.end();
    writer.finish();
  } catch (err) {
    input.destroy();
    tar.destroy();
    writer.close();
    if (err instanceof BadImageError) throw err;
    if (req.verify) {
      const actual = await sha256File(req.blob);
      if (actual !== req.digest) throw digestMismatch('layer', req.digest, actual);
    }
    throw new BadImageError(`layer ${req.digest}: ${(err as Error).message}`);
  }
  const blobDigest = blobHash ? `sha256:${blobHash.digest('hex')}` : req.digest;
  if (blobDigest !== req.digest) throw digestMismatch('layer', req.digest, blobDigest);
  const diffId = diffHash ? `sha256:${diffHash.digest('hex')}` : blobDigest;
  if (diffId !== req.diffId) {
    throw new BadImageError(`layer ${req.digest}: its uncompressed content hashes to ${diffId}, but the image config says ${req.diffId}`);
  }
  return writer.size;
}
