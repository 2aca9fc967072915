// The pod event, Kubernetes-shaped (core/v1 Event, flattened to one JSON line):
// what the supervisor records in ROOT/pods/POD/events.jsonl and `podrun events` prints.

export type EventType = 'Normal' | 'Warning';

export interface PodEvent {
  /** 1, 2, 3, ... per pod, in the order recorded; a reader's cursor (lines may be rewritten by the cap). */
  seq: number;
  /** RFC 3339 with milliseconds, UTC (`new Date().toISOString()`). */
  time: string;
  type: EventType;
  /** Created, Started, Killing, BackOff, Unhealthy, Completed, Failed, ...: not restricted. */
  reason: string;
  pod: string;
  /** The container the event is about; absent for pod-level events. */
  container?: string;
  message: string;
  /**
   * How many times this pod has recorded this type+reason+container+message so far, this
   * line included (Kubernetes' aggregation count). Every occurrence is still its own line.
   */
  count: number;
}

/** What the supervisor passes; the recorder adds seq, time, count (and pod from the path). */
export interface EventInput {
  type: EventType;
  reason: string;
  message: string;
  container?: string;
  /** Defaults to the name of the pod directory. */
  pod?: string;
}

/** The identity under which repeats are counted. */
export function eventKey(ev: Pick<PodEvent, 'type' | 'reason' | 'container' | 'message'>): string {
  return JSON.stringify([ev.type, ev.reason, ev.container ?? '', ev.message]);
}

/** One line of an events file, or undefined for a torn or foreign line (skipped, never fatal). */
export function parseEventLine(line: string): PodEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const ev = JSON.parse(line) as PodEvent;
    return Number.isSafeInteger(ev.seq) && typeof ev.time === 'string' && typeof ev.reason === 'string' ? ev : undefined;
  } catch {
    return undefined;
  }
}

/** Splits file bytes into complete lines; a last line without its newline is not returned. */
export function completeLines(buf: Buffer): { lines: string[]; used: number } {
  const end = buf.lastIndexOf(0x0a) + 1;
  if (end === 0) return { lines: [], used: 0 };
  return { lines: buf.subarray(0, end - 1).toString('utf8').split('\n'), used: end };
}

/** The events of a file's text, in file (= seq) order. */
export function parseEvents(buf: Buffer): PodEvent[] {
  const out: PodEvent[] = [];
  for (const l of completeLines(buf).lines) {
    const ev = parseEventLine(l);
    if (ev) out.push(ev);
  }
  return out;
}
