// Resolving a container's `image:` to a root filesystem directory.
//
//   "/"                     the host's root filesystem
//   /abs/dir                that directory (realpath)
//   /abs/file.tar[.gz]      extracted once into <cacheDir>/<sha256>/rootfs
//
// Named images do not come here: container-image.ts sends them to the store.
// The cache is keyed by content, so the same tarball at two paths is extracted
// once. A small index (<cacheDir>/index/) maps a file's identity (path, device,
// inode, size, mtime, ctime) to its sha256, so a cache hit costs a few stats
// and no rehash. Nothing here garbage-collects old extractions yet.

import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { errnoText } from '../util/errno.js';
import { sha256File } from './digest.js';
import { InvalidInputError, PodrunError } from '../util/errors.js';
import { type ArchiveFormat, detectArchiveFormat, extractTarball } from './tarball.js';

export type ResolvedImage = { kind: 'host' } | { kind: 'dir'; path: string };

// These failures mean the path the user gave is bad (exit 2); any other is podrun's.
const INPUT_ERRNOS = new Set(['ENOENT', 'ENOTDIR', 'EACCES', 'ELOOP', 'ENAMETOOLONG']);

function pathError(field: string, shown: string, err: unknown): PodrunError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (INPUT_ERRNOS.has(code)) {
    const text = code === 'ENOTDIR' ? `${errnoText('ENOENT')} (a path component is not a directory)` : errnoText(code);
    return new InvalidInputError(field, `${JSON.stringify(shown)}: ${text}`);
  }
  return new PodrunError(`${field}: ${JSON.stringify(shown)}: ${(err as Error).message}`);
}

export async function resolveImage(image: string, field: string, cacheDir: string): Promise<ResolvedImage> {
  if (typeof image !== 'string' || image === '') {
    throw new InvalidInputError(field, 'an image is required');
  }
  if (!path.isAbsolute(image)) {
    throw new InvalidInputError(
      field,
      `${JSON.stringify(image)}: must be "/" or an absolute path to a root filesystem directory or tarball`,
    );
  }
  if (path.resolve(image) === '/') return { kind: 'host' };

  let real: string;
  let st: BigIntStats;
  try {
    real = await fsp.realpath(image);
    st = await fsp.stat(real, { bigint: true });
  } catch (err) {
    throw pathError(field, image, err);
  }
  // A symlink to "/" is still the host root, with the host-root rules (read-only).
  if (real === '/') return { kind: 'host' };
  if (st.isDirectory()) return { kind: 'dir', path: real };
  if (!st.isFile()) {
    throw new InvalidInputError(field, `${JSON.stringify(image)}: not a directory or a tar archive`);
  }
  return { kind: 'dir', path: await resolveTarball(real, st, image, field, path.resolve(cacheDir)) };
}

async function resolveTarball(
  file: string,
  st: BigIntStats,
  shown: string,
  field: string,
  cacheDir: string,
): Promise<string> {
  // The cache holds setuid binaries and the like: keep it private to root.
  await fsp.mkdir(cacheDir, { recursive: true, mode: 0o700 });

  const identity = fileIdentity(file, st);
  const indexed = await readIndex(cacheDir, identity);
  if (indexed !== undefined) {
    const root = rootfsPath(cacheDir, indexed);
    if (await isDirectory(root)) return root;
  }

  let format: ArchiveFormat;
  let sha: string;
  try {
    format = await detectArchiveFormat(file, shown, field);
    sha = indexed ?? (await sha256File(file)).slice('sha256:'.length);
  } catch (err) {
    if (err instanceof PodrunError) throw err;
    throw pathError(field, shown, err);
  }
  const root = await extractOnce(cacheDir, sha, { file, st, format, shown, field });
  await writeIndex(cacheDir, identity, sha);
  return root;
}

// ---- content cache -------------------------------------------------------------

interface ExtractJob {
  file: string;
  st: BigIntStats;
  format: ArchiveFormat;
  shown: string;
  field: string;
}

