// Recognising and extracting root filesystem tarballs (plain or gzip).

import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import * as tar from 'tar';
import { InvalidInputError, PodrunError } from '../util/errors.js';
import { ArchiveGuard } from './archive-guard.js';

export type ArchiveFormat = 'tar' | 'gzip';

const MAGIC: { name: string; bytes: number[] }[] = [
  { name: 'zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { name: 'xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { name: 'bzip2', bytes: [0x42, 0x5a, 0x68] },
];

function startsWith(buf: Buffer, bytes: number[]): boolean {
  return buf.length >= bytes.length && bytes.every((b, i) => buf[i] === b);
}

/** True when a 512-byte block is a tar header: ustar magic or a valid checksum (v7 tar). */
export function isTarHeader(block: Buffer): boolean {
  if (block.length < 512) return false;
  if (block.toString('latin1', 257, 262) === 'ustar') return true;
  const stored = parseInt(block.toString('latin1', 148, 156).replace(/[\0 ]+/g, ' ').trim(), 8);
  if (!Number.isFinite(stored)) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  // An all-zero block sums to 256 with the checksum field blanked; it is an
  // end-of-archive marker, not a header.
  return stored !== 0 && (stored === unsigned || stored === signed);
}

/**
 * Sniffs the format from the first bytes (never the file name). Throws
 * InvalidInputError for anything that is not a plain or gzip tar.
 */
export async function detectArchiveFormat(file: string, shown: string, field: string): Promise<ArchiveFormat> {
  const fh = await fsp.open(file, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, 512, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  if (startsWith(head, [0x1f, 0x8b])) return 'gzip';
  const other = MAGIC.find((m) => startsWith(head, m.bytes));
  if (other) {
    throw new InvalidInputError(
      field,
      `${JSON.stringify(shown)}: ${other.name}-compressed archives are not supported (use a plain or gzip-compressed tar)`,
    );
  }
  if (isTarHeader(head)) return 'tar';
  throw new InvalidInputError(field, `${JSON.stringify(shown)}: not a directory or a tar archive`);
}

interface EntryMeta {
  type: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

const FIXUP_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'GNUDumpDir', 'SymbolicLink']);

/**
 * Extracts `file` into the empty directory `dest`. Rejects unsafe entries with
 * InvalidInputError before writing them; on any failure `dest` may hold a
 * partial tree and the caller must remove it.
 *
 * Device nodes and FIFOs are skipped (node cannot mknod; podrun mounts its own
 * /dev). Extended attributes (file capabilities) are not restored.
 */
export async function extractTarball(
  file: string,
  dest: string,
  opts: { format: ArchiveFormat; field: string; shown: string },
): Promise<void> {
  const guard = new ArchiveGuard();
  const metas = new Map<string, EntryMeta>();
  let rejected: string | undefined;
  let failed: string | undefined;

  try {
    await tar.x({
      file,
      cwd: dest,
      preserveOwner: true,
      // Our guard replaces node-tar's path protections; see archive-guard.ts.
      preservePaths: true,
      // Never guess brotli from a file name: we sniffed the format ourselves.
      brotli: false,
      ...(opts.format === 'gzip' ? { gzip: true } : {}),
      filter: (_p, entry) => {
        // After the first bad entry write nothing more; the rest is only read.
        if (rejected !== undefined || failed !== undefined) return false;
        const e = entry as tar.ReadEntry;
        const res = guard.check({ path: e.path, type: e.type, linkpath: e.linkpath });
        if (!res.ok) {
          rejected = res.message;
          return false;
        }
        metas.set(res.path, { type: e.type, mode: e.mode, uid: e.uid, gid: e.gid });
        return true;
      },
      onwarn: (code, message, data) => {
        // Informational, or device nodes / FIFOs we skip on purpose.
        if (code === 'TAR_ENTRY_INFO' || code === 'TAR_ENTRY_UNSUPPORTED') return;
        const entry = data?.entry as { path?: string } | undefined;
        const where = entry?.path ?? (typeof data?.path === 'string' ? data.path : undefined);
        failed ??= where ? `${where}: ${message}` : String(message);
      },
    });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new InvalidInputError(opts.field, `${JSON.stringify(opts.shown)}: not a valid tar archive: ${msg}`);
  }
  if (rejected !== undefined) throw new InvalidInputError(opts.field, rejected);
  if (failed !== undefined) {
    throw new PodrunError(`${opts.field}: extracting ${JSON.stringify(opts.shown)}: ${failed}`);
  }

  await restoreOwnershipAndModes(dest, metas);
}

/**
 * node-tar creates files under the process umask and chowns after writing,
 * which clears setuid/setgid bits, and never chowns symlinks. A rootfs needs
 * the archive's exact owners and modes (a 1777 /tmp, setuid binaries), so set
 * them once more at the end: lchown first (it clears set-id bits), then chmod.
 */
async function restoreOwnershipAndModes(dest: string, metas: Map<string, EntryMeta>): Promise<void> {
  if (!metas.has('')) metas.set('', { type: 'Directory', mode: 0o755, uid: 0, gid: 0 });
  const todo = [...metas].filter(([, m]) => FIXUP_TYPES.has(m.type));
  const BATCH = 64;
  for (let i = 0; i < todo.length; i += BATCH) {
    await Promise.all(
      todo.slice(i, i + BATCH).map(async ([rel, m]) => {
        const abs = rel === '' ? dest : path.join(dest, rel);
        try {
          if (m.uid !== undefined && m.gid !== undefined) await fsp.lchown(abs, m.uid, m.gid);
          if (m.type !== 'SymbolicLink' && m.mode !== undefined) await fsp.chmod(abs, m.mode & 0o7777);
        } catch (err) {
          // An entry replaced later by one of another kind (skipped here) is gone.
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }),
    );
  }
}
