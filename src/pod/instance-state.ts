// How a container's record changes over one instance's life (pure): a new instance
// (the old one becomes lastState), running, a failure to start, the exit as Kubernetes
// reports it, or an exit nobody saw. `at` is the ISO time of the change.
import { parseSignal } from '../model/signals.js';
import type { ContainerRecord } from '../state/records.js';
import { StartError } from '../util/errors.js';
import { isTerminated } from './status.js';

/** A new instance: the old one becomes lastState and keeps its log file (logs --previous). */
export function beginInstance(c: ContainerRecord): void {
  if (isTerminated(c)) {
    const { state, exitCode, signal, reason, message, startedAt, finishedAt } = c;
    c.last = { state, exitCode, signal, reason, message, startedAt, finishedAt };
    c.restartCount += 1;
  }
  c.waiting = undefined;
}

export function instanceRunning(c: ContainerRecord, pid: number, pidStart: number, startedAt: string): void {
  Object.assign(c, {
    state: 'running',
    pid,
    pidStart,
    startedAt,
    finishedAt: undefined,
    exitCode: undefined,
    signal: undefined,
    reason: undefined,
    message: undefined,
    started: false,
    ready: false,
  });
}

/**
 * The instance could not be started: recorded as its exit, with the init stage's reason
 * and code (a StartError) or StartError/128. Returns the exit status `start` reports.
 */
export function instanceFailedToStart(c: ContainerRecord, err: unknown, startedAt: string, at: string): number {
  const f = err instanceof StartError ? err : undefined;
  Object.assign(c, {
    state: 'exited',
    exitCode: f?.containerExitCode ?? 128,
    reason: f?.reason ?? 'StartError',
    message: (err as Error).message,
    startedAt,
    finishedAt: at,
    pid: undefined,
    started: false,
    ready: false,
  });
  return f?.containerExitCode ?? 125;
}

/** The exit: a signal counts as 128 + its number; the reason says OOMKilled, a failed postStart hook, Completed or Error. */
export function instanceExited(c: ContainerRecord, code: number | undefined, sig: string | undefined, oomKilled: boolean, at: string): void {
  c.state = 'exited';
  c.finishedAt = at;
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

/** It ended while nobody watched and its status could not be read: no exit code is invented. */
export function instanceUnknown(c: ContainerRecord, at: string): void {
  c.state = 'unknown';
  c.finishedAt = c.finishedAt ?? at;
  c.reason = 'ContainerStatusUnknown';
  c.message = 'the container exited while the podrun supervisor was not running; its exit status could not be read';
  c.exitCode = undefined;
}

/** No process any more: not started, not ready. */
export function instanceGone(c: ContainerRecord): void {
  c.pid = undefined;
  c.started = false;
  c.ready = false;
}