const TEMP_PREFIX = '.extract-';

function rootfsPath(cacheDir: string, sha: string): string {
  return path.join(cacheDir, sha, 'rootfs');
}

/** In-process de-duplication; other processes are handled by the atomic rename. */
const inflight = new Map<string, Promise<string>>();

function extractOnce(cacheDir: string, sha: string, job: ExtractJob): Promise<string> {
  const root = rootfsPath(cacheDir, sha);
  let p = inflight.get(root);
  if (!p) {
    p = extractInto(cacheDir, sha, job).finally(() => inflight.delete(root));
    inflight.set(root, p);
  }
  return p;
}

async function extractInto(cacheDir: string, sha: string, job: ExtractJob): Promise<string> {
  const shaDir = path.join(cacheDir, sha);
  const root = rootfsPath(cacheDir, sha);
  if (await isDirectory(root)) return root;

  await fsp.mkdir(shaDir, { recursive: true, mode: 0o700 });
  await removeDeadTemps(shaDir);
  // The pid in the name lets a later run tell a crashed extraction from a live one.
  const tmp = await fsp.mkdtemp(path.join(shaDir, `${TEMP_PREFIX}${process.pid}-`));
  try {
    await extractTarball(job.file, tmp, { format: job.format, field: job.field, shown: job.shown });
    const after = await fsp.stat(job.file, { bigint: true });
    if (fileIdentity(job.file, after) !== fileIdentity(job.file, job.st)) {
      throw new PodrunError(`${job.field}: ${JSON.stringify(job.shown)} changed while it was being read; try again`);
    }
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true });
    // Leave no empty cache entry behind for an archive we refused.
    await fsp.rmdir(shaDir).catch(() => undefined);
    throw err;
  }

  try {
    await fsp.rename(tmp, root);
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    // Another process renamed its copy first: same content, use the winner's.
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await isDirectory(root))) return root;
    throw err;
  }
  return root;
}

async function removeDeadTemps(shaDir: string): Promise<void> {
  let names: string[];
  try {
    names = await fsp.readdir(shaDir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const pid = Number.parseInt(name.slice(TEMP_PREFIX.length), 10);
    if (Number.isInteger(pid) && pid > 0 && !pidAlive(pid)) {
      await fsp.rm(path.join(shaDir, name), { recursive: true, force: true });
    }
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

// ---- identity index ------------------------------------------------------------

/** What must be unchanged for a file to still have the recorded hash. ctime cannot be forged by touch. */
function fileIdentity(file: string, st: BigIntStats): string {
  return JSON.stringify([file, st.dev.toString(), st.ino.toString(), st.size.toString(), st.mtimeNs.toString(), st.ctimeNs.toString()]);
}

function indexFile(cacheDir: string, identity: string): string {
  const key = createHash('sha256').update(identity).digest('hex');
  return path.join(cacheDir, 'index', `${key}.json`);
}

async function readIndex(cacheDir: string, identity: string): Promise<string | undefined> {
  try {
    const rec = JSON.parse(await fsp.readFile(indexFile(cacheDir, identity), 'utf8')) as { identity?: unknown; sha256?: unknown };
    if (rec.identity === identity && typeof rec.sha256 === 'string' && /^[0-9a-f]{64}$/.test(rec.sha256)) {
      return rec.sha256;
    }
  } catch {
    // Missing or torn: a miss, we rehash.
  }
  return undefined;
}

async function writeIndex(cacheDir: string, identity: string, sha: string): Promise<void> {
  const target = indexFile(cacheDir, identity);
  await fsp.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  // Atomic replace so a concurrent reader never sees half a record; no fsync,
  // the index is only a hint (a lost record costs one rehash).
  const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await fsp.writeFile(tmp, JSON.stringify({ identity, sha256: sha }) + '\n', { mode: 0o600 });
  await fsp.rename(tmp, target);
}
