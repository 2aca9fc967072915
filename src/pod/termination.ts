// Stopping containers as the kubelet does (docs/kubernetes-semantics.md): preStop within
// the grace period, the stop signal, the rest of the grace, then SIGKILL of the whole
// container; for a pod, app containers in parallel and sidecars after them in reverse
// order, all within one budget. Time is counted in ms; preStop's time is taken off in
// whole seconds (the kubelet's arithmetic); spec-derived graces get the kubelet's 2 s floor.
import { killCgroup } from '../cgroup/cgroup2.js';
import { kill as killPid } from '../../native-bindings/libc.js';
import { isSameLiveProcess } from '../kernel/procfs.js';
import type { ProbeOutcome } from '../probe/types.js';
import type { LifecycleHandler } from '../model/pod.js';
import type { ContainerRecord, PodRecord } from '../state/records.js';
import { parseSignal } from '../model/signals.js';
import type { Clock } from './runtime.js';
import { isSidecar, specOf } from './status.js';

/** The kubelet's minimumGracePeriodInSeconds: a spec grace below it is raised to it. */
export const MIN_GRACE_MS = 2000;

type Signal = { name: string; number: number };

export interface Stoppable {
  readonly rec: PodRecord;
  readonly clock: Clock;
  signal(c: ContainerRecord, sig: Signal): void;
  /** The running instance's exit (settles once it is recorded). */
  exited(c: ContainerRecord): Promise<void> | undefined;
  runHook(c: ContainerRecord, hook: LifecycleHandler, timeoutMs: number): Promise<ProbeOutcome>;
  event(type: 'Normal' | 'Warning', reason: string, message: string, container?: string): void;
}

/** Signals a running container: SIGKILL goes to its whole cgroup (exec'd processes too). */
export function signalContainer(c: ContainerRecord, sig: Signal): void {
  if (c.state !== 'running' || !c.pid || !c.pidStart) return;
  if (sig.number === 9) killCgroup(c.cgroup);
  else if (isSameLiveProcess(c.pid, c.pidStart)) killPid(c.pid, sig.number);
}

function stopSignal(rec: PodRecord, c: ContainerRecord): Signal {
  // The kubelet's order: lifecycle.stopSignal, the image's STOPSIGNAL, SIGTERM.
  const s = specOf(rec, c)?.lifecycle?.stopSignal ?? c.imageStopSignal;
  return s ? parseSignal(s) : { name: 'SIGTERM', number: 15 };
}

/** Runs preStop (if any, and grace > 0) within the grace; returns the grace left, in ms. */
async function preStop(h: Stoppable, c: ContainerRecord, exited: Promise<void>, graceMs: number): Promise<number> {
  const hook = specOf(h.rec, c)?.lifecycle?.preStop;
  if (!hook || graceMs <= 0) return graceMs;
  const t0 = h.clock.now();
  const out = await Promise.race([
    h.runHook(c, hook, graceMs),
    exited.then(() => ({ result: 'Success' as const, output: '' })),
    h.clock.sleep(graceMs).then(() => ({ result: 'Failure' as const, output: `did not return within the ${graceMs / 1000}s grace period` })),
  ]);
  if (out.result === 'Failure') h.event('Warning', 'FailedPreStopHook', `PreStopHook failed: ${out.output}`.trim(), c.name);
  return Math.max(0, graceMs - Math.floor((h.clock.now() - t0) / 1000) * 1000);
}

/** The stop signal, up to `graceMs` for the exit, then SIGKILL (0 ms: SIGKILL at once). */
async function signalAndWait(h: Stoppable, c: ContainerRecord, exited: Promise<void>, graceMs: number): Promise<void> {
  if (c.state !== 'running') return;
  if (graceMs > 0) {
    h.signal(c, stopSignal(h.rec, c));
    const timedOut = await Promise.race([exited.then(() => false), h.clock.sleep(graceMs).then(() => true)]);
    if (!timedOut) return;
  }
  h.signal(c, { name: 'SIGKILL', number: 9 });
  await Promise.race([exited, h.clock.sleep(10_000)]);
}

/**
 * Stops running containers: app (and regular init) containers in parallel; sidecars'
 * preStop hooks start at once but their stop signal waits until the others have exited,
 * then they stop in reverse order. `floor` applies the 2 s minimum (spec-derived graces).
 */
export async function stopContainers(h: Stoppable, cs: ContainerRecord[], graceSec: number, why: string, floor: boolean): Promise<void> {
  const running = cs.filter((c) => c.state === 'running' && h.exited(c));
  const sidecars = running.filter((c) => isSidecar(h.rec, c)).reverse();
  const others = running.filter((c) => !isSidecar(h.rec, c));
  const graceMs = graceSec * 1000;
  const deadline = h.clock.now() + graceMs;
  const left = () => Math.max(0, deadline - h.clock.now());
  const floored = (ms: number) => (floor ? Math.max(ms, MIN_GRACE_MS) : ms);
  for (const c of running) h.event('Normal', 'Killing', `Stopping container ${c.name}: ${why}`, c.name);
  const sidecarPreStops = new Map(sidecars.map((c) => [c.name, preStop(h, c, h.exited(c)!, graceMs)]));
  await Promise.all(
    others.map(async (c) => {
      const exited = h.exited(c)!;
      const rest = await preStop(h, c, exited, graceMs);
      await signalAndWait(h, c, exited, floored(Math.min(rest, left())));
    }),
  );
  for (const c of sidecars) {
    const exited = h.exited(c);
    if (!exited) continue;
    await Promise.race([sidecarPreStops.get(c.name), h.clock.sleep(left())]);
    await signalAndWait(h, c, exited, floored(left()));
  }
}
