// The kubelet's job for one pod, in the supervisor: starts container instances, observes
// their exits, restarts them by policy with CrashLoopBackOff, runs init containers in
// order and sidecars beside the app containers, probes, hooks, ordered termination and
// the pod deadline. Level-triggered: every change (exit, probe result, timer, verb)
// requests a sync, and a sync compares the record with the spec and acts.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Socket } from 'node:net';
import { createCgroup } from '../cgroup/cgroup2.js';
import { oomKillCount } from '../cgroup/memory-events.js';
import type { InitFailure } from '../container/init-stage.js';
import { openFifoReader, spawnContainer, type SpawnedContainer } from '../container/spawn-container.js';
import { recordEvent } from '../events/recorder.js';
import type { EventInput } from '../events/types.js';
import { isSameLiveProcess } from '../kernel/procfs.js';
import { CriLogFile } from '../logs/log-file.js';
import type { Container, Probe } from '../model/pod.js';
import { writeJsonAtomic } from '../state/atomic.js';
import type { PodPaths } from '../state/paths.js';
import type { ContainerRecord, PodRecord } from '../state/records.js';
import { NotFoundError, PodrunError } from '../util/errors.js';
import { advance, restartNotBefore, type BackoffSettings } from './backoff.js';
import { watchForeignExit, type ForeignExit } from './foreign-exit.js';
import { runHandler } from './handlers.js';
import { instanceConfig } from './instance-config.js';
import { pumpContainerLogs, type ContainerLogPump } from './log-pump.js';
import { ProbeWorker, type ProbeKind, type ProbeOutcome } from './probe-worker.js';
import { restartWanted } from './restart-policy.js';
import { startPauseHolder } from './sandbox.js';
import { parseSignal } from '../model/signals.js';
import { MIN_GRACE_MS, signalContainer, stopContainers, type Stoppable } from './termination.js';
import { isSidecar, isTerminated, podPhase, specOf } from './status.js';

interface LiveInstance {
  pid: number;
  pidStart: number;
  exited: Promise<void>;
  pumps: ContainerLogPump[];
  workers: ProbeWorker[];
}

export interface ControllerDeps {
  save(): void;
  backoff: BackoffSettings;
}

const now = () => new Date().toISOString();

export class PodController {
  readonly live = new Map<string, LiveInstance>();
  private syncing = false;
  private dirty = false;
  private disposed = false;
  private wakeTimer?: NodeJS.Timeout;
  private wakeAtMs?: number;
  private deadlineTimer?: NodeJS.Timeout;
  /** Containers that `start` asked to run again although their policy would not restart them. */
  private forced = new Set<string>();
  /** The start verb in progress: the first failure it must report. */
  private startCall?: { error?: PodrunError };
  private busy?: Promise<unknown>;

  constructor(
    readonly rec: PodRecord,
    readonly paths: PodPaths,
    private readonly deps: ControllerDeps,
  ) {}

  get name(): string {
    return this.rec.pod.metadata.name;
  }

  event(type: EventInput['type'], reason: string, message: string, container?: string): void {
    recordEvent(this.paths, { type, reason, message, ...(container ? { container } : {}) });
  }

  private save(): void {
    if (!this.disposed) this.deps.save();
  }

