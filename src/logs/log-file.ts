// One container instance's CRI log file: appending records, rotating by size,
// reading it back.
//
// Rotation follows the kubelet (docs/kubernetes-semantics.md §11): before the file would grow
// past `maxSize`, it is renamed to `N.log.<YYYYMMDD-hhmmss>`, a fresh `N.log` is
// opened, and the oldest rotations are deleted so that at most `maxFiles` files
// (the current one included) remain. Rotation happens only between whole records,
// so a reader never sees a record split across two files. Rotated files are not
// gzipped: the limit on disk is maxSize x maxFiles either way, and readers stay simple.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { PodrunError } from '../util/errors.js';
import { CriLineWriter, type CriStream, rfc3339Nano } from './cri-format.js';
import type { LogLimits } from './limits.js';
import { nextRotated, pruneRotated, rotatedFiles } from './rotation.js';

export interface CriLogFileOptions {
  /** Clock for record times (tests). */
  now?: () => string;
  /** Clock for rotated file names (tests). */
  rotationClock?: () => Date;
  maxLineSize?: number;
  /** File mode when created. */
  mode?: number;
  /** Size-based rotation; none when absent (settable later through `limits`). */
  limits?: LogLimits;
  /** Where a failed rotation is reported (writing goes on in the current file). */
  onError?: (err: Error) => void;
}

const NL = 0x0a;

/**
 * Appends CRI records for one container. Synchronous on purpose: each write is
 * one small append, and a record is never interleaved with another.
 */
export class CriLogFile {
  private fd: number;
  /** Bytes in the current file: counted, not stat-ed, on every write. */
  private size = 0;
  private readonly writers: Record<CriStream, CriLineWriter>;
  /** When to rotate; undefined: never. The supervisor's pump sets it when the creator did not. */
  limits: LogLimits | undefined;

  constructor(
    readonly path: string,
    private readonly opts: CriLogFileOptions = {},
  ) {
    const w = { now: opts.now ?? rfc3339Nano, maxLineSize: opts.maxLineSize };
    this.writers = { stdout: new CriLineWriter('stdout', w), stderr: new CriLineWriter('stderr', w) };
    this.limits = opts.limits;
    this.fd = this.open();
  }

  /** Bytes in the current file (what rotation compares with maxSize). */
  get currentSize(): number {
    return this.size;
  }

  private open(): number {
    fs.mkdirSync(path.dirname(this.path), { recursive: true });
    // libuv opens with O_CLOEXEC, so containers spawned later do not inherit it.
    const fd = fs.openSync(this.path, 'a', this.opts.mode ?? 0o640);
    // Once per open: a re-adopting supervisor appends to what its predecessor wrote.
    this.size = fs.fstatSync(fd).size;
    return fd;
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

  /** Appends whole records, rotating between two of them when the next would not fit. */
  private append(buf: Buffer): void {
    if (buf.length === 0) return;
    if (this.fd < 0) throw new PodrunError(`log file ${this.path} is closed`);
    const max = this.limits?.maxSize;
    if (max === undefined || this.size + buf.length <= max) return this.writeAll(buf);
    let off = 0;
    while (off < buf.length) {
      let end = buf.length;
      if (this.size + (end - off) > max) {
        const room = max - this.size;
        // The end of the last whole record that fits (every record ends with a newline).
        const nl = room > 0 ? buf.lastIndexOf(NL, off + room - 1) : -1;
        if (nl >= off) {
          end = nl + 1;
        } else if (this.size > 0) {
          this.rotate();
          continue;
        } else {
          // One record larger than maxSize: alone in its file, never split.
          const first = buf.indexOf(NL, off);
          end = first < 0 ? buf.length : first + 1;
        }
      }
      this.writeAll(buf.subarray(off, end));
      off = end;
    }
  }

  private writeAll(buf: Buffer): void {
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
    this.size += buf.length;
  }

  /** Renames the current file, reopens a fresh one, deletes the oldest rotations. */
  private rotate(): void {
    const limits = this.limits!;
    try {
      const older = rotatedFiles(this.path);
      const next = nextRotated(this.path, older.at(-1), this.opts.rotationClock?.() ?? new Date());
      fs.renameSync(this.path, next.path);
      this.reopen();
      pruneRotated([...older, next], limits.maxFiles - 1);
    } catch (err) {
      // Keep the container's output rather than drop it; try again after another maxSize bytes.
      this.size = 0;
      (this.opts.onError ?? reportToStderr)(new LogRotationError(this.path, err as Error));
    }
  }
}

export class LogRotationError extends Error {
  constructor(
    readonly file: string,
    cause: Error,
  ) {
    super(`rotation of ${file} failed: ${cause.message}`, { cause });
    this.name = 'LogRotationError';
  }
}

function reportToStderr(err: Error): void {
  process.stderr.write(`podrun: ${err.message}\n`);
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
