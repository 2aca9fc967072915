// A streaming tar reader that hands each entry, with everything a layer needs, to a sink:
// ustar/GNU/pax headers, GNU long names, pax records (path, linkpath, size, uid, gid,
// sub-second times) and the extended attributes pax carries (SCHILY.xattr.*, as GNU tar,
// Go's archive/tar and Docker write them; LIBARCHIVE.xattr.*, base64). node-tar drops
// the xattrs (file capabilities) and cannot make device nodes, hence this reader.
// It is push-style and synchronous: write(chunk) parses what it can, so the caller's
// stream gives the back-pressure. Anything malformed throws TarError naming the entry.

export type EntryType = 'File' | 'Link' | 'SymbolicLink' | 'CharacterDevice' | 'BlockDevice' | 'Directory' | 'FIFO';

export interface TarEntry {
  path: string;
  type: EntryType;
  /** Permission bits with setuid/setgid/sticky (07777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch, with the fraction pax gives. */
  mtime: number;
  atime?: number;
  linkpath: string;
  devmajor: number;
  devminor: number;
  xattrs: Map<string, Buffer>;
}

export interface TarSink {
  entry(e: TarEntry): void;
  /** A piece of the current entry's content (File only). */
  data(chunk: Buffer): void;
  /** The current entry's content is complete. */
  endEntry(): void;
}

export class TarError extends Error {}

const BLOCK = 512;
const TYPES: Record<string, EntryType> = {
  '0': 'File',
  '\0': 'File',
  '7': 'File',
  '1': 'Link',
  '2': 'SymbolicLink',
  '3': 'CharacterDevice',
  '4': 'BlockDevice',
  '5': 'Directory',
  '6': 'FIFO',
};
/** A pax or GNU long-name size that no sane archive needs; bounds the memory a header takes. */
const MAX_META = 1 << 20;

function cString(b: Buffer, off: number, len: number): string {
  const end = b.indexOf(0, off);
  return b.toString('utf8', off, end < 0 || end > off + len ? off + len : end);
}

/** Octal, or GNU base-256 when the high bit of the first byte is set. */
function num(b: Buffer, off: number, len: number, what: string): number {
  if (b[off]! & 0x80) {
    let v = b[off]! & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + b[off + i]!;
    if (!Number.isSafeInteger(v)) throw new TarError(`${what} is out of range`);
    return v;
  }
  const s = b.toString('latin1', off, off + len).replace(/[\0 ]+$/g, '').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarError(`${what} is not an octal number (${JSON.stringify(s)})`);
  return parseInt(s, 8);
}

function checksumOk(b: Buffer): boolean {
  const stored = num(b, 148, 8, 'checksum');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : b[i]!;
  return stored === sum;
}

function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

/** Pax records `LEN key=value\n`, split by their byte lengths (values may hold newlines). */
function parsePax(buf: Buffer, into: Map<string, Buffer>): void {
  let off = 0;
  while (off < buf.length) {
    const sp = buf.indexOf(0x20, off);
    if (sp < 0) throw new TarError('malformed pax header');
    const len = Number(buf.toString('latin1', off, sp));
    if (!Number.isSafeInteger(len) || len <= sp - off || off + len > buf.length || buf[off + len - 1] !== 0x0a) {
      throw new TarError('malformed pax record');
    }
    const rec = buf.subarray(sp + 1, off + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq < 0) throw new TarError('malformed pax record');
    into.set(rec.toString('utf8', 0, eq), Buffer.from(rec.subarray(eq + 1)));
    off += len;
  }
}

type State = 'header' | 'body' | 'meta' | 'padding' | 'end';
/** `current` while the body of a non-file entry is read past. */
const SKIPPED = '\0skipped';

export class TarReader {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private state: State = 'header';
  private remain = 0;
  private pad = 0;
  private metaKind = '';
  private metaBufs: Buffer[] = [];
  private pax = new Map<string, Buffer>();
  private globalPax = new Map<string, Buffer>();
  private longName?: string;
  private longLink?: string;
  private current = '';

  constructor(private readonly sink: TarSink) {}