  /** Serialises verbs on this pod (start, remove); syncs are coalesced separately. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.busy ?? Promise.resolve();
    const run = prev.catch(() => {}).then(fn);
    this.busy = run;
    try {
      return await run;
    } finally {
      if (this.busy === run) this.busy = undefined;
    }
  }

  container(name: string): ContainerRecord {
    const c = this.rec.containers.find((x) => x.name === name);
    if (!c) throw new NotFoundError(`pod "${this.name}": container "${name}" not found`);
    return c;
  }

  // ---- sync loop ----------------------------------------------------------------------

  requestSync(): void {
    if (this.disposed) return;
    if (this.syncing) {
      this.dirty = true;
      return;
    }
    this.syncing = true;
    void (async () => {
      try {
        do {
          this.dirty = false;
          await this.syncOnce();
        } while (this.dirty && !this.disposed);
      } catch (err) {
        process.stderr.write(`podrun supervisor: sync of pod ${this.name}: ${(err as Error).stack ?? err}\n`);
      } finally {
        this.syncing = false;
      }
    })();
  }

  private async syncOnce(): Promise<void> {
    const { rec } = this;
    if (this.disposed || !rec.startedAt || rec.sandbox.state !== 'ready' || rec.terminal) return;
    if (!(await this.syncInit())) return;
    const apps = rec.containers.filter((c) => !c.init);
    for (const c of apps) {
      if (c.stopped || this.disposed) continue;
      if (c.state === 'created') await this.startInstance(c);
      else if (isTerminated(c) && (this.forced.has(c.name) || restartWanted(rec, c))) await this.restart(c);
    }
    // Sidecars that ended after initialisation are restarted, unless the pod is done.
    const appsDone = apps.every((c) => c.stopped || (isTerminated(c) && !c.waiting && !restartWanted(rec, c) && !this.forced.has(c.name)));
    for (const c of rec.containers.filter((x) => isSidecar(rec, x))) {
      if (appsDone) {
        if (c.state === 'running' && !c.stopped) {
          // The app containers are done for good: the kubelet then stops the sidecars.
          void this.terminate(rec.containers.filter((x) => isSidecar(rec, x) && x.state === 'running'), this.specGrace(), 'pod completed');
        }
        break;
      }
      if (isTerminated(c) && !c.stopped) await this.restart(c);
    }
    this.noteCompletion();
  }

  /** Runs init containers in order; true once every one has succeeded (sidecars: started). */
  private async syncInit(): Promise<boolean> {
    const { rec } = this;
    const anyAppRan = rec.containers.some((c) => !c.init && (c.startedAt || c.last));
    for (const c of rec.containers.filter((x) => x.init)) {
      if (isSidecar(rec, c)) {
        if (c.state === 'running') {
          if (c.started === false && !anyAppRan) return false;
          continue;
        }
        if (c.stopped) return anyAppRan;
        if (c.state === 'created') {
          await this.startInstance(c);
          return false;
        }
        if (anyAppRan) continue; // restarted beside the app containers in syncOnce
        await this.restart(c);
        return false;
      }
      if (isTerminated(c) && c.exitCode === 0) continue;
      if (anyAppRan) continue; // never re-run once the pod initialised (the sandbox is the same)
      if (c.stopped || c.state === 'running') return false;
      if (c.state === 'created') {
        await this.startInstance(c);
        return false;
      }
      // A failed init container: Never fails the pod; otherwise it is retried with back-off.
      this.failStart(`init container "${c.name}" failed with exit code ${c.exitCode ?? 'unknown'}` +
        (rec.pod.spec.restartPolicy === 'Never' ? '' : ` (restartPolicy ${rec.pod.spec.restartPolicy}: retried with back-off)`), 1);
      if (rec.pod.spec.restartPolicy !== 'Never') await this.restart(c);
      return false;
    }
    return true;
  }

