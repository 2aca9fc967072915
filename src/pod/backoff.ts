// CrashLoopBackOff as the kubelet computes it (client-go flowcontrol.Backoff, keyed per
// container): the first exit restarts at once and arms the entry at the initial delay;
// each later exit waits `delay` after finishedAt, then doubles it up to the cap; an entry
// untouched for 2 x cap is expired and the next crash counts as the first again.
// The state lives in the container record so that a new supervisor resumes it.
import type { BackoffEntry } from '../state/records.js';
import { InvalidInputError } from '../util/errors.js';

export interface BackoffSettings {
  initialMs: number; // kubelet: 10 s
  maxMs: number; // kubelet: 300 s
}

export const KUBELET_BACKOFF: BackoffSettings = { initialMs: 10_000, maxMs: 300_000 };

function expired(entry: BackoffEntry, at: number, s: BackoffSettings): boolean {
  return at - entry.lastUpdate > 2 * s.maxMs;
}

/** The time a restart may happen for a container that finished at `finishedAt` (epoch ms). */
export function restartNotBefore(entry: BackoffEntry | undefined, finishedAt: number, s: BackoffSettings): number {
  if (!entry || expired(entry, finishedAt, s)) return finishedAt;
  return finishedAt + entry.delayMs;
}

/** The entry after a restart at `now`. */
export function advance(entry: BackoffEntry | undefined, now: number, s: BackoffSettings): BackoffEntry {
  if (!entry || expired(entry, now, s)) return { delayMs: s.initialMs, lastUpdate: now };
  return { delayMs: Math.min(entry.delayMs * 2, s.maxMs), lastUpdate: now };
}

/** Reads PODRUN_BACKOFF_INITIAL_SECONDS / PODRUN_BACKOFF_MAX_SECONDS (like the kubelet's gated knobs). */
export function backoffFromEnv(env: NodeJS.ProcessEnv): BackoffSettings {
  const num = (name: string, dfltMs: number): number => {
    const v = env[name];
    if (v === undefined || v === '') return dfltMs;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidInputError(name, `"${v}": must be a positive number of seconds`);
    return Math.round(n * 1000);
  };
  const maxMs = num('PODRUN_BACKOFF_MAX_SECONDS', KUBELET_BACKOFF.maxMs);
  // As with the kubelet's maxContainerRestartPeriod: the initial delay never exceeds the cap.
  const initialMs = Math.min(num('PODRUN_BACKOFF_INITIAL_SECONDS', KUBELET_BACKOFF.initialMs), maxMs);
  return { initialMs, maxMs };
}