  write(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.state === 'end') return; // trailing blocks after the end marker
      if (this.state === 'body' || this.state === 'meta') {
        const n = Math.min(this.remain, chunk.length - off);
        const piece = chunk.subarray(off, off + n);
        if (this.state === 'body') {
          if (this.current !== SKIPPED) this.sink.data(piece);
        } else this.metaBufs.push(Buffer.from(piece));
        off += n;
        this.remain -= n;
        if (this.remain === 0) this.finishContent();
        continue;
      }
      if (this.state === 'padding') {
        const n = Math.min(this.pad, chunk.length - off);
        off += n;
        this.pad -= n;
        if (this.pad === 0) this.state = 'header';
        continue;
      }
      // header: gather 512 bytes
      const need = BLOCK - this.pendingLen;
      const n = Math.min(need, chunk.length - off);
      this.pending.push(chunk.subarray(off, off + n));
      this.pendingLen += n;
      off += n;
      if (this.pendingLen === BLOCK) {
        const block = Buffer.concat(this.pending);
        this.pending = [];
        this.pendingLen = 0;
        this.header(block);
      }
    }
  }

  /**
   * The stream ended: at the end-of-archive marker, or between entries (umoci writes
   * layers without the marker, and GNU tar reads them). Inside an entry it is truncated.
   */
  end(): void {
    const betweenEntries = this.state === 'header' && this.pendingLen === 0 && !this.metaKind && !this.pax.size && this.longName === undefined && this.longLink === undefined;
    if (this.state !== 'end' && !betweenEntries) {
      const where = this.current ? ` in or after the entry ${JSON.stringify(this.current)}` : '';
      throw new TarError(`the tar stream is truncated${where}`);
    }
  }

  private header(block: Buffer): void {
    if (isZeroBlock(block)) {
      if (this.metaKind || this.pax.size || this.longName !== undefined) throw new TarError('the archive ends after a header extension');
      this.state = 'end';
      return;
    }
    if (!checksumOk(block)) {
      throw new TarError(`corrupt tar header (bad checksum)${this.current ? ` after the entry ${JSON.stringify(this.current)}` : ''}`);
    }
    const flag = String.fromCharCode(block[156]!);
    const size = num(block, 124, 12, 'size');
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (size > MAX_META) throw new TarError(`a tar header extension of ${size} bytes is too large`);
      this.metaKind = flag;
      this.metaBufs = [];
      this.remain = size;
      this.pad = (BLOCK - (size % BLOCK)) % BLOCK;
      this.state = 'meta';
      if (size === 0) this.finishContent();
      return;
    }
    const ustar = block.toString('latin1', 257, 263) === 'ustar\0';
    let name = cString(block, 0, 100);
    if (ustar) {
      const prefix = cString(block, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    const pax = new Map([...this.globalPax, ...this.pax]);
    const text = (k: string) => pax.get(k)?.toString('utf8');
    const path = text('path') ?? this.longName ?? name;
    const type = TYPES[flag];
    this.current = path;
    if (type === undefined) throw new TarError(`the entry ${JSON.stringify(path)} has an unsupported type ${JSON.stringify(flag)}`);
    if ([...pax.keys()].some((k) => k.startsWith('GNU.sparse'))) throw new TarError(`the entry ${JSON.stringify(path)} is a sparse file (not supported)`);
    const paxNum = (k: string, dflt: number) => {
      const v = text(k);
      if (v === undefined) return dflt;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new TarError(`the entry ${JSON.stringify(path)} has a bad pax ${k} ${JSON.stringify(v)}`);
      return n;
    };
    const xattrs = new Map<string, Buffer>();
    for (const [k, v] of pax) {
      if (k.startsWith('SCHILY.xattr.')) xattrs.set(k.slice('SCHILY.xattr.'.length), v);
      else if (k.startsWith('LIBARCHIVE.xattr.')) xattrs.set(decodeURIComponent(k.slice('LIBARCHIVE.xattr.'.length)), Buffer.from(v.toString(), 'base64'));
    }
    const entrySize = paxNum('size', size);
    if (!Number.isSafeInteger(entrySize)) throw new TarError(`the entry ${JSON.stringify(path)} has a bad size`);
    const entry: TarEntry = {
      path,
      type,
      mode: num(block, 100, 8, 'mode') & 0o7777,
      uid: paxNum('uid', num(block, 108, 8, 'uid')),
      gid: paxNum('gid', num(block, 116, 8, 'gid')),
      size: type === 'File' ? entrySize : 0,
      mtime: paxNum('mtime', num(block, 136, 12, 'mtime')),
      ...(pax.has('atime') ? { atime: paxNum('atime', 0) } : {}),
      linkpath: text('linkpath') ?? this.longLink ?? cString(block, 157, 100),
      devmajor: ustar || block.toString('latin1', 257, 262) === 'ustar' ? num(block, 329, 8, 'devmajor') : 0,
      devminor: ustar || block.toString('latin1', 257, 262) === 'ustar' ? num(block, 337, 8, 'devminor') : 0,
      xattrs,
    };
    this.pax = new Map();
    this.longName = undefined;
    this.longLink = undefined;
    this.sink.entry(entry);
    // Only regular files carry content; any bytes another type declares are skipped.
    if (type !== 'File' && entrySize > 0) this.current = SKIPPED;
    this.remain = entrySize;
    this.pad = (BLOCK - (entrySize % BLOCK)) % BLOCK;
    if (entrySize === 0) {
      this.sink.endEntry();
      this.state = 'header';
    } else {
      this.state = 'body';
    }
  }

  private finishContent(): void {
    if (this.state === 'body') {
      if (this.current === SKIPPED) this.current = '';
      else this.sink.endEntry();
    } else {
      const buf = Buffer.concat(this.metaBufs);
      this.metaBufs = [];
      if (this.metaKind === 'x') parsePax(buf, this.pax);
      else if (this.metaKind === 'g') parsePax(buf, this.globalPax);
      else if (this.metaKind === 'L') this.longName = cString(buf, 0, buf.length);
      else this.longLink = cString(buf, 0, buf.length);
      this.metaKind = '';
    }
    this.state = this.pad > 0 ? 'padding' : 'header';
  }
}
