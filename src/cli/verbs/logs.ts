// logs: print a container instance's log, its rotated files then the current one.
// -f follows it across rotations and into the container's later instances (restarts),
// until the pod is removed or has finished, or the container has ended for good.
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync, statSync } from 'node:fs';
import { LinePrinter } from '../../logs/line-printer.js';
import { LogCursor } from '../../logs/log-cursor.js';
import { instanceLogExists } from '../../logs/rotation.js';
import { loadPodRecord } from '../../state/records.js';
import { restartWanted } from '../../pod/restart-policy.js';
import { podPhase } from '../../pod/status.js';
import type { PodPaths, StatePaths } from '../../state/paths.js';
import { InvalidInputError, NotFoundError, PodrunError } from '../../util/errors.js';

export interface LogsOptions {
  container?: string;
  follow: boolean;
  tail?: string;
  timestamps: boolean;
  previous: boolean;
}

/** How often -f looks for new output and for the container's state. */
const POLL_MS = 200;

function parseTail(tail: string | undefined): number | undefined {
  if (tail === undefined) return undefined;
  if (!/^-?\d+$/.test(tail)) throw new InvalidInputError('--tail', `"${tail}": must be a whole number`);
  return Number(tail);
}

interface Followed {
  /** The pod was removed (or replaced by another pod of the same name). */
  gone: boolean;
  /** The container's latest instance. */
  restartCount: number;
  /** Nothing more will be written: the pod has finished, or the container was stopped for good. */
  finished: boolean;
}

function followedState(state: StatePaths, pod: string, uid: string | undefined, name: string): Followed {
  let rec;
  try {
    rec = loadPodRecord(state, pod);
  } catch (err) {
    if (err instanceof NotFoundError) return { gone: true, restartCount: 0, finished: true };
    throw err;
  }
  const c = rec.containers.find((x) => x.name === name);
  if (!c || rec.pod.metadata.uid !== uid) return { gone: true, restartCount: 0, finished: true };
  const phase = podPhase(rec);
  const terminated = c.state === 'exited' || c.state === 'unknown';
  return {
    gone: false,
    restartCount: c.restartCount,
    // Finished for good: stopped, or ended and not to be restarted by its policy (the
    // contract's "-f on a finished container exits"); a restart is followed instead.
    finished: phase === 'Succeeded' || phase === 'Failed' || (terminated && (!!c.stopped || (!c.waiting && !restartWanted(rec, c)))),
  };
}

/** Re-read the record at least this often, even when its stat looks unchanged. */
const RECORD_MAX_AGE_MS = 1000;

/**
 * followedState, parsed again only when the record looks replaced (the supervisor writes it
 * by atomic rename: new inode, size or mtime), so an idle poll mostly costs one stat. A
 * freed inode number can come back with the same coarse mtime and size, hence the max age.
 */
function recordWatcher(state: StatePaths, pod: string, uid: string | undefined, name: string): () => Followed {
  const file = state.pod(pod).record;
  let seen: { key: string; at: number; value: Followed } | undefined;
  return () => {
    const st = statSync(file, { bigint: true, throwIfNoEntry: false });
    const key = st ? `${st.ino}:${st.size}:${st.mtimeNs}` : '';
    const at = Date.now();
    if (seen && key === seen.key && at - seen.at < RECORD_MAX_AGE_MS) return seen.value;
    const value = followedState(state, pod, uid, name);
    seen = { key, at, value };
    return value;
  };
}

/**
 * The instance to follow after `cur`: the next one that has a log, as soon as its file
 * appears or the record counts it. An instance that failed to start has no log and is skipped.
 */
function nextInstance(paths: PodPaths, name: string, cur: number, restartCount: number): number | undefined {
  if (restartCount <= cur) return existsSync(paths.containerLog(name, cur + 1)) ? cur + 1 : undefined;
  for (let k = cur + 1; k < restartCount; k++) if (instanceLogExists(paths.containerLog(name, k))) return k;
  return restartCount;
}

export async function logs(state: StatePaths, pod: string, o: LogsOptions): Promise<void> {
  const tail = parseTail(o.tail);
  const rec = loadPodRecord(state, pod);
  const name = o.container ?? rec.pod.spec.containers[0].name;
  const c = rec.containers.find((x) => x.name === name);
  if (!c) throw new NotFoundError(`pod "${pod}": container "${name}" not found`);
  let instance = c.restartCount;
  if (o.previous) {
    if (instance === 0) throw new PodrunError(`pod "${pod}": container "${name}" has no previous instance`);
    instance -= 1;
  }
  const paths = state.pod(pod);
  // A reader that went away (`| head`, EPIPE) ends the output quietly. The listener stays:
  // the error comes after the last synchronous write, and this verb is the process's last act.
  let closed = false;
  process.stdout.on('error', () => (closed = true));
  const out = new LinePrinter((s) => closed || process.stdout.write(s), { timestamps: o.timestamps, tail });
  let cursor = new LogCursor(paths.containerLog(name, instance));
  try {
    cursor.read(out.push);
    if (!o.follow || o.previous) return out.end();
    out.live();
    const status = recordWatcher(state, pod, rec.pod.metadata.uid, name);
    while (!closed) {
      await sleep(POLL_MS);
      cursor.read(out.push);
      const now = status();
      const next = now.gone ? undefined : nextInstance(paths, name, instance, now.restartCount);
      if (next !== undefined) {
        // A new instance starts only after the old one's log is closed: read its end, then move on.
        cursor.read(out.push);
        cursor.close();
        out.endInstance();
        instance = next;
        cursor = new LogCursor(paths.containerLog(name, instance));
      } else if (now.finished) {
        // The record says finished only once the logs are written: this read is the last.
        cursor.read(out.push);
        return out.end();
      }
    }
  } finally {
    cursor.close();
  }
}
