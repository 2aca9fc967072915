// Writes one layer's tar entries into an empty directory, exactly (owners, modes,
// timestamps, xattrs with security.capability, hard links, symlinks, device nodes), and
// in overlayfs' format for stacking: an OCI whiteout `.wh.NAME` becomes a character
// device 0:0 named NAME, and `.wh..wh..opq` becomes the xattr trusted.overlay.opaque=y
// on its directory, as containerd's overlay snapshotter stores layers. Every path goes
// through the ArchiveGuard first, so nothing is written outside the directory; a file is
// always created fresh (O_EXCL|O_NOFOLLOW after removing what was there), so no write
// goes through a link. Synchronous on purpose: it runs per chunk of a stream (the caller
// awaits between chunks), and sync calls cost far less than the thread pool's hops.
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  futimesSync,
  linkSync,
  lchownSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeSync,
  chmodSync,
} from 'node:fs';
import { join } from 'node:path';
import { lsetxattr, mknod } from '../../../native-bindings/libc.js';
import { ArchiveGuard, normalizeEntryPath } from '../archive-guard.js';
import type { TarEntry, TarSink } from './tar-reader.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
export const OVERLAY_OPAQUE_XATTR = 'trusted.overlay.opaque';

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

/** An entry the layer may not contain; the message names it. */
export class LayerEntryError extends Error {}

/**
 * Xattrs an archive may not set: overlayfs' own (a redirect or metacopy from a layer
 * would change how the stack is read) are made by this writer only.
 */
function allowedXattr(name: string): boolean {
  return !name.startsWith('trusted.overlay.');
}

export class LayerWriter implements TarSink {
  private readonly guard = new ArchiveGuard();
  private fd = -1;
  private cur?: { abs: string; e: TarEntry };
  /** Directories with their times, set last (creating children changes them). */
  private readonly dirTimes: { abs: string; atime: number; mtime: number }[] = [];
  /** Whiteouts this layer made, so that an entry of the same path later can replace one. */
  private readonly whiteouts = new Set<string>();
  /**
   * Directories this writer made or checked, so that the next entry under one needs no
   * lstat; emptied whenever anything is removed (a removed directory takes its children).
   */
  private readonly knownDirs = new Set<string>();
  /** Bytes of regular file content written. */
  size = 0;

  constructor(private readonly root: string) {}

  entry(e: TarEntry): void {
    const res = this.guard.check({ path: e.path, type: e.type, linkpath: e.linkpath });
    if (!res.ok) throw new LayerEntryError(res.message);
    const rel = res.path;
    const slash = rel.lastIndexOf('/');
    const dir = slash < 0 ? '' : rel.slice(0, slash);
    const base = rel.slice(slash + 1);
    if (base === OPAQUE_MARKER) {
      const abs = this.ensureDir(dir);
      lsetxattr(abs, OVERLAY_OPAQUE_XATTR, Buffer.from('y'));
      return;
    }
    if (base.startsWith(WHITEOUT_PREFIX)) {
      if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return; // reserved for the runtime, ignored
      const name = base.slice(WHITEOUT_PREFIX.length);
      const target = dir ? `${dir}/${name}` : name;
      const abs = join(this.ensureDir(dir), name);
      // The layer has NAME itself too: that entry already hides the lower one.
      if (lstatSync(abs, { throwIfNoEntry: false })) return;
      // Recorded as what it now is on disk (the directory was checked with the entry).
      const guarded = this.guard.check({ path: target, type: 'CharacterDevice' });
      if (!guarded.ok) throw new LayerEntryError(guarded.message);
      mknod(abs, S_IFCHR, 0, 0);
      this.whiteouts.add(target);
      return;
    }
    const abs = rel === '' ? this.root : join(this.root, rel);
    if (rel !== '') this.ensureDir(dir);
    const wasWhiteout = this.whiteouts.delete(rel);
    switch (e.type) {
      case 'Directory': {
        const st = lstatSync(abs, { throwIfNoEntry: false });
        if (st && !st.isDirectory()) unlinkSync(abs);
        if (!st || !st.isDirectory()) mkdirSync(abs);
        this.knownDirs.add(abs);
        // A directory that replaces a whiteout in the same layer is new: nothing below shows.
        if (wasWhiteout) lsetxattr(abs, OVERLAY_OPAQUE_XATTR, Buffer.from('y'));
        lchownSync(abs, e.uid, e.gid);
        chmodSync(abs, e.mode);
        this.xattrs(abs, e);
        this.dirTimes.push({ abs, atime: e.atime ?? e.mtime, mtime: e.mtime });
        return;
      }
      case 'File':
        this.fd = this.createFile(abs);
        this.cur = { abs, e };
        return;
      case 'SymbolicLink':
        this.clear(abs);
        symlinkSync(e.linkpath, abs);
        break;
      case 'Link': {
        const target = join(this.root, normalizeEntryPath(e.linkpath)!); // the guard checked it
        if (!lstatSync(target, { throwIfNoEntry: false })) {
          throw new LayerEntryError(`archive entry ${JSON.stringify(e.path)} is a hard link to ${JSON.stringify(e.linkpath)}, which is not in this layer`);
        }
        this.clear(abs);
        linkSync(target, abs);
        return; // a hard link shares the target's inode and metadata
      }
      case 'CharacterDevice':
      case 'BlockDevice':
      case 'FIFO': {
        this.clear(abs);
        const kind = e.type === 'CharacterDevice' ? S_IFCHR : e.type === 'BlockDevice' ? S_IFBLK : S_IFIFO;
        mknod(abs, kind | e.mode, e.devmajor, e.devminor);
        break;
      }
    }
    this.finishNode(abs, e);
  }

