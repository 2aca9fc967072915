// A blob from the network to a file, hashed and counted as the bytes arrive: the file is
// never read back, and memory holds one chunk at a time. A body longer than the manifest
// says is cut off at the first byte too many.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface Expected {
  digest: string;
  size: number;
}

/** Writes `body` to `file` (which must not exist); throws when its size or sha256 differs. */
export async function writeVerified(body: Readable, file: string, want: Expected, onBytes: (done: number) => void, signal?: AbortSignal): Promise<void> {
  const hash = createHash('sha256');
  let done = 0;
  await pipeline(
    body,
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        done += chunk.length;
        if (done > want.size) throw new Error(`more bytes than the ${want.size} the manifest gives`);
        hash.update(chunk);
        onBytes(done);
        yield chunk;
      }
    },
    createWriteStream(file, { flags: 'wx', mode: 0o600 }),
    { signal },
  );
  if (done !== want.size) throw new Error(`${done} bytes, not the ${want.size} the manifest gives (a truncated download)`);
  const got = `sha256:${hash.digest('hex')}`;
  if (got !== want.digest) throw new Error(`digest mismatch: the bytes hash to ${got}`);
}
