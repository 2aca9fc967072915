// The CRI container log format (docs/kubernetes-semantics.md §11), pure functions only:
//
//   <RFC 3339 nano time> <stdout|stderr> <P|F> <content>\n
//
// Writer rules follow containerd: a line longer than MAX_LINE_SIZE is split
// into P records ending with an F record; output left without a newline when
// the stream closes is written as P. The space after the tag is always there.

import { StringDecoder } from 'node:string_decoder';
import { PodrunError } from '../util/errors.js';

export type CriStream = 'stdout' | 'stderr';

/** containerd's default max log line size. */
export const MAX_LINE_SIZE = 16 * 1024;

// ---- time --------------------------------------------------------------------

// Date.now() has millisecond resolution; hrtime has nanoseconds but no epoch.
// Anchor the monotonic clock to the wall clock once: times are then strictly
// ordered within a process (a wall-clock step is not followed, which suits a log).
const ANCHOR_EPOCH_NS = BigInt(Date.now()) * 1_000_000n;
const ANCHOR_HR_NS = process.hrtime.bigint();

/** Formats nanoseconds since the epoch as `2016-10-06T00:17:09.669794202Z` (always 9 digits, UTC). */
export function formatRfc3339Nano(epochNs: bigint): string {
  const secs = epochNs / 1_000_000_000n;
  const frac = epochNs % 1_000_000_000n;
  const base = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  return `${base}.${frac.toString().padStart(9, '0')}Z`;
}

/** The current time in RFC 3339 with fixed nanoseconds, UTC. */
export function rfc3339Nano(): string {
  return formatRfc3339Nano(ANCHOR_EPOCH_NS + (process.hrtime.bigint() - ANCHOR_HR_NS));
}

// ---- writing -----------------------------------------------------------------

