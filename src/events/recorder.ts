// The writer of a pod's events file (the supervisor records, `podrun events` reads).
//
// - Each event is one line appended with one write() on an O_APPEND fd, so a reader
//   never sees two events interleaved and a line is either whole or (after a crash
//   mid-write) torn and skipped.
// - seq grows by one per event per pod. The recorder keeps the last seq in memory
//   and re-reads the file whenever it is not what the recorder last left there
//   (first use, supervisor restart, pod re-created under the same name).
// - Bounded: past maxEvents lines or maxBytes the file is rewritten atomically with
//   the newest events only (3/4 of either limit, so a crash-looping pod costs one
//   rewrite per ~250 events, not one per event). Readers resume by seq.
// - Every occurrence is its own line (followable, lines never change); `count` says
//   how many times this pod has recorded the same type+reason+container+message.
// - Recording never throws: an event is not worth failing a lifecycle step for. When
//   the pod directory is gone (removed) the event is dropped, and the directory is
//   not re-created.
import { basename, dirname } from 'node:path';
import { closeSync, fstatSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { writeFileAtomic } from '../state/atomic.js';
import { fileIdentity } from './identity.js';
import type { PodPaths } from '../state/paths.js';
import { completeLines, eventKey, parseEvents, type EventInput, type PodEvent } from './types.js';

export const MAX_EVENTS = 1000;
export const MAX_BYTES = 1024 * 1024;
/** Longer messages are cut (Kubernetes caps an event note at 1 kB): a line stays small. */
export const MAX_MESSAGE = 1024;
/** Distinct keys whose counts are remembered per pod (oldest forgotten first). */
const MAX_KEYS = 256;

export interface RecorderOptions {
  maxEvents?: number;
  maxBytes?: number;
  /** Clock (tests). */
  now?: () => string;
}

/** What the file looked like right after our last write: anything else means re-read it. */
interface Known {
  id: string;
  size: number;
  lines: number;
  endsWithNewline: boolean;
}

export class EventRecorder {
  readonly path: string;
  private readonly pod: string;
  private readonly maxEvents: number;
  private readonly maxBytes: number;
  private readonly now: () => string;
  private known?: Known;
  /** The pod directory lastSeq belongs to (a new directory is a new pod). */
  private dirId?: string;
  private lastSeq = 0;
  private counts = new Map<string, number>();

  constructor(paths: PodPaths, opts: RecorderOptions = {}) {
    this.path = paths.events;
    this.pod = basename(paths.dir);
    this.maxEvents = opts.maxEvents ?? MAX_EVENTS;
    this.maxBytes = opts.maxBytes ?? MAX_BYTES;
    this.now = opts.now ?? (() => new Date().toISOString());
  }

  /** Appends one event; returns it as written, or undefined when it was dropped. */
  record(input: EventInput): PodEvent | undefined {
    let fd: number;
    try {
      fd = openSync(this.path, 'a+', 0o644);
    } catch (err) {
      warn(this.path, err);
      return undefined; // ENOENT: the pod directory is gone
    }
    try {
      const st = fstatSync(fd);
      if (!this.known || fileIdentity(st) !== this.known.id || st.size !== this.known.size) this.recover(fd, st);
      const known = this.known!;
      const message = input.message.length > MAX_MESSAGE ? input.message.slice(0, MAX_MESSAGE - 3) + '...' : input.message;
      const base = { type: input.type, reason: input.reason, container: input.container, message };
      const key = eventKey(base);
      const count = (this.counts.get(key) ?? 0) + 1;
      const ev: PodEvent = {
        seq: this.lastSeq + 1,
        time: this.now(),
        type: input.type,
        reason: input.reason,
        pod: input.pod ?? this.pod,
        ...(input.container !== undefined ? { container: input.container } : {}),
        message,
        count,
      };
      // A torn last line (crash mid-write) must not swallow this event: start a new line.
      const buf = Buffer.from(`${known.endsWithNewline ? '' : '\n'}${JSON.stringify(ev)}\n`);
      const n = writeSync(fd, buf);
      this.lastSeq = ev.seq;
      this.remember(key, count);
      if (n !== buf.length) {
        this.known = undefined; // short write (disk full): re-read before the next one
        return ev;
      }
      known.size += n;
      known.lines += 1;
      known.endsWithNewline = true;
      if (known.lines > this.maxEvents || known.size > this.maxBytes) this.compact(fd, known);
      return ev;
    } catch (err) {
      this.known = undefined;
      warn(this.path, err);
      return undefined;
    } finally {
      closeSync(fd);
    }
  }

  /** Learns seq, line count and repeat counts from the file as it is. */
  private recover(fd: number, st: Stats): void {
    const buf = readAll(fd, st.size);
    const events = parseEvents(buf);
    const dirId = fileIdentity(statSync(dirname(this.path)));
    const fileSeq = events.length ? events[events.length - 1].seq : 0;
    // Same pod directory (the file was edited or removed by hand): seq must still only grow.
    // A new directory is a new pod of the same name: it starts again at 1.
    const samePod = this.dirId === dirId;
    this.dirId = dirId;
    this.lastSeq = samePod ? Math.max(this.lastSeq, fileSeq) : fileSeq;
    if (!samePod) this.counts.clear();
    for (const ev of events) this.remember(eventKey(ev), Math.max(ev.count ?? 1, this.counts.get(eventKey(ev)) ?? 0));
    this.known = {
      id: fileIdentity(st),
      size: st.size,
      lines: completeLines(buf).lines.length,
      endsWithNewline: st.size === 0 || buf[buf.length - 1] === 0x0a,
    };
  }

  /** Rewrites the file with the newest lines only; readers see the old or the new file, whole. */
  private compact(fd: number, known: Known): void {
    const lines = completeLines(readAll(fd, known.size)).lines;
    const keepLines = Math.floor((this.maxEvents * 3) / 4);
    const keepBytes = Math.floor((this.maxBytes * 3) / 4);
    let bytes = 0;
    let i = lines.length;
    while (i > 0 && lines.length - i < keepLines && bytes + Buffer.byteLength(lines[i - 1]) + 1 <= keepBytes) {
      i -= 1;
      bytes += Buffer.byteLength(lines[i]) + 1;
    }
    const kept = lines.slice(i);
    writeFileAtomic(this.path, kept.length ? kept.join('\n') + '\n' : '');
    const st = statSync(this.path);
    this.known = { ...known, id: fileIdentity(st), size: st.size, lines: kept.length, endsWithNewline: true };
  }

  private remember(key: string, count: number): void {
    this.counts.delete(key); // re-insert: Map order is then least recently used first
    this.counts.set(key, count);
    if (this.counts.size > MAX_KEYS) this.counts.delete(this.counts.keys().next().value!);
  }
}

function readAll(fd: number, size: number): Buffer {
  const buf = Buffer.alloc(size);
  let off = 0;
  while (off < size) {
    const n = readSync(fd, buf, off, size - off, off);
    if (n === 0) break;
    off += n;
  }
  return buf.subarray(0, off);
}

function warn(path: string, err: unknown): void {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // the pod was removed meanwhile
  process.stderr.write(`podrun: events ${path}: ${(err as Error).message}\n`);
}

// One recorder per events file, shared by every caller in the process, so seq and
// counts stay consistent whoever records. Bounded: an evicted recorder is rebuilt
// from its file on next use (that is what recovery is for).
const MAX_RECORDERS = 512;
const recorders = new Map<string, EventRecorder>();

/** Records an event for the pod at `paths`; the supervisor's entry point. Never throws. */
export function recordEvent(paths: PodPaths, ev: EventInput): PodEvent | undefined {
  const path = paths.events;
  let r = recorders.get(path);
  if (r) recorders.delete(path);
  else r = new EventRecorder(paths);
  recorders.set(path, r);
  if (recorders.size > MAX_RECORDERS) recorders.delete(recorders.keys().next().value!);
  return r.record(ev);
}
