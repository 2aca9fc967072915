// A layer file's two digests in one read: the blob's (as stored) and the diff_id (of the
// tar inside), optionally copying the bytes to `copyTo` on the way.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { decompress, sniffCompression, type Compression } from '../layer/decompress.js';

export interface LayerDigests {
  digest: string;
  diffId: string;
  size: number;
  compression: Compression;
}

export async function layerDigests(file: string, copyTo?: string): Promise<LayerDigests> {
  const blob = createHash('sha256');
  const diff = createHash('sha256');
  const fd = copyTo === undefined ? -1 : openSync(copyTo, 'wx', 0o600);
  let size = 0;
  let compression: Compression | undefined;
  const raw = new PassThrough({ highWaterMark: 1 << 20 });
  let plain: NodeJS.ReadableStream | undefined;
  let diffDone: Promise<void> = Promise.resolve();
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      const b = chunk as Buffer;
      if (compression === undefined) {
        compression = sniffCompression(b);
        if (compression !== 'none') {
          plain = decompress(raw, compression);
          diffDone = (async () => {
            for await (const c of plain!) diff.update(c as Buffer);
          })();
          diffDone.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
        }
      }
      blob.update(b);
      size += b.length;
      if (fd >= 0) for (let off = 0; off < b.length; ) off += writeSync(fd, b, off);
      // A decompressor that failed drains nothing: its failure ends the wait.
      if (plain && !raw.write(b)) await Promise.race([new Promise((r) => raw.once('drain', r)), diffDone]);
    }
    raw.end();
    await diffDone;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  const digest = `sha256:${blob.digest('hex')}`;
  return { digest, diffId: plain ? `sha256:${diff.digest('hex')}` : digest, size, compression: compression ?? 'none' };
}
