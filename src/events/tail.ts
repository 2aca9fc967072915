// Following a file that grows by appends and is sometimes replaced whole (rename of a
// rewritten copy, as the events cap does; log rotation would be the same shape).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { fileIdentity } from './identity.js';
import { completeLines } from './types.js';

export class FileTail {
  private id = '';
  private offset = 0;
  private rest: Buffer = Buffer.alloc(0);

  constructor(readonly path: string) {}

  /**
   * The complete lines added since the last call. When the file was replaced or
   * truncated it is read again from its start, so lines may come again: callers
   * dedupe (events by seq). A missing file gives no lines, and no error.
   */
  read(): string[] {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw err;
    }
    try {
      const st = fstatSync(fd);
      const id = fileIdentity(st);
      if (id !== this.id || st.size < this.offset) {
        this.id = id;
        this.offset = 0;
        this.rest = Buffer.alloc(0);
      }
      if (st.size === this.offset) return [];
      const chunk = Buffer.alloc(st.size - this.offset);
      const n = readSync(fd, chunk, 0, chunk.length, this.offset);
      this.offset += n;
      const buf = this.rest.length ? Buffer.concat([this.rest, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      const { lines, used } = completeLines(buf);
      this.rest = Buffer.from(buf.subarray(used));
      return lines;
    } finally {
      closeSync(fd);
    }
  }
}