  data(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) off += writeSync(this.fd, chunk, off);
    this.size += chunk.length;
  }

  endEntry(): void {
    if (!this.cur) return;
    const { abs, e } = this.cur;
    // chown first: it clears set-id bits and file capabilities, which come after it.
    fchownSync(this.fd, e.uid, e.gid);
    fchmodSync(this.fd, e.mode);
    futimesSync(this.fd, e.atime ?? e.mtime, e.mtime);
    closeSync(this.fd);
    this.fd = -1;
    this.cur = undefined;
    this.xattrs(abs, e);
  }

  /** After the last entry: directory times, then the root's. Also closes a file left open by a failure. */
  finish(): void {
    this.close();
    for (let i = this.dirTimes.length - 1; i >= 0; i--) {
      const d = this.dirTimes[i]!;
      lutimesSync(d.abs, d.atime, d.mtime);
    }
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private finishNode(abs: string, e: TarEntry): void {
    lchownSync(abs, e.uid, e.gid);
    if (e.type !== 'SymbolicLink') chmodSync(abs, e.mode);
    this.xattrs(abs, e);
    lutimesSync(abs, e.atime ?? e.mtime, e.mtime);
  }

  private xattrs(abs: string, e: TarEntry): void {
    for (const [name, value] of e.xattrs) {
      if (!allowedXattr(name)) continue;
      try {
        lsetxattr(abs, name, value);
      } catch (err) {
        // user.* xattrs cannot be set on symlinks; the kernel refuses them there for everyone.
        if (!(e.type === 'SymbolicLink' && name.startsWith('user.'))) throw err;
      }
    }
  }

  /**
   * A new file at the path, created exclusively: only when something is there already
   * (another entry of the same path earlier in the layer) is it removed first, so the
   * usual case costs no lstat.
   */
  private createFile(abs: string): number {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    try {
      return openSync(abs, flags, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    this.clear(abs);
    return openSync(abs, flags, 0o600);
  }

  /** Removes whatever the path holds (another entry of the same path earlier in the layer). */
  private clear(abs: string): void {
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (!st) return;
    this.knownDirs.clear();
    if (st.isDirectory()) rmSync(abs, { recursive: true, force: true });
    else unlinkSync(abs);
  }

  /** The entry's parent directory, made (0755 root) when the layer did not list it. */
  private ensureDir(rel: string): string {
    const abs = rel === '' ? this.root : join(this.root, rel);
    if (this.knownDirs.has(abs)) return abs;
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (st && !st.isDirectory()) throw new LayerEntryError(`archive entry ${JSON.stringify(rel)} is used as a directory but is not one`);
    if (!st) mkdirSync(abs, { recursive: true, mode: 0o755 });
    this.knownDirs.add(abs);
    return abs;
  }
}
