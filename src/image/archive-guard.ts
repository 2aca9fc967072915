// Path checks for the entries of a root filesystem tarball, applied before any
// entry is written. node-tar's own protections are switched off during
// extraction (they rewrite absolute symlink targets and skip symlinks that
// point through other symlinks, both normal in a rootfs), so this guard is
// what keeps an archive inside its extraction directory.
//
// The extraction directory starts empty, so every symlink on disk came from an
// earlier entry of the same archive: tracking them by path is exact.

export interface GuardEntry {
  /** Entry path as stored in the archive. */
  path: string;
  /** node-tar entry type name ('File', 'Directory', 'SymbolicLink', 'Link', ...). */
  type: string;
  /** Target of a symbolic or hard link. */
  linkpath?: string;
}

export type GuardResult = { ok: true; path: string } | { ok: false; message: string };

/**
 * Normalises an archive path to `a/b/c` ('' is the root). Returns null when it
 * is absolute or has a `..` component.
 */
export function normalizeEntryPath(p: string): string | null {
  if (p.startsWith('/')) return null;
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return null;
    parts.push(part);
  }
  return parts.join('/');
}

/** Proper ancestors of a normalised path, outermost first: `a/b/c` → `a`, `a/b`. */
function ancestors(p: string): string[] {
  const parts = p === '' ? [] : p.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

export class ArchiveGuard {
  /** Paths that are, at this point of the archive, symbolic links. */
  private readonly symlinks = new Set<string>();
  /** Paths that are directories, explicit entries or implied parents. */
  private readonly dirs = new Set<string>();

  /** Checks one entry (in archive order) and records its effect on the tree. */
  check(entry: GuardEntry): GuardResult {
    // "/" alone is the root directory's own entry (umoci writes it): not an escape.
    const raw = /^\/+$/.test(entry.path) ? '.' : entry.path;
    if (raw.startsWith('/')) {
      return { ok: false, message: `archive entry ${JSON.stringify(raw)} has an absolute path` };
    }
    const p = normalizeEntryPath(raw);
    if (p === null) {
      return { ok: false, message: `archive entry ${JSON.stringify(raw)} escapes the root filesystem` };
    }
    const through = this.symlinkOnTheWay(p);
    if (through !== undefined) {
      return {
        ok: false,
        message: `archive entry ${JSON.stringify(raw)} passes through the symbolic link ${JSON.stringify(through)}`,
      };
    }

    if (entry.type === 'Link') {
      // A hard link's target is a path inside the archive; link(2) on the host
      // would happily link a host file into the image.
      const target = normalizeEntryPath(entry.linkpath ?? '');
      if (target === null || target === '') {
        return {
          ok: false,
          message: `archive entry ${JSON.stringify(raw)} is a hard link to ${JSON.stringify(entry.linkpath ?? '')}, outside the root filesystem`,
        };
      }
      const via = this.symlinkOnTheWay(target);
      if (via !== undefined) {
        return {
          ok: false,
          message: `archive entry ${JSON.stringify(raw)} is a hard link through the symbolic link ${JSON.stringify(via)}`,
        };
      }
    }

    if (p === '' && entry.type !== 'Directory') {
      return { ok: false, message: `archive entry ${JSON.stringify(raw)} replaces the root directory with a ${entry.type === 'SymbolicLink' ? 'symbolic link' : 'non-directory'}` };
    }
    if (entry.type === 'SymbolicLink') {
      // Swapping a directory that earlier entries used for a symlink is the
      // classic way to redirect later writes; no sane rootfs tarball does it.
      if (this.dirs.has(p)) {
        return {
          ok: false,
          message: `archive entry ${JSON.stringify(raw)} replaces a directory with a symbolic link`,
        };
      }
    }

    for (const a of ancestors(p)) this.dirs.add(a);
    if (entry.type === 'SymbolicLink') {
      this.symlinks.add(p);
    } else {
      this.symlinks.delete(p);
      if (entry.type === 'Directory' || entry.type === 'GNUDumpDir') this.dirs.add(p);
      else this.dirs.delete(p);
    }
    return { ok: true, path: p };
  }

  private symlinkOnTheWay(p: string): string | undefined {
    return ancestors(p).find((a) => this.symlinks.has(a));
  }
}
