// One container's CRI log file: appending records, reading it back.
//
// Rotation is not done here yet. The kubelet's scheme (rename to
// `<file>.<YYYYMMDD-hhmmss>` past 10 MiB, reopen, gzip older ones, keep 5) is a
// later issue; when it comes, `reopen()` is the hook: the writer holds one fd
// opened with O_APPEND, and reopening after a rename starts the new file.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { CriLineWriter, type CriStream, rfc3339Nano } from './cri-format.js';

export interface CriLogFileOptions {
  /** Clock for record times (tests). */
  now?: () => string;
  maxLineSize?: number;
  /** File mode when created. */
  mode?: number;
}

/**
 * Appends CRI records for one container. Synchronous on purpose: each write is
 * one small append, and a record is never interleaved with another.
 */
export class CriLogFile {
  private fd: number;
  private readonly writers: Record<CriStream, CriLineWriter>;

  constructor(
    readonly path: string,
    private readonly opts: CriLogFileOptions = {},
  ) {
    const w = { now: opts.now ?? rfc3339Nano, maxLineSize: opts.maxLineSize };
    this.writers = { stdout: new CriLineWriter('stdout', w), stderr: new CriLineWriter('stderr', w) };
    this.fd = this.open();
  }

  private open(): number {
    fs.mkdirSync(path.dirname(this.path), { recursive: true });
    // libuv opens with O_CLOEXEC, so containers spawned later do not inherit it.
    return fs.openSync(this.path, 'a', this.opts.mode ?? 0o640);
  }

  /** Records the bytes a container wrote on one stream. */
  write(stream: CriStream, chunk: Buffer): void {
    this.append(this.writers[stream].write(chunk));
  }

  /** The stream closed: write what it left without a newline (as P). */
  endStream(stream: CriStream): void {
    this.append(this.writers[stream].flush());
  }

  /** Start writing to a fresh file at the same path (after a rotation renamed it). */
  reopen(): void {
    const old = this.fd;
    this.fd = this.open();
    fs.closeSync(old);
  }

  /** Flushes both streams and closes the file. */
  close(): void {
    if (this.fd < 0) return;
    this.endStream('stdout');
    this.endStream('stderr');
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  private append(buf: Buffer): void {
    if (buf.length === 0) return;
    if (this.fd < 0) throw new Error(`log file ${this.path} is closed`);
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
  }
}

/** The whole text of a log file; '' when it does not exist (the container has not run yet). */
export function readLog(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}