export function formatRecord(time: string, stream: CriStream, partial: boolean, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${time} ${stream} ${partial ? 'P' : 'F'} `), content, NEWLINE]);
}

const NEWLINE = Buffer.from('\n');

/**
 * Where to cut a too-long line: at `max` bytes, moved back (at most 3 bytes)
 * so a UTF-8 character is not split across two records, which would make
 * every record undecodable as text. Binary output is cut at exactly `max`.
 */
function cutPoint(buf: Buffer, start: number, max: number): number {
  const end = start + max;
  for (let i = end; i > end - 4 && i > start; i--) {
    if ((buf[i]! & 0xc0) !== 0x80) return i - start; // not a continuation byte: a char starts here
  }
  return max;
}

/**
 * Turns the byte chunks of one stream into CRI records. Bytes without a newline
 * yet are held until the newline, MAX_LINE_SIZE, or flush() (stream end), so
 * chunk boundaries never show in the log.
 */
export class CriLineWriter {
  private pending: Buffer = Buffer.alloc(0);
  private readonly maxLineSize: number;
  private readonly now: () => string;

  constructor(
    readonly stream: CriStream,
    opts: { maxLineSize?: number; now?: () => string } = {},
  ) {
    this.maxLineSize = opts.maxLineSize ?? MAX_LINE_SIZE;
    this.now = opts.now ?? rfc3339Nano;
    if (!(this.maxLineSize >= 4)) throw new PodrunError('maxLineSize must be at least 4 bytes');
  }

  /** CRI records (possibly none) for `chunk`; all stamped with the time it was read. */
  write(chunk: Buffer): Buffer {
    if (chunk.length === 0) return Buffer.alloc(0);
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Buffer[] = [];
    let time: string | undefined;
    const stamp = (): string => (time ??= this.now());
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, start);
      const lineEnd = nl >= 0 ? nl : buf.length;
      if (lineEnd - start > this.maxLineSize) {
        const cut = cutPoint(buf, start, this.maxLineSize);
        out.push(formatRecord(stamp(), this.stream, true, buf.subarray(start, start + cut)));
        start += cut;
      } else if (nl >= 0) {
        out.push(formatRecord(stamp(), this.stream, false, buf.subarray(start, nl)));
        start = nl + 1;
      } else {
        break;
      }
    }
    // Copy, so a large chunk is not kept alive by a short tail.
    this.pending = Buffer.from(buf.subarray(start));
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** At stream end: what remains, without a newline, as a P record. */
  flush(): Buffer {
    if (this.pending.length === 0) return Buffer.alloc(0);
    const rec = formatRecord(this.now(), this.stream, true, this.pending);
    this.pending = Buffer.alloc(0);
    return rec;
  }
}

// ---- reading -----------------------------------------------------------------

export interface CriRecord {
  time: string;
  stream: CriStream;
  partial: boolean;
  content: string;
}

// Fixed 9 digits (CRI-O, podrun) or trimmed (containerd), Z or an offset.
const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Parses one record (without its newline); null for a malformed line. */
export function parseCriLine(line: string): CriRecord | null {
  const s1 = line.indexOf(' ');
  if (s1 < 0) return null;
  const s2 = line.indexOf(' ', s1 + 1);
  if (s2 < 0) return null;
  // kubelet rejects a record without the space after the tags.
  const s3 = line.indexOf(' ', s2 + 1);
  if (s3 < 0) return null;
  const time = line.slice(0, s1);
  const stream = line.slice(s1 + 1, s2);
  const tag = line.slice(s2 + 1, s3).split(':')[0];
  if (!TIME_RE.test(time)) return null;
  if (stream !== 'stdout' && stream !== 'stderr') return null;
  if (tag !== 'P' && tag !== 'F') return null;
  return { time, stream, partial: tag === 'P', content: line.slice(s3 + 1) };
}

/** A line as the container wrote it, rebuilt from its records. */
export interface LogicalLine {
  /** Time of its first record. */
  time: string;
  stream: CriStream;
  /** Without the newline. */
  content: string;
  /** False for output that ended without a newline (trailing P records). */
  complete: boolean;
}

/**
 * Rebuilds logical lines from log text fed in any pieces (for `logs -f`).
 * P fragments are joined per stream, so a long stdout line split around
 * stderr records still comes out whole. Malformed records are skipped.
 */
export class CriLogReader {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';
  private readonly partial = new Map<CriStream, { time: string; parts: string[] }>();

  /** Feeds more file content; returns the logical lines it completed, in order. */
  push(data: string | Buffer): LogicalLine[] {
    const text = this.rest + (typeof data === 'string' ? data : this.decoder.write(data));
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    const out: LogicalLine[] = [];
    for (const line of lines) {
      const rec = parseCriLine(line);
      if (rec) this.addRecord(rec, out);
    }
    return out;
  }

  /** At end of input: an unterminated last record, then lines still open, as incomplete. */
  end(): LogicalLine[] {
    const out: LogicalLine[] = [];
    const tail = this.rest + this.decoder.end();
    this.rest = '';
    const rec = tail ? parseCriLine(tail) : null;
    if (rec) this.addRecord(rec, out);
    for (const [stream, p] of this.partial) {
      out.push({ time: p.time, stream, content: p.parts.join(''), complete: false });
    }
    this.partial.clear();
    return out;
  }

  private addRecord(rec: CriRecord, out: LogicalLine[]): void {
    const open = this.partial.get(rec.stream);
    if (rec.partial) {
      if (open) open.parts.push(rec.content);
      else this.partial.set(rec.stream, { time: rec.time, parts: [rec.content] });
      return;
    }
    this.partial.delete(rec.stream);
    const content = open ? open.parts.join('') + rec.content : rec.content;
    out.push({ time: open ? open.time : rec.time, stream: rec.stream, content, complete: true });
  }
}

/** All logical lines of a whole log file's text. */
export function readLogicalLines(text: string | Buffer): LogicalLine[] {
  const r = new CriLogReader();
  return [...r.push(text), ...r.end()];
}

export interface RenderOptions {
  /** Prefix each logical line with the time of its first record and a space. */
  timestamps?: boolean;
  /** Only the last N logical lines; undefined or negative means all. */
  tail?: number;
}

/** One logical line as `podrun logs` prints it. */
export function renderLine(line: LogicalLine, timestamps = false): string {
  return `${timestamps ? `${line.time} ` : ''}${line.content}${line.complete ? '\n' : ''}`;
}

/** What `podrun logs` prints for a log file's text: both streams, in order. */
export function renderLogs(text: string | Buffer, opts: RenderOptions = {}): string {
  let lines = readLogicalLines(text);
  if (opts.tail !== undefined && opts.tail >= 0) lines = opts.tail === 0 ? [] : lines.slice(-opts.tail);
  return lines.map((l) => renderLine(l, opts.timestamps)).join('');
}
