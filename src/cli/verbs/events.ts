// events: a pod's events (or every pod's), read from the files; -f follows them.
//
// Text lines, one per event, fields separated by at least 3 spaces (only MESSAGE,
// the last field, may contain spaces):
//   TIME                       TYPE      REASON                OBJECT                     MESSAGE
//   2025-06-01T10:00:00.123Z   Warning   BackOff               pod/web/server             Back-off restarting failed container server (x3)
// TIME is the recorded RFC 3339 time (UTC, ms); OBJECT is pod/NAME or pod/NAME/CONTAINER;
// "(xN)" ends the message of the Nth occurrence of the same event. Columns have fixed
// minimum widths (not fitted to the data) so that followed lines line up with earlier ones.
import { existsSync } from 'node:fs';
import { followEvents, readEvents } from '../../events/reader.js';
import type { PodEvent } from '../../events/types.js';
import type { StatePaths } from '../../state/paths.js';
import { dns1123SubdomainError } from '../../model/names.js';
import { InvalidInputError, NotFoundError } from '../../util/errors.js';

export interface EventsOptions {
  follow: boolean;
  output?: string;
}

const WIDTHS = [24, 7, 19, 24];
const SEP = '   ';

function row(cols: string[]): string {
  return cols.map((c, i) => (i < WIDTHS.length ? c.padEnd(WIDTHS[i]) : c)).join(SEP) + '\n';
}

export const EVENTS_HEADER = row(['TIME', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);

/** One event as a text line (newline included). */
export function eventLine(ev: PodEvent): string {
  const object = ev.container !== undefined ? `pod/${ev.pod}/${ev.container}` : `pod/${ev.pod}`;
  // A message is one field of one line: its own line breaks become spaces.
  const message = ev.message.trim().replace(/\s*[\r\n]+\s*/g, ' ') + (ev.count > 1 ? ` (x${ev.count})` : '');
  return row([ev.time, ev.type, ev.reason, object, message]);
}

export async function events(state: StatePaths, pod: string | undefined, o: EventsOptions): Promise<void> {
  if (o.output !== undefined && o.output !== 'json') throw new InvalidInputError('--output', `"${o.output}": must be json`);
  // An invalid name cannot be a pod (and must not walk out of the pods directory).
  if (pod !== undefined && (dns1123SubdomainError(pod) !== null || !existsSync(state.pod(pod).dir))) {
    throw new NotFoundError(`pod "${pod}" not found`);
  }
  // `podrun events -f | head` closes the pipe: that is the reader's way to say stop.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  let header = o.output !== 'json';
  const print = (evs: PodEvent[]) => {
    // JSON lines: re-serialised compactly, same fields and order as the file.
    let text = evs.map((ev) => (o.output === 'json' ? JSON.stringify(ev) + '\n' : eventLine(ev))).join('');
    if (header && text) {
      text = EVENTS_HEADER + text;
      header = false;
    }
    if (text) process.stdout.write(text);
  };
  if (!o.follow) return print(readEvents(state, pod));
  // Until the pod is removed; with no POD, until interrupted (SIGINT's default exit).
  await followEvents(state, pod, print);
}
