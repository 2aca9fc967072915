// What runs beside a container instance once it is up: the postStart hook, then its
// startup, liveness and readiness probe workers, and what their results do to the
// record (started, ready) and to the instance (a failed hook or liveness/startup probe
// stops it; the restart policy then applies). The controller gives it the pod.
import type { ContainerStdio } from './attach.js';
import type { Container, LifecycleHandler, Probe } from '../model/pod.js';
import type { ProbeOutcome } from '../probe/types.js';
import type { ContainerRecord, PodRecord } from '../state/records.js';
import type { ContainerLogPump } from './log-pump.js';
import { ProbeWorker, type ProbeKind } from './probe-worker.js';

/** A running instance of a container, as the supervisor watches it. */
export interface LiveInstance {
  pid: number;
  pidStart: number;
  exited: Promise<void>;
  pumps: ContainerLogPump[];
  workers: ProbeWorker[];
  /** A terminal or an open stdin: the attach sessions (attach.ts). */
  stdio?: ContainerStdio;
}

/** What the probes and hooks of an instance need of its pod. */
export interface InstanceHost {
  readonly rec: PodRecord;
  /** `inst` is still the container's current instance, and the pod is not being removed. */
  isCurrent(c: ContainerRecord, inst: LiveInstance): boolean;
  save(): void;
  requestSync(): void;
  event(type: 'Normal' | 'Warning', reason: string, message: string, container?: string): void;
  runHandler(c: ContainerRecord, h: Probe | LifecycleHandler, o: { timeoutMs: number; userAgent: 'kube-probe' | 'kube-lifecycle' }): Promise<ProbeOutcome>;
  /** Stops the instance (not for good): the restart policy decides what follows. */
  stopOne(c: ContainerRecord, graceSec: number, why: string): Promise<void>;
  specGrace(): number;
  /** ProbeHost.holdToken: null while the pod is paused. */
  holdToken(): number | null;
}

/** postStart, then the probes; `started` once postStart returned and the startup probe passed. */
export async function afterStart(host: InstanceHost, c: ContainerRecord, inst: LiveInstance, spec: Container): Promise<void> {
  const hook = spec.lifecycle?.postStart;
  if (hook) {
    const out = await host.runHandler(c, hook, { timeoutMs: 0, userAgent: 'kube-lifecycle' });
    if (!host.isCurrent(c, inst)) return;
    if (out.result === 'Failure') {
      host.event('Warning', 'FailedPostStartHook', `PostStartHook failed: ${out.output}`.trim(), c.name);
      c.message = `PostStartHook failed: ${out.output}`;
      await host.stopOne(c, host.specGrace(), 'FailedPostStartHook');
      return;
    }
  }
  if (!spec.startupProbe) markStarted(host, c, inst);
  startProbes(host, c, inst, spec, ['startup', 'liveness', 'readiness']);
}

/** One worker per probe the container has, among `kinds`, for this instance. */
export function startProbes(host: InstanceHost, c: ContainerRecord, inst: LiveInstance, spec: Container, kinds: ProbeKind[]): void {
  for (const kind of kinds) {
    const probe: Probe | undefined = spec[`${kind}Probe`];
    if (!probe) continue;
    const w = new ProbeWorker(kind, probe, Date.parse(c.startedAt!), {
      started: () => c.started !== false,
      attempt: () => host.runHandler(c, probe, { timeoutMs: probe.timeoutSeconds * 1000, userAgent: 'kube-probe' }),
      observed: (o) => probeObserved(host, c, kind, o),
      publish: (r) => void probePublished(host, c, inst, kind, r, probe),
      holdToken: () => host.holdToken(),
    });
    inst.workers.push(w);
    w.start();
  }
}

function markStarted(host: InstanceHost, c: ContainerRecord, inst: LiveInstance): void {
  c.started = true;
  host.save();
  inst.workers.find((w) => w.kind === 'readiness')?.trigger();
  host.requestSync();
}

function probeObserved(host: InstanceHost, c: ContainerRecord, kind: ProbeKind, o: ProbeOutcome): void {
  const Kind = kind[0].toUpperCase() + kind.slice(1);
  if (o.result === 'Failure') host.event('Warning', 'Unhealthy', `${Kind} probe failed: ${o.output}`.trim(), c.name);
  else if (o.result === 'Warning') host.event('Warning', 'ProbeWarning', `${Kind} probe warning: ${o.output}`.trim(), c.name);
}

async function probePublished(
  host: InstanceHost,
  c: ContainerRecord,
  inst: LiveInstance,
  kind: ProbeKind,
  result: 'Success' | 'Failure',
  probe: Probe,
): Promise<void> {
  if (!host.isCurrent(c, inst)) return;
  if (kind === 'readiness') {
    if (c.ready !== (result === 'Success')) {
      c.ready = result === 'Success';
      host.save();
    }
    return;
  }
  if (kind === 'startup' && result === 'Success') {
    markStarted(host, c, inst);
    return;
  }
  if (result === 'Failure') {
    const grace = probe.terminationGracePeriodSeconds ?? host.rec.pod.spec.terminationGracePeriodSeconds;
    await host.stopOne(c, grace, `failed ${kind} probe, will be restarted`);
  }
}
