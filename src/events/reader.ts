// Reading pod events: one pod or all pods, once or following. Needs no supervisor:
// it reads the files under ROOT/pods directly.
import { setTimeout as sleep } from 'node:timers/promises';
import { readdirSync, statSync } from 'node:fs';
import type { StatePaths } from '../state/paths.js';
import { fileIdentity } from './identity.js';
import { FileTail } from './tail.js';
import { parseEventLine, type PodEvent } from './types.js';

/** Polling period of follow: well under a human's notice, cheap (a stat per pod). */
export const FOLLOW_INTERVAL_MS = 200;

interface Cursor {
  dirId: string;
  tail: FileTail;
  /** The highest seq handed out: a rewritten file is read again from its start. */
  lastSeq: number;
}

/**
 * Hands out each event of one pod (or of every pod) once, in order. Every poll()
 * returns what is new since the last one: the first returns the whole history.
 */
export class EventFollower {
  private cursors = new Map<string, Cursor>();
  private ended = false;

  /** `pod` undefined: all pods, including those that appear later. */
  constructor(
    private readonly state: StatePaths,
    private readonly pod?: string,
  ) {}

  /** Single-pod mode only: the pod's directory has gone (removed), or was replaced by a new pod's. */
  get done(): boolean {
    return this.ended;
  }

  poll(): PodEvent[] {
    if (this.ended) return [];
    const names = this.pod !== undefined ? [this.pod] : listPods(this.state);
    for (const gone of [...this.cursors.keys()].filter((n) => !names.includes(n))) this.cursors.delete(gone);
    const batches: PodEvent[][] = [];
    for (const name of names) {
      const cur = this.cursor(name);
      if (!cur) continue;
      const fresh: PodEvent[] = [];
      for (const line of cur.tail.read()) {
        const ev = parseEventLine(line);
        if (ev && ev.seq > cur.lastSeq) {
          fresh.push(ev);
          cur.lastSeq = ev.seq;
        }
      }
      if (fresh.length) batches.push(fresh);
    }
    return mergeByTime(batches);
  }

  /** The pod's cursor; another directory under the same name is a new pod. */
  private cursor(name: string): Cursor | undefined {
    const paths = this.state.pod(name);
    let dirId = '';
    try {
      dirId = fileIdentity(statSync(paths.dir));
    } catch {
      /* gone */
    }
    let cur = this.cursors.get(name);
    if (cur && cur.dirId !== dirId) {
      this.cursors.delete(name);
      cur = undefined;
      if (this.pod !== undefined) this.ended = true;
    }
    if (!dirId && this.pod !== undefined) this.ended = true;
    if (!dirId || this.ended) return undefined;
    if (!cur) {
      cur = { dirId, tail: new FileTail(paths.events), lastSeq: 0 };
      this.cursors.set(name, cur);
    }
    return cur;
  }
}

function listPods(state: StatePaths): string[] {
  try {
    return readdirSync(state.podsDir).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Merges per-pod event lists (each in seq order) by time; ties keep the order of the
 * lists. A pod's own order is kept even if its clock stepped back: each event sorts
 * at the latest time its pod had reached.
 */
export function mergeByTime(lists: PodEvent[][]): PodEvent[] {
  const keyed: { t: string; i: number; j: number; ev: PodEvent }[] = [];
  lists.forEach((list, i) => {
    let t = '';
    list.forEach((ev, j) => {
      if (ev.time > t) t = ev.time;
      keyed.push({ t, i, j, ev });
    });
  });
  keyed.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.i - b.i || a.j - b.j));
  return keyed.map((k) => k.ev);
}

/** Every event recorded so far: of `pod`, or of all pods merged by time. */
export function readEvents(state: StatePaths, pod?: string): PodEvent[] {
  return new EventFollower(state, pod).poll();
}

/**
 * Calls `onEvents` with the history, then with each batch of new events, until the pod
 * is removed (single pod) or `signal` aborts.
 */
export async function followEvents(
  state: StatePaths,
  pod: string | undefined,
  onEvents: (evs: PodEvent[]) => void,
  opts: { signal?: AbortSignal; intervalMs?: number } = {},
): Promise<void> {
  const f = new EventFollower(state, pod);
  while (!opts.signal?.aborted) {
    const evs = f.poll();
    if (evs.length) onEvents(evs);
    if (f.done) return;
    await sleep(opts.intervalMs ?? FOLLOW_INTERVAL_MS);
  }
}
