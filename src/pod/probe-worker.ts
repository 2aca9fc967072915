// One prober per container instance and probe type, after the kubelet's prober worker
// (pkg/kubelet/prober/worker.go): a fixed ticker of periodSeconds; nothing before
// initialDelaySeconds (counted from the container's start); liveness and readiness wait
// for the container to be started, startup stops once it is; a result is published after
// failureThreshold / successThreshold consecutive equal results; a published liveness
// failure or any published startup result puts the worker on hold for this instance.
// podrun's: no attempt while the pod is paused, and none that a pause overlapped counts.
import type { ProbeOutcome } from '../probe/types.js';
import type { Probe } from '../model/pod.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';
export type { ProbeOutcome };

export interface ProbeHost {
  /** The container instance passed postStart and its startup probe. */
  started(): boolean;
  /** One attempt of the handler, bounded by timeoutSeconds. */
  attempt(): Promise<ProbeOutcome>;
  /** Every attempt's outcome (events: Unhealthy, ProbeWarning). */
  observed(outcome: ProbeOutcome): void;
  /** A result that reached its threshold. */
  publish(result: 'Success' | 'Failure', outcome: ProbeOutcome): void;
  /**
   * null while the pod is paused (frozen: no attempt), else a token that changes with each
   * pause, so that an attempt a pause overlapped is discarded. Absent: never held.
   */
  holdToken?(): number | null;
}

export class ProbeWorker {
  private timer?: NodeJS.Timeout;
  private inFlight = false;
  private onHold = false;
  private lastResult?: 'Success' | 'Failure';
  private run = 0;
  private stopped = false;

  constructor(
    readonly kind: ProbeKind,
    private readonly probe: Probe,
    private readonly startedAtMs: number,
    private readonly host: ProbeHost,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.probe.periodSeconds * 1000);
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  /** An extra attempt now (readiness right after the container is started). */
  trigger(): void {
    void this.tick();
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.onHold || this.inFlight) return;
    const started = this.host.started();
    if (this.kind === 'startup' ? started : !started) return;
    if (Date.now() < this.startedAtMs + this.probe.initialDelaySeconds * 1000) return;
    const hold = this.host.holdToken?.();
    if (hold === null) return;
    this.inFlight = true;
    let outcome: ProbeOutcome;
    try {
      outcome = await this.host.attempt();
    } catch (err) {
      outcome = { result: 'Unknown', output: (err as Error).message };
    } finally {
      this.inFlight = false;
    }
    if (this.stopped || this.host.holdToken?.() !== hold) return;
    this.host.observed(outcome);
    if (outcome.result === 'Unknown') return; // an internal error: neither success nor failure
    const result = outcome.result === 'Failure' ? 'Failure' : 'Success';
    if (result === this.lastResult) this.run++;
    else {
      this.lastResult = result;
      this.run = 1;
    }
    const threshold = result === 'Failure' ? this.probe.failureThreshold : this.probe.successThreshold;
    if (this.run < threshold) return;
    this.host.publish(result, outcome);
    if ((this.kind === 'liveness' && result === 'Failure') || this.kind === 'startup') {
      // The container is being killed (or has started): no more probing of this instance.
      this.onHold = true;
      this.run = 0;
    }
  }
}
