// Reads one container instance's log in write order: its rotated files oldest
// first, then the current file, and on later calls what was written since,
// across rotations, without losing or repeating a byte.
//
// The file being read is held open, so a rotation (rename) or a deletion of
// old rotations cannot take it away mid-read. The writer renames a file only
// after its last write to it, so once the current path names another file, what
// is left in ours is final. Rotated files are named in write order (rotation.ts),
// which tells which ones come after ours.
import * as fs from 'node:fs';
import { compareRotated, rotatedFiles, type RotatedFile } from './rotation.js';

const CHUNK = 256 * 1024;

function inodeOf(p: string): number | undefined {
  try {
    return fs.statSync(p).ino;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function openIfExists(p: string): number | undefined {
  try {
    return fs.openSync(p, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export class LogCursor {
  private fd = -1;
  private ino = 0;
  private offset = 0;
  /** The newest rotated file read to its end; every rotated file after it is still to read. */
  private after: RotatedFile | undefined;

  /** `file` is the instance's current log path, `ROOT/pods/P/logs/C/N.log`. */
  constructor(readonly file: string) {}

  /** Passes everything not read yet to `sink`, in order, in chunks; returns the byte count. */
  read(sink: (chunk: Buffer) => void): number {
    let total = 0;
    const emit = (b: Buffer) => {
      total += b.length;
      sink(b);
    };
    for (;;) {
      if (this.fd >= 0) {
        this.drain(emit);
        if (inodeOf(this.file) === this.ino) return total; // still the current file
        // Rotated away (or deleted): the writer is done with it.
        this.drain(emit);
        this.finishHeld();
      }
      const next = this.nextRotated();
      if (next) {
        const fd = openIfExists(next.path);
        // Gone: pruned before we got to it (we fell maxFiles rotations behind).
        if (fd !== undefined) {
          try {
            drainFd(fd, 0, emit);
          } finally {
            fs.closeSync(fd);
          }
        }
        this.after = next;
        continue;
      }
      const fd = openIfExists(this.file);
      if (fd === undefined) return total; // not created yet, or between a rename and the reopen
      if (this.nextRotated()) {
        // A rotation came between the listing and the open: read the rotated file first.
        fs.closeSync(fd);
        continue;
      }
      this.fd = fd;
      this.ino = fs.fstatSync(fd).ino;
      this.offset = 0;
    }
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  private nextRotated(): RotatedFile | undefined {
    const after = this.after;
    return rotatedFiles(this.file).find((r) => !after || compareRotated(r, after) > 0);
  }

  /** The held file was rotated: remember its rotated name, so the reading resumes after it. */
  private finishHeld(): void {
    const mine = rotatedFiles(this.file).find((r) => inodeOf(r.path) === this.ino);
    // Not found: already pruned, so older than every rotated file left, all of which come next.
    if (mine) this.after = mine;
    this.close();
  }

  private drain(emit: (b: Buffer) => void): void {
    this.offset = drainFd(this.fd, this.offset, emit);
  }
}

// One scratch buffer: an idle poll allocates nothing; data is copied out once.
const scratch = Buffer.alloc(CHUNK);

/** Reads `fd` from `offset` to its current end; returns the new offset. */
function drainFd(fd: number, offset: number, emit: (b: Buffer) => void): number {
  for (;;) {
    const n = fs.readSync(fd, scratch, 0, CHUNK, offset);
    if (n === 0) return offset;
    offset += n;
    emit(Buffer.from(scratch.subarray(0, n)));
  }
}
