// The kubelet's job for one pod, in the supervisor: starts container instances, observes
// their exits, restarts them by policy with CrashLoopBackOff, runs init containers in
// order and sidecars beside the app containers, ordered termination and the pod deadline
// (an instance's hooks and probes: instance-probes.ts). Level-triggered: every change
// (exit, probe result, timer, verb) requests a sync; what a sync does is decided by computePodActions (actions.ts) and
// carried out here. The kernel and the clock are reached through the PodRuntime.
import { Readable } from 'node:stream';
import type { HeldStdio } from '../container/held-stdio.js';
import type { EventInput } from '../events/types.js';
import { CriLogFile } from '../logs/log-file.js';
import { writeJsonAtomic } from '../state/atomic.js';
import type { PodPaths } from '../state/paths.js';
import type { ContainerRecord, PodRecord } from '../state/records.js';
import { NotFoundError, PodrunError } from '../util/errors.js';
import { computePodActions, type PodAction } from './actions.js';
import type { BackoffSettings } from './backoff.js';
import { EVICTION_GRACE_SECONDS } from './eviction.js';
import type { ForeignExit } from './foreign-exit.js';
import { instanceConfig } from './instance-config.js';
import { beginInstance, instanceExited, instanceFailedToStart, instanceGone, instanceRunning, instanceUnknown } from './instance-state.js';
import { pumpContainerLogs } from './log-pump.js';
import { afterStart, startProbes, type InstanceHost, type LiveInstance } from './instance-probes.js';
import { ContainerStdio } from './attach.js';
import { pausePod, probeHoldToken, reconcilePaused, unpausePod, type Pausable } from './pause.js';
import type { Clock, ContainerProcess, PodRuntime } from './runtime.js';
import { forcedByStart, startProgress } from './start-progress.js';
import { MIN_GRACE_MS, stopContainers, type Stoppable } from './termination.js';
import { podPhase, specOf } from './status.js';

export interface ControllerDeps {
  save(): void;
  backoff: BackoffSettings;
  runtime: PodRuntime;
}

export class PodController {
  readonly live = new Map<string, LiveInstance>();
  private syncing = false;
  private dirty = false;
  private disposed = false;
  private wakeTimer?: unknown;
  private wakeAtMs?: number;
  private deadlineTimer?: unknown;
  /** Containers that `start` asked to run again although their policy would not restart them. */
  private forced = new Set<string>();
  /** The start verb in progress: the first failure it must report. */
  private startCall?: { error?: PodrunError };
  private busy?: Promise<unknown>;

  /** What the probes and hooks of an instance need of this pod. */
  private readonly instanceHost: InstanceHost;
  private readonly pausable: Pausable;

  constructor(
    readonly rec: PodRecord,
    readonly paths: PodPaths,
    private readonly deps: ControllerDeps,
  ) {
    this.instanceHost = {
      rec,
      isCurrent: (c, inst) => this.live.get(c.name) === inst && !this.disposed,
      save: () => this.save(),
      requestSync: () => this.requestSync(),
      event: (type, reason, message, container) => this.event(type, reason, message, container),
      runHandler: (c, h, o) => this.runtime.runHandler(this, c, h, o),
      stopOne: (c, grace, why) => this.stopOne(c, grace, why),
      specGrace: () => this.specGrace(),
      holdToken: () => probeHoldToken(rec),
    };
    this.pausable = {
      rec,
      name: rec.pod.metadata.name,
      save: () => this.save(),
      requestSync: () => this.requestSync(),
      event: (type, reason, message) => this.event(type, reason, message),
      now: () => this.isoNow(),
    };
  }

  get name(): string {
    return this.rec.pod.metadata.name;
  }

  private get runtime(): PodRuntime {
    return this.deps.runtime;
  }

  private get clock(): Clock {
    return this.deps.runtime.clock;
  }

  private isoNow(): string {
    return new Date(this.clock.now()).toISOString();
  }

