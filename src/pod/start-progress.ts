// The `start` verb's decisions (pure): which containers it runs again although their
// policy would not, and where a start call stands: waiting, done, or failed (and why).
import type { PodRecord } from '../state/records.js';
import { restartWanted } from './restart-policy.js';
import { isSidecar, isTerminated, podPhase } from './status.js';

/**
 * The containers `start` runs again although their policy would not restart them: what
 * has ended for good (or was stopped), and failed regular init containers.
 */
export function forcedByStart(rec: PodRecord): string[] {
  return rec.containers
    .filter((c) => {
      if (!isTerminated(c)) return false;
      if (c.init && !isSidecar(rec, c)) return c.exitCode !== 0;
      return c.stopped || !restartWanted(rec, c);
    })
    .map((c) => c.name);
}

export type StartProgress = 'waiting' | 'done' | { failed: string };

/**
 * A start that began at `since` (epoch ms) is done once the pod succeeded or every app
 * container not stopped runs, ran during the call, or is in the restart policy's hands
 * (backing off: `start` of a crash-looping pod does not wait out the back-off).
 */
export function startProgress(rec: PodRecord, since: number): StartProgress {
  const phase = podPhase(rec);
  if (phase === 'Succeeded') return 'done';
  if (phase === 'Failed') return { failed: whyFailed(rec) };
  const done = rec.containers
    .filter((c) => !c.init && !c.stopped)
    .every((c) => c.state === 'running' || c.waiting !== undefined || (c.startedAt !== undefined && Date.parse(c.startedAt) >= since - 1000));
  return done ? 'done' : 'waiting';
}

/** One line on why the pod is Failed: the deadline, a failed init container, or the failed app containers. */
function whyFailed(rec: PodRecord): string {
  if (rec.terminal) return rec.terminal.reason;
  const failed = rec.containers.filter((c) => isTerminated(c) && c.exitCode !== 0 && !isSidecar(rec, c));
  const init = failed.find((c) => c.init);
  if (init) return `init container "${init.name}" failed with exit code ${init.exitCode ?? 'unknown'}`;
  return failed.map((c) => `container "${c.name}" exited with code ${c.exitCode ?? 'unknown'}`).join(', ') || 'see podrun inspect';
}