  /** Restarts now, or schedules the restart when the back-off says so (state waiting: CrashLoopBackOff). */
  private async restart(c: ContainerRecord): Promise<void> {
    const forced = this.forced.delete(c.name);
    const at = Date.now();
    const notBefore = forced ? at : restartNotBefore(c.backoff, Date.parse(c.finishedAt ?? now()), this.deps.backoff);
    if (at < notBefore) {
      if (c.waiting?.until !== notBefore) {
        const delay = Math.round((c.backoff?.delayMs ?? 0) / 1000);
        const message = `back-off ${delay}s restarting failed container=${c.name} pod=${this.name}`;
        c.waiting = { reason: 'CrashLoopBackOff', message, until: notBefore };
        this.event('Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${this.name}`, c.name);
        this.save();
      }
      this.wakeAt(notBefore);
      return;
    }
    if (!forced) c.backoff = advance(c.backoff, at, this.deps.backoff);
    await this.startInstance(c);
  }

  /** A sync at `t`; with several containers backing off, the earliest wins (that sync re-arms the rest). */
  private wakeAt(t: number): void {
    if (this.wakeTimer && this.wakeAtMs !== undefined && this.wakeAtMs <= t) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeAtMs = t;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.wakeAtMs = undefined;
      this.requestSync();
    }, Math.max(0, t - Date.now()) + 5);
  }

  private failStart(message: string, exitCode: number): void {
    if (this.startCall && !this.startCall.error) this.startCall.error = new PodrunError(`pod "${this.name}": ${message}`, exitCode === 1 ? 'runtime' : 'exec', exitCode);
  }

  private lastPhase?: string;
  /** Pod-level Completed / Failed events when the phase becomes terminal. */
  private noteCompletion(): void {
    const phase = podPhase(this.rec);
    if (phase === this.lastPhase) return;
    this.lastPhase = phase;
    if (phase === 'Succeeded') this.event('Normal', 'Completed', `pod ${this.name} succeeded: every container exited 0`);
    if (phase === 'Failed') this.event('Warning', 'Failed', `pod ${this.name} failed${this.rec.terminal ? `: ${this.rec.terminal.reason}` : ''}`);
  }

  // ---- start verb ----------------------------------------------------------------------

  /** Starts the pod; resolves once the app containers run (or have run), rejects on the first failure. */
  async start(): Promise<void> {
    const since = Date.now();
    const call: { error?: PodrunError } = {};
    await this.exclusive(async () => {
      if (this.disposed) throw new NotFoundError(`pod "${this.name}" not found`);
      if (this.rec.terminal) {
        throw new PodrunError(`pod "${this.name}" ended (${this.rec.terminal.reason}): create a new pod to run it again`);
      }
      this.rec.startedAt ??= now();
      this.ensurePauseHolder();
      this.armDeadline();
      for (const c of this.rec.containers) {
        const wasStopped = c.stopped;
        c.stopped = false;
        // Run again what has ended and would not be restarted by its policy (or was stopped).
        if (isTerminated(c) && (!c.init || isSidecar(this.rec, c)) && (wasStopped || !restartWanted(this.rec, c))) this.forced.add(c.name);
        if (isTerminated(c) && c.init && !isSidecar(this.rec, c) && c.exitCode !== 0) this.forced.add(c.name);
      }
      this.startCall = call;
      this.save();
      this.requestSync();
    });
    // Waited for outside the lock: rm (and stop) must never queue behind a start that waits.
    try {
      await this.until(() => {
        if (this.disposed) throw new PodrunError(`pod "${this.name}" was removed while starting`);
        if (call.error) throw call.error;
        const phase = podPhase(this.rec);
        if (phase === 'Succeeded') return true;
        if (phase === 'Failed') throw new PodrunError(`pod "${this.name}" failed: ${this.whyFailed()}`);
        // Started (now or during this call), or already in the restart policy's hands
        // (backing off): `start` of a crash-looping pod does not wait out the back-off.
        return this.rec.containers
          .filter((c) => !c.init && !c.stopped)
          .every((c) => c.state === 'running' || c.waiting !== undefined || (c.startedAt !== undefined && Date.parse(c.startedAt) >= since - 1000));
      });
    } finally {
      if (this.startCall === call) this.startCall = undefined;
    }
  }

  /** One line on why the pod is Failed: the deadline, a failed init container, or the failed app containers. */
  private whyFailed(): string {
    if (this.rec.terminal) return this.rec.terminal.reason;
    const failed = this.rec.containers.filter((c) => isTerminated(c) && c.exitCode !== 0 && !isSidecar(this.rec, c));
    const init = failed.find((c) => c.init);
    if (init) return `init container "${init.name}" failed with exit code ${init.exitCode ?? 'unknown'}`;
    return failed.map((c) => `container "${c.name}" exited with code ${c.exitCode ?? 'unknown'}`).join(', ') || 'see podrun inspect';
  }

  private waiters = new Set<() => void>();
  /** Called by the manager after every save. */
  changed(): void {
    for (const w of [...this.waiters]) w();
  }

  private until(pred: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        try {
          if (!pred()) return;
          this.waiters.delete(check);
          resolve();
        } catch (err) {
          this.waiters.delete(check);
          reject(err);
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  /** The pause holder may have been killed; the pinned namespaces outlive it, so start another. */
  private ensurePauseHolder(): void {
    const s = this.rec.sandbox;
    if (s.pid && s.pidStart && isSameLiveProcess(s.pid, s.pidStart)) return;
    if (this.rec.pod.spec.shareProcessNamespace && this.rec.containers.some((c) => c.state === 'running')) {
      throw new PodrunError(`pod "${this.name}": the pause holder died, and with it the pod's PID namespace`);
    }
    const p = startPauseHolder(s);
    s.pid = p.pid;
    s.pidStart = p.pidStart;
    s.pidNamespace = `/proc/${p.pid}/ns/pid`;
    this.save();
  }

  // ---- deadline ------------------------------------------------------------------------

  armDeadline(): void {
    const secs = this.rec.pod.spec.activeDeadlineSeconds;
    if (secs === undefined || !this.rec.startedAt || this.rec.terminal || this.deadlineTimer) return;
    const at = Date.parse(this.rec.startedAt) + secs * 1000;
    this.deadlineTimer = setTimeout(() => void this.deadlineExceeded(), Math.max(0, at - Date.now()));
  }

  private async deadlineExceeded(): Promise<void> {
    if (this.disposed || this.rec.terminal) return;
    const phase = podPhase(this.rec);
    if (phase === 'Succeeded' || phase === 'Failed') return;
    const message = `Pod was active on the node longer than the specified deadline`;
    this.rec.terminal = { reason: 'DeadlineExceeded', message };
    this.event('Warning', 'DeadlineExceeded', message);
    this.save();
    await this.terminate(this.rec.containers, this.specGrace(), 'the pod exceeded its activeDeadlineSeconds');
    this.noteCompletion();
  }

  // ---- instances ----------------------------------------------------------------------------

  /** Starts a new instance of the container; a failure to start is recorded as its exit (StartError). */
  private async startInstance(c: ContainerRecord): Promise<void> {
    if (this.disposed) return;
    this.forced.delete(c.name);
    if (isTerminated(c)) {
      // A new instance: the old one becomes lastState and keeps its log file (logs --previous).
      const { state, exitCode, signal, reason, message, startedAt: s0, finishedAt } = c;
      c.last = { state, exitCode, signal, reason, message, startedAt: s0, finishedAt };
      c.restartCount += 1;
    }
    c.waiting = undefined;
    const spec = specOf(this.rec, c)!;
    const cfg = instanceConfig(this.rec, this.paths, c);
    const cpaths = this.paths.container(c.name);
    writeJsonAtomic(cpaths.config, cfg);
    createCgroup(c.cgroup);
    const startedAt = now();
    let spawned: SpawnedContainer;
    try {
      spawned = await spawnContainer({
        paths: cpaths,
        configPath: cpaths.config,
        namespaces: this.rec.sandbox.namespaces,
        pidNamespace: this.rec.pod.spec.shareProcessNamespace ? this.rec.sandbox.pidNamespace : undefined,
      });
    } catch (err) {
      const f = (err as { failure?: InitFailure }).failure;
      const streams = err as unknown as { stdout?: { destroy(): void }; stderr?: { destroy(): void } };
      streams.stdout?.destroy();
      streams.stderr?.destroy();
      Object.assign(c, {
        state: 'exited',
        exitCode: f?.exitCode ?? 128,
        reason: f?.reason ?? 'StartError',
        message: f?.error ?? (err as Error).message,
        startedAt,
        finishedAt: now(),
        pid: undefined,
        started: false,
        ready: false,
      });
      this.event('Warning', 'Failed', `Error: ${c.message}`, c.name);
      this.failStart(`container "${c.name}": ${c.message}`, f?.exitCode ?? 125);
      this.save();
      // Its restart (by policy, with back-off) comes from the next sync.
      this.dirty = true;
      return;
    }
    Object.assign(c, {
      state: 'running',
      pid: spawned.pid,
      pidStart: spawned.pidStart,
      startedAt,
      finishedAt: undefined,
      exitCode: undefined,
      signal: undefined,
      reason: undefined,
      message: undefined,
      started: false,
      ready: false,
    });
    this.event('Normal', 'Created', `Created container ${c.name}`, c.name);
    this.event('Normal', 'Started', `Started container ${c.name}`, c.name);
    const inst = this.attach(c, spawned.pid, spawned.pidStart, spawned, spawned.exit.then(({ code, signal }) => ({ code, signal: signal ?? undefined })));
    this.save();
    void this.afterStart(c, inst, spec);
  }

  /** Log pumps and the exit watch of an instance (our child, or adopted through a pidfd). */
  private attach(
    c: ContainerRecord,
    pid: number,
    pidStart: number,
    streams: { stdout: Socket; stderr: Socket },
    exit: Promise<ForeignExit | { code: number | null; signal?: string; unknown?: undefined }>,
  ): LiveInstance {
    const pumps = pumpContainerLogs(streams, new CriLogFile(this.paths.containerLog(c.name, c.restartCount)));
    // The cgroup outlives instances: only OOM kills after this point are this instance's.
    const oomBase = oomKillCount(c.cgroup) ?? 0;
    const inst: LiveInstance = { pid, pidStart, pumps, workers: [], exited: Promise.resolve() };
    inst.exited = exit.then(async (st) => {
      await Promise.all(pumps.map((p) => p.done));
      for (const w of inst.workers) w.stop();
      if (c.pid !== pid || this.disposed) return;
      if (st.unknown) this.markUnknown(c);
      else this.recordExit(c, st.code ?? undefined, st.signal, (oomKillCount(c.cgroup) ?? 0) > oomBase);
      c.pid = undefined;
      c.started = false;
      c.ready = false;
      this.live.delete(c.name);
      this.save();
      this.requestSync();
    });
    this.live.set(c.name, inst);
    return inst;
  }

  /** postStart, then the probes; `started` once postStart returned and the startup probe passed. */
  private async afterStart(c: ContainerRecord, inst: LiveInstance, spec: Container): Promise<void> {
    const alive = () => this.live.get(c.name) === inst && !this.disposed;
    const hook = spec.lifecycle?.postStart;
    if (hook) {
      const out = await runHandler(this, c, hook, { timeoutMs: 0, userAgent: 'kube-lifecycle' });
      if (!alive()) return;
      if (out.result === 'Failure') {
        this.event('Warning', 'FailedPostStartHook', `PostStartHook failed: ${out.output}`.trim(), c.name);
        c.message = `PostStartHook failed: ${out.output}`;
        await this.stopOne(c, this.specGrace(), 'FailedPostStartHook');
        return;
      }
    }
    if (!spec.startupProbe) this.markStarted(c, inst);
    this.startProbes(c, inst, spec, ['startup', 'liveness', 'readiness']);
  }

  /** One worker per probe the container has, among `kinds`, for this instance. */
  private startProbes(c: ContainerRecord, inst: LiveInstance, spec: Container, kinds: ProbeKind[]): void {
    for (const kind of kinds) {
      const probe: Probe | undefined = spec[`${kind}Probe`];
      if (!probe) continue;
      const w = new ProbeWorker(kind, probe, Date.parse(c.startedAt!), {
        started: () => c.started !== false,
        attempt: () => runHandler(this, c, probe, { timeoutMs: probe.timeoutSeconds * 1000, userAgent: 'kube-probe' }),
        observed: (o) => this.probeObserved(c, kind, o),
        publish: (r, o) => void this.probePublished(c, inst, kind, r, o, probe),
      });
      inst.workers.push(w);
      w.start();
    }
  }

  private markStarted(c: ContainerRecord, inst: LiveInstance): void {
    c.started = true;
    this.save();
    inst.workers.find((w) => w.kind === 'readiness')?.trigger();
    this.requestSync();
  }

  private probeObserved(c: ContainerRecord, kind: ProbeKind, o: ProbeOutcome): void {
    const Kind = kind[0].toUpperCase() + kind.slice(1);
    if (o.result === 'Failure') this.event('Warning', 'Unhealthy', `${Kind} probe failed: ${o.output}`.trim(), c.name);
    else if (o.result === 'Warning') this.event('Warning', 'ProbeWarning', `${Kind} probe warning: ${o.output}`.trim(), c.name);
  }

  private async probePublished(
    c: ContainerRecord,
    inst: LiveInstance,
    kind: ProbeKind,
    result: 'Success' | 'Failure',
    _o: ProbeOutcome,
    probe: Probe,
  ): Promise<void> {
    if (this.live.get(c.name) !== inst) return;
    if (kind === 'readiness') {
      if (c.ready !== (result === 'Success')) {
        c.ready = result === 'Success';
        this.save();
      }
      return;
    }
    if (kind === 'startup' && result === 'Success') {
      this.markStarted(c, inst);
      return;
    }
    if (result === 'Failure') {
      const grace = probe.terminationGracePeriodSeconds ?? this.rec.pod.spec.terminationGracePeriodSeconds;
      await this.stopOne(c, grace, `failed ${kind} probe, will be restarted`);
    }
  }

  private recordExit(c: ContainerRecord, code: number | undefined, sig: string | undefined, oomKilled: boolean): void {
    c.state = 'exited';
    c.finishedAt = now();
    if (sig) {
      c.signal = sig;
      c.exitCode = 128 + parseSignal(sig).number;
    } else {
      c.exitCode = code ?? 0;
    }
    const failedHook = c.message?.startsWith('PostStartHook failed');
    c.reason = oomKilled ? 'OOMKilled' : failedHook ? 'FailedPostStartHook' : c.exitCode === 0 ? 'Completed' : 'Error';
    if (!failedHook) c.message = undefined;
  }

  private markUnknown(c: ContainerRecord): void {
    c.state = 'unknown';
    c.finishedAt = c.finishedAt ?? now();
    c.reason = 'ContainerStatusUnknown';
    c.message = 'the container exited while the podrun supervisor was not running; its exit status could not be read';
    c.exitCode = undefined;
  }

  // ---- adoption ------------------------------------------------------------------------------

  /** After a supervisor restart: watch live containers, resume probes, deadlines and restarts. */
  adopt(): void {
    for (const c of this.rec.containers) {
      if (c.state !== 'running') continue;
      if (c.pid && c.pidStart && isSameLiveProcess(c.pid, c.pidStart)) {
        this.watchAdopted(c);
      } else {
        this.markUnknown(c);
        c.pid = undefined;
      }
    }
    this.armDeadline();
    // A pod that had finished before the restart already has its Completed/Failed event.
    const phase = podPhase(this.rec);
    if (phase === 'Succeeded' || phase === 'Failed') this.lastPhase = phase;
    this.save();
    this.requestSync();
  }

  /** Watches a container that is not our child: a pidfd reports its exit status (kernel 6.15+). */
  private watchAdopted(c: ContainerRecord): void {
    const pid = c.pid!;
    const pidStart = c.pidStart!;
    const exit = watchForeignExit(pid, pidStart);
    const cp = this.paths.container(c.name);
    const inst = this.attach(c, pid, pidStart, { stdout: openFifoReader(cp.fifo('stdout')), stderr: openFifoReader(cp.fifo('stderr')) }, exit);
    const spec = specOf(this.rec, c);
    if (!spec) return;
    if (c.started === false) {
      // postStart may not have returned before the supervisor died: deliver it again (at least once).
      void this.afterStart(c, inst, spec);
      return;
    }
    // Started already: liveness and readiness resume (readiness starts from not ready).
    c.ready = false;
    this.startProbes(c, inst, spec, ['liveness', 'readiness']);
  }

  // ---- kill / stop / termination ---------------------------------------------------------------

  signal(c: ContainerRecord, sig: { name: string; number: number }): void {
    signalContainer(c, sig);
  }

  /** The grace the spec gives (pod terminationGracePeriodSeconds), with the kubelet's 2 s floor. */
  specGrace(): number {
    return Math.max(this.rec.pod.spec.terminationGracePeriodSeconds * 1000, MIN_GRACE_MS) / 1000;
  }

  /** What src/pod/termination.ts needs of this pod. */
  private stoppable(): Stoppable {
    return {
      rec: this.rec,
      exited: (c) => this.live.get(c.name)?.exited,
      runHook: (c, hook, timeoutMs) => runHandler(this, c, hook, { timeoutMs, userAgent: 'kube-lifecycle' }),
      event: (type, reason, message, container) => this.event(type, reason, message, container),
    };
  }

  /** One container (a probe or hook failure): it is restarted afterwards by its policy. */
  async stopOne(c: ContainerRecord, graceSec: number, why: string): Promise<void> {
    await stopContainers(this.stoppable(), [c], graceSec, why, true);
  }

  /** Stops containers for good (stop, rm, the deadline, completion): no restart until `start`. */
  async terminate(cs: ContainerRecord[], graceSec: number, why: string, floor = true): Promise<void> {
    for (const c of cs) {
      c.stopped = true;
      c.waiting = undefined; // no restart is pending any more
    }
    this.save();
    await stopContainers(this.stoppable(), cs, graceSec, why, floor);
    this.save();
  }

  /**
   * Stops timers, probes and syncs, then the log pumps (the pod is being removed). Waits
   * for an in-flight start, bounded, so that nothing writes under the pod's directory
   * once it is deleted.
   */
  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    for (const l of this.live.values()) for (const w of l.workers) w.stop();
    const deadline = Date.now() + 10_000;
    while (this.syncing && Date.now() < deadline) await sleep(20);
    const pumps = [...this.live.values()].flatMap((l) => l.pumps);
    for (const p of pumps) p.close();
    await Promise.race([Promise.all(pumps.map((p) => p.done)), sleep(2000)]);
    for (const w of [...this.waiters]) w();
  }
}

