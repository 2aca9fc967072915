// The pod's decisions as a pure function of its record, the time and the controller's
// few in-memory facts: which containers to start or restart, which wait in
// CrashLoopBackOff (and until when), when the sidecars go because the app containers
// are done, the failure a `start` call reports, and the next wake-up. PodController
// executes the actions and asks again after every start, since a start changes the
// record (and takes time). Asking twice for the same record gives nothing new to do:
// a back-off already recorded is not recorded again.
//
// Kubernetes' rules, as applied here:
// - Init containers run one at a time, in order; each must exit 0 before the next.
//   A sidecar (an init container with restartPolicy Always) is started instead, and the
//   next init container waits until it is `started`.
// - Once an app container has run, regular init containers are never run again (the
//   sandbox is the same); sidecars are then restarted beside the app containers.
// - A failed init container fails the pod under restartPolicy Never; otherwise it is
//   retried with back-off.
// - App containers restart by the pod's policy (restart-policy.ts), with CrashLoopBackOff
//   counted from the exit (backoff.ts); a restart that `start` asked for skips the back-off.
// - When every app container is done for good, the running sidecars are stopped.
// - With several containers backing off, the earliest restart time is the wake-up.
import type { EventInput } from '../events/types.js';
import type { BackoffEntry, ContainerRecord, PodRecord } from '../state/records.js';
import { advance, restartNotBefore, type BackoffSettings } from './backoff.js';
import { restartWanted } from './restart-policy.js';
import { isSidecar, isTerminated } from './status.js';

/** What the controller knows beyond the record. */
export interface PodFacts {
  /** Containers that `start` asked to run again although their policy would not restart them. */
  forced: ReadonlySet<string>;
  backoff: BackoffSettings;
}

export type PodAction =
  /** The first instance of a container that was created and never ran. */
  | { kind: 'start'; container: string }
  /** A new instance of a container that ended; it runs with `backoff` as its entry (unchanged when forced). */
  | { kind: 'restart'; container: string; backoff: BackoffEntry | undefined }
  /** Not restarted before `waiting.until` (CrashLoopBackOff), newly so: record it and the event. */
  | { kind: 'backOff'; container: string; waiting: Required<NonNullable<ContainerRecord['waiting']>>; event: EventInput }
  /** The failure the `start` call in progress reports (the first one wins). */
  | { kind: 'failStart'; message: string; exitCode: number }
  /** The app containers are done for good: stop these sidecars (they are not restarted). */
  | { kind: 'stopSidecars'; containers: string[]; why: string };

export interface PodActions {
  /** In the order they are to be carried out. */
  actions: PodAction[];
  /** The earliest back-off's end (epoch ms): sync again then. */
  wakeAt?: number;
  /** Initialisation is over and the app containers were looked at: the phase is worth reporting. */
  settled: boolean;
}

/** The decisions for `rec` at `now` (epoch ms). */
export function computePodActions(rec: PodRecord, now: number, facts: PodFacts): PodActions {
  const out: PodActions = { actions: [], settled: false };
  if (!rec.startedAt || rec.sandbox.state !== 'ready' || rec.terminal) return out;
  if (!initDone(rec, now, facts, out)) return out;
  const apps = rec.containers.filter((c) => !c.init);
  for (const c of apps) {
    if (c.stopped) continue;
    if (c.state === 'created') out.actions.push({ kind: 'start', container: c.name });
    else if (isTerminated(c) && (facts.forced.has(c.name) || restartWanted(rec, c))) restartOrWait(rec, c, now, facts, out);
  }
  const appsDone = apps.every(
    (c) => c.stopped || (isTerminated(c) && !c.waiting && !restartWanted(rec, c) && !facts.forced.has(c.name)),
  );
  // Sidecars that ended after initialisation are restarted, unless the pod is done; then
  // every sidecar still running is stopped, whichever of them have ended already.
  const sidecars = rec.containers.filter((x) => isSidecar(rec, x));
  if (appsDone) {
    const running = sidecars.filter((x) => x.state === 'running' && !x.stopped);
    if (running.length) out.actions.push({ kind: 'stopSidecars', containers: running.map((x) => x.name), why: 'pod completed' });
  } else {
    for (const c of sidecars) if (isTerminated(c) && !c.stopped) restartOrWait(rec, c, now, facts, out);
  }
  out.settled = true;
  return out;
}

/** Init containers in order; true once every one has succeeded (sidecars: started), else what to do next. */
function initDone(rec: PodRecord, now: number, facts: PodFacts, out: PodActions): boolean {
  const anyAppRan = rec.containers.some((c) => !c.init && (c.startedAt || c.last));
  const policy = rec.pod.spec.restartPolicy;
  for (const c of rec.containers.filter((x) => x.init)) {
    if (isSidecar(rec, c)) {
      if (c.state === 'running') {
        if (c.started === false && !anyAppRan) return false;
        continue;
      }
      if (c.stopped) return anyAppRan;
      if (c.state === 'created') {
        out.actions.push({ kind: 'start', container: c.name });
        return false;
      }
      if (anyAppRan) continue; // restarted beside the app containers
      restartOrWait(rec, c, now, facts, out);
      return false;
    }
    if (isTerminated(c) && c.exitCode === 0) continue;
    if (anyAppRan) continue; // never re-run once the pod initialised (the sandbox is the same)
    if (c.stopped || c.state === 'running') return false;
    if (c.state === 'created') {
      out.actions.push({ kind: 'start', container: c.name });
      return false;
    }
    // A failed init container: Never fails the pod; otherwise it is retried with back-off.
    const retried = policy === 'Never' ? '' : ` (restartPolicy ${policy}: retried with back-off)`;
    out.actions.push({ kind: 'failStart', message: `init container "${c.name}" failed with exit code ${c.exitCode ?? 'unknown'}${retried}`, exitCode: 1 });
    if (policy !== 'Never') restartOrWait(rec, c, now, facts, out);
    return false;
  }
  return true;
}

/** A restart now, or the back-off's wait (CrashLoopBackOff) and a wake-up at its end. */
function restartOrWait(rec: PodRecord, c: ContainerRecord, now: number, facts: PodFacts, out: PodActions): void {
  const forced = facts.forced.has(c.name);
  const finishedAt = c.finishedAt ? Date.parse(c.finishedAt) : now;
  const notBefore = forced ? now : restartNotBefore(c.backoff, finishedAt, facts.backoff);
  if (now >= notBefore) {
    out.actions.push({ kind: 'restart', container: c.name, backoff: forced ? c.backoff : advance(c.backoff, now, facts.backoff) });
    return;
  }
  out.wakeAt = Math.min(out.wakeAt ?? Infinity, notBefore);
  if (c.waiting?.until === notBefore) return; // recorded already
  const pod = rec.pod.metadata.name;
  const delay = Math.round((c.backoff?.delayMs ?? 0) / 1000);
  out.actions.push({
    kind: 'backOff',
    container: c.name,
    waiting: { reason: 'CrashLoopBackOff', message: `back-off ${delay}s restarting failed container=${c.name} pod=${pod}`, until: notBefore },
    event: { type: 'Warning', reason: 'BackOff', message: `Back-off restarting failed container ${c.name} in pod ${pod}`, container: c.name },
  });
}
