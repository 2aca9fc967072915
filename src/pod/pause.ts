// podrun pause / unpause: the whole pod cgroup (containers, exec'd processes, the pause
// holder) frozen and thawed through cgroup.freeze (src/cgroup/freeze.ts). Kubernetes has
// no paused phase: the phase stays what it was, the record keeps `paused`, the status
// carries a `podrun.io/Paused` condition and `list` shows STATUS Paused, as Docker does. While the
// pod is paused its controller starts nothing and its probes hold; stop and rm thaw it
// first so that the stop signal and preStop hooks run within the grace period.
import { freezeRequested, setFrozen } from '../cgroup/freeze.js';
import type { PodConditionView } from '../model/pod-view.js';
import type { PodRecord } from '../state/records.js';
import { PodrunError } from '../util/errors.js';

/** podrun's condition while the pod is paused (podrun's own conditions are podrun.io/). */
export const PAUSED = 'podrun.io/Paused';

/** How long freezing or thawing may take before the verb fails. */
export const FREEZE_TIMEOUT_MS = 10_000;

/** What pausing needs of a pod's controller. */
export interface Pausable {
  readonly rec: PodRecord;
  readonly name: string;
  save(): void;
  requestSync(): void;
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** ISO time now. */
  now(): string;
}

export async function pausePod(p: Pausable): Promise<void> {
  const { rec, name } = p;
  if (rec.paused) throw new PodrunError(`pod "${name}" is already paused`);
  if (rec.terminal || !rec.containers.some((c) => c.state === 'running')) {
    throw new PodrunError(`pod "${name}" has no running container: nothing to pause`);
  }
  // Counted before the freeze starts: a probe attempt that overlaps it is discarded.
  rec.pauseCount = (rec.pauseCount ?? 0) + 1;
  await setFrozen(rec.sandbox.cgroup, true, FREEZE_TIMEOUT_MS);
  rec.paused = { since: p.now().replace(/\.\d+Z$/, 'Z') };
  p.event('Normal', 'Paused', `Paused pod ${name}: its processes are frozen`);
  p.save();
}

/** `why`: said in the event when podrun thaws the pod by itself (to stop it). */
export async function unpausePod(p: Pausable, why?: string): Promise<void> {
  const { rec, name } = p;
  if (!rec.paused) throw new PodrunError(`pod "${name}" is not paused`);
  await setFrozen(rec.sandbox.cgroup, false, FREEZE_TIMEOUT_MS);
  rec.paused = undefined;
  p.event('Normal', 'Unpaused', `Unpaused pod ${name}${why ? `: ${why}` : ''}`);
  p.save();
  p.requestSync();
}

/**
 * At adoption by a new supervisor: the kernel's cgroup.freeze decides, since the old one
 * may have died between freezing (or thawing) and saving the record.
 */
export function reconcilePaused(rec: PodRecord, now: string): void {
  const frozen = freezeRequested(rec.sandbox.cgroup);
  if (frozen && !rec.paused) rec.paused = { since: now.replace(/\.\d+Z$/, 'Z') };
  if (!frozen) rec.paused = undefined;
}

/** The probes' hold token (ProbeHost.holdToken): null while paused. */
export function probeHoldToken(rec: PodRecord): number | null {
  return rec.paused ? null : (rec.pauseCount ?? 0);
}

/** The condition the status shows while the pod is paused (none otherwise). */
export function pausedCondition(rec: PodRecord): PodConditionView | undefined {
  if (!rec.paused) return undefined;
  return {
    type: PAUSED,
    status: 'True',
    lastTransitionTime: rec.paused.since,
    reason: 'PodPaused',
    message: 'the pod is frozen by podrun pause; podrun unpause thaws it',
  };
}
