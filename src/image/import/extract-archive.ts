// Unpacks an image archive (an oci-archive or docker-archive tar) into the store's temp
// area: directories, regular files and symbolic links only (old `docker save` links
// shared layers), every path through the same guard as layers, so nothing lands outside.
import { createReadStream, mkdirSync } from 'node:fs';
import { BadImageError } from '../image-error.js';
import { LayerWriter } from '../layer/layer-writer.js';
import { type TarEntry, TarReader } from '../layer/tar-reader.js';

const ALLOWED = new Set(['File', 'Directory', 'SymbolicLink']);

export async function extractArchive(file: string, dest: string): Promise<void> {
  mkdirSync(dest, { recursive: true, mode: 0o700 });
  const writer = new LayerWriter(dest);
  const reader = new TarReader({
    entry(e: TarEntry) {
      if (!ALLOWED.has(e.type)) throw new BadImageError(`${file}: archive entry ${JSON.stringify(e.path)} is a ${e.type}, which an image archive does not hold`);
      // Ours to read: no set-id bits, no other owner, no xattrs.
      writer.entry({ ...e, uid: 0, gid: 0, mode: e.type === 'Directory' ? 0o700 : 0o600, xattrs: new Map() });
    },
    data: (c) => writer.data(c),
    endEntry: () => writer.endEntry(),
  });
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) reader.write(chunk as Buffer);
    reader.end();
    writer.finish();
  } catch (e) {
    writer.close();
    if (e instanceof BadImageError) throw e;
    throw new BadImageError(`${file}: ${(e as Error).message}`);
  }
}

/** The top-level names of a tar archive (to tell its kind), reading headers only. */
export async function archiveTopNames(file: string): Promise<Set<string>> {
  const names = new Set<string>();
  const reader = new TarReader({
    entry: (e) => void names.add(e.path.replace(/^\.?\/+/, '').split('/')[0] ?? ''),
    data: () => undefined,
    endEntry: () => undefined,
  });
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) reader.write(chunk as Buffer);
    reader.end();
  } catch (e) {
    throw new BadImageError(`${file}: not a valid tar archive: ${(e as Error).message}`);
  }
  return names;
}