  event(type: EventInput['type'], reason: string, message: string, container?: string): void {
    this.runtime.recordEvent(this.paths, { type, reason, message, ...(container ? { container } : {}) });
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

  /** Carries out what computePodActions decides, deciding again after every start. */
  private async syncOnce(): Promise<void> {
    // A paused pod starts nothing (a new instance would freeze in its cgroup); unpause syncs.
    while (!this.disposed && !this.rec.paused) {
      const plan = computePodActions(this.rec, this.clock.now(), { forced: this.forced, backoff: this.deps.backoff });
      if (await this.execute(plan.actions)) continue;
      if (plan.wakeAt !== undefined) this.wakeAt(plan.wakeAt);
      if (plan.settled) this.noteCompletion();
      return;
    }
  }

  /** The actions in order, up to the first start; true if it got there (the record changed). */
  private async execute(actions: PodAction[]): Promise<boolean> {
    for (const a of actions) {
      switch (a.kind) {
        case 'start':
          await this.startInstance(this.container(a.container));
          return true;
        case 'restart': {
          const c = this.container(a.container);
          c.backoff = a.backoff;
          await this.startInstance(c);
          return true;
        }
        case 'backOff': {
          this.container(a.container).waiting = a.waiting;
          this.runtime.recordEvent(this.paths, a.event);
          this.save();
          break;
        }
        case 'failStart':
          this.failStart(a.message, a.exitCode);
          break;
        case 'stopSidecars':
          void this.terminate(a.containers.map((n) => this.container(n)), this.specGrace(), a.why);
          break;
      }
    }
    return false;
  }

  /** A sync at `t`, the earliest back-off's end; a timer armed for no later is kept (every sync asks again). */
  private wakeAt(t: number): void {
    if (this.wakeTimer !== undefined && this.wakeAtMs !== undefined && this.wakeAtMs <= t) return;
    if (this.wakeTimer !== undefined) this.clock.clearTimeout(this.wakeTimer);
    this.wakeAtMs = t;
    // Timers may fire a millisecond before the clock reads `t`: a little slack, so that the sync finds the back-off over.
    this.wakeTimer = this.clock.setTimeout(() => {
      this.wakeTimer = undefined;
      this.wakeAtMs = undefined;
      this.requestSync();
    }, Math.max(0, t - this.clock.now()) + 5);
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
    const since = this.clock.now();
    const call: { error?: PodrunError } = {};
    await this.exclusive(async () => {
      if (this.disposed) throw new NotFoundError(`pod "${this.name}" not found`);
      if (this.rec.terminal) {
        throw new PodrunError(`pod "${this.name}" ended (${this.rec.terminal.reason}): create a new pod to run it again`);
      }
      if (this.rec.paused) throw new PodrunError(`pod "${this.name}" is paused: unpause it first`);
      this.rec.startedAt ??= this.isoNow();
      this.ensurePauseHolder();
      this.armDeadline();
      for (const name of forcedByStart(this.rec)) this.forced.add(name);
      for (const c of this.rec.containers) c.stopped = false;
      this.startCall = call;
      this.save();
      this.requestSync();
    });
    // Waited for outside the lock: rm (and stop) must never queue behind a start that waits.
    try {
      await this.until(() => {
        if (this.disposed) throw new PodrunError(`pod "${this.name}" was removed while starting`);
        if (call.error) throw call.error;
        const progress = startProgress(this.rec, since);
        if (typeof progress === 'object') throw new PodrunError(`pod "${this.name}" failed: ${progress.failed}`);
        return progress === 'done';
      });
    } finally {
      if (this.startCall === call) this.startCall = undefined;
    }
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
    if (s.pid && s.pidStart && this.runtime.isSameLiveProcess(s.pid, s.pidStart)) return;
    if (this.rec.pod.spec.shareProcessNamespace && this.rec.containers.some((c) => c.state === 'running')) {
      throw new PodrunError(`pod "${this.name}": the pause holder died, and with it the pod's PID namespace`);
    }
    const p = this.runtime.startPauseHolder(s);
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
    this.deadlineTimer = this.clock.setTimeout(() => void this.deadlineExceeded(), Math.max(0, at - this.clock.now()));
  }

  private async deadlineExceeded(): Promise<void> {
    const message = `Pod was active on the node longer than the specified deadline`;
    await this.failPod('DeadlineExceeded', message, this.specGrace(), 'the pod exceeded its activeDeadlineSeconds');
  }

  /** Evicted for its ephemeral storage (src/pod/eviction.ts): killed after the kubelet's 1 s, never restarted. */
  async evict(message: string): Promise<void> {
    await this.failPod('Evicted', message, EVICTION_GRACE_SECONDS, 'the pod was evicted', false);
  }

  /** Ends an active pod as a whole: phase Failed with the reason, a Warning event, its containers stopped for good. */
  private async failPod(reason: string, message: string, graceSec: number, why: string, floor = true): Promise<void> {
    if (this.disposed || this.rec.terminal) return;
    const phase = podPhase(this.rec);
    if (phase === 'Succeeded' || phase === 'Failed') return;
    this.rec.terminal = { reason, message };
    this.event('Warning', reason, message);
    this.save();
    await this.terminate(this.rec.containers, graceSec, why, floor);
    this.noteCompletion();
  }

  // ---- instances ----------------------------------------------------------------------------

  /** Starts a new instance of the container; a failure to start is recorded as its exit (StartError). */
  private async startInstance(c: ContainerRecord): Promise<void> {
    if (this.disposed) return;
    this.forced.delete(c.name);
    beginInstance(c);
    const spec = specOf(this.rec, c)!;
    const cfg = instanceConfig(this.rec, this.paths, c);
    const cpaths = this.paths.container(c.name);
    writeJsonAtomic(cpaths.config, cfg);
    this.runtime.createContainerCgroup(c.cgroup, spec);
    const startedAt = this.isoNow();
    let spawned: ContainerProcess;
    try {
      spawned = await this.runtime.spawnContainer({
        paths: cpaths,
        configPath: cpaths.config,
        namespaces: this.rec.sandbox.namespaces,
        pidNamespace: this.rec.pod.spec.shareProcessNamespace ? this.rec.sandbox.pidNamespace : undefined,
        cgroup: c.cgroup,
        ...(spec.tty || spec.stdin ? { stdio: { tty: spec.tty === true, stdin: spec.stdin === true } } : {}),
      });
    } catch (err) {
      const status = instanceFailedToStart(c, err, startedAt, this.isoNow());
      this.event('Warning', 'Failed', `Error: ${c.message}`, c.name);
      this.failStart(`container "${c.name}": ${c.message}`, status);
      this.save();
      return;
    }
    instanceRunning(c, spawned.pid, spawned.pidStart, startedAt);
    if (spawned.held) c.stdioHolder = spawned.held.holder;
    this.event('Normal', 'Created', `Created container ${c.name}`, c.name);
    this.event('Normal', 'Started', `Started container ${c.name}`, c.name);
    const inst = this.attach(c, spawned.pid, spawned.pidStart, spawned, spawned.exit.then(({ code, signal }) => ({ code, signal: signal ?? undefined })));
    this.save();
    void afterStart(this.instanceHost, c, inst, spec);
  }

  /** Log pumps and the exit watch of an instance (our child, or adopted through a pidfd). */
  private attach(
    c: ContainerRecord,
    pid: number,
    pidStart: number,
    streams: { stdout: Readable; stderr: Readable; held?: HeldStdio },
    exit: Promise<ForeignExit | { code: number | null; signal?: string; unknown?: undefined }>,
  ): LiveInstance {
    const pumps = pumpContainerLogs(streams, new CriLogFile(this.paths.containerLog(c.name, c.restartCount)));
    // The cgroup outlives instances: only OOM kills after this point are this instance's.
    const oomBase = this.runtime.oomKillCount(c.cgroup) ?? 0;
    const inst: LiveInstance = { pid, pidStart, pumps, workers: [], exited: Promise.resolve() };
    const spec = specOf(this.rec, c);
    inst.stdio = new ContainerStdio(streams.held, streams, spec?.stdin === true, spec?.stdinOnce === true);
    inst.exited = exit.then(async (st) => {
      // A terminal's pump ends at the master's EIO (every replica closed): read to the end
      // before the master goes.
      await Promise.all(pumps.map((p) => p.done));
      if (streams.held) this.runtime.closeHeldStdio(streams.held);
      for (const w of inst.workers) w.stop();
      if (c.pid !== pid || this.disposed) {
        inst.stdio?.end({ reason: 'exited' });
        return;
      }
      const oomKills = (this.runtime.oomKillCount(c.cgroup) ?? 0) - oomBase;
      if (st.unknown) instanceUnknown(c, this.isoNow());
      else instanceExited(c, st.code ?? undefined, st.signal, oomKills > 0, this.isoNow());
      if (!st.unknown && oomKills > 0) {
        this.event('Warning', 'OOMKilled', `Container ${c.name} was killed by the OOM killer: its cgroup's memory.events counts ${oomKills} oom_kill`, c.name);
      }
      inst.stdio?.end({ reason: 'exited', ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}) });
      c.stdioHolder = undefined;
      instanceGone(c);
      this.live.delete(c.name);
      this.save();
      this.requestSync();
    });
    this.live.set(c.name, inst);
    return inst;
  }

  /** The attach sessions of a running container (default: the first app container). */
  attachable(container?: string): ContainerStdio {
    const name = container ?? this.rec.pod.spec.containers[0].name;
    if (!this.rec.containers.some((x) => x.name === name)) throw new NotFoundError(`pod "${this.name}": container "${name}" not found`);
    const stdio = this.live.get(name)?.stdio;
    if (!stdio) throw new PodrunError(`pod "${this.name}": container "${name}" is not running`);
    return stdio;
  }

  // ---- adoption ------------------------------------------------------------------------------

  /** After a supervisor restart: watch live containers, resume probes, deadlines and restarts. */
  adopt(): void {
    reconcilePaused(this.rec, this.isoNow());
    for (const c of this.rec.containers) {
      if (c.state !== 'running') continue;
      if (c.pid && c.pidStart && this.runtime.isSameLiveProcess(c.pid, c.pidStart)) {
        this.watchAdopted(c);
      } else {
        instanceUnknown(c, this.isoNow());
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
    const exit = this.runtime.watchForeignExit(pid, pidStart);
    const cp = this.paths.container(c.name);
    const spec = specOf(this.rec, c);
    const held = c.stdioHolder ? this.runtime.adoptHeldStdio(c.stdioHolder, spec?.tty === true) : undefined;
    if (!held) c.stdioHolder = undefined;
    const fifos = () => ({ stdout: this.runtime.openFifoReader(cp.fifo('stdout')), stderr: this.runtime.openFifoReader(cp.fifo('stderr')) });
    // A terminal's output is its master's; the log FIFOs are not the container's stdout then.
    const streams = held?.tty ? { stdout: held.stream, stderr: Readable.from([]), held } : { ...fifos(), held };
    const inst = this.attach(c, pid, pidStart, streams, exit);
    if (!spec) return;
    if (c.started === false) {
      // postStart may not have returned before the supervisor died: deliver it again (at least once).
      void afterStart(this.instanceHost, c, inst, spec);
      return;
    }
    // Started already: liveness and readiness resume (readiness starts from not ready).
    c.ready = false;
    startProbes(this.instanceHost, c, inst, spec, ['liveness', 'readiness']);
  }

  // ---- pause ----------------------------------------------------------------------------------

  /** podrun pause / unpause (src/pod/pause.ts), in turn with the other verbs. */
  pause(): Promise<void> {
    return this.exclusive(() => pausePod(this.pausable));
  }

  unpause(): Promise<void> {
    return this.exclusive(() => unpausePod(this.pausable));
  }

  // ---- kill / stop / termination ---------------------------------------------------------------

  signal(c: ContainerRecord, sig: { name: string; number: number }): void {
    this.runtime.signalContainer(c, sig);
  }

  /** The grace the spec gives (pod terminationGracePeriodSeconds), with the kubelet's 2 s floor. */
  specGrace(): number {
    return Math.max(this.rec.pod.spec.terminationGracePeriodSeconds * 1000, MIN_GRACE_MS) / 1000;
  }

  /** What src/pod/termination.ts needs of this pod. */
  private stoppable(): Stoppable {
    return {
      rec: this.rec,
      clock: this.clock,
      signal: (c, sig) => this.signal(c, sig),
      exited: (c) => this.live.get(c.name)?.exited,
      runHook: (c, hook, timeoutMs) => this.runtime.runHandler(this, c, hook, { timeoutMs, userAgent: 'kube-lifecycle' }),
      event: (type, reason, message, container) => this.event(type, reason, message, container),
    };
  }

  /** One container (a probe or hook failure): it is restarted afterwards by its policy. */
  async stopOne(c: ContainerRecord, graceSec: number, why: string): Promise<void> {
    await stopContainers(this.stoppable(), [c], graceSec, why, true);
  }

  /** Stops containers for good (stop, rm, the deadline, completion): no restart until `start`. */
  async terminate(cs: ContainerRecord[], graceSec: number, why: string, floor = true): Promise<void> {
    // Frozen processes would not see the stop signal nor run preStop: thaw first. If that
    // fails, the SIGKILL at the end of the grace period still ends them (it works frozen).
    if (this.rec.paused) {
      await unpausePod(this.pausable, 'to stop it').catch((err: Error) =>
        this.event('Warning', 'FailedUnpause', `Could not thaw pod ${this.name} to stop it: ${err.message}`),
      );
    }
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
    if (this.wakeTimer !== undefined) this.clock.clearTimeout(this.wakeTimer);
    if (this.deadlineTimer !== undefined) this.clock.clearTimeout(this.deadlineTimer);
    for (const l of this.live.values()) for (const w of l.workers) w.stop();
    const deadline = this.clock.now() + 10_000;
    while (this.syncing && this.clock.now() < deadline) await this.clock.sleep(20);
    const pumps = [...this.live.values()].flatMap((l) => l.pumps);
    for (const p of pumps) p.close();
    await Promise.race([Promise.all(pumps.map((p) => p.done)), this.clock.sleep(2000)]);
    for (const w of [...this.waiters]) w();
  }
}

