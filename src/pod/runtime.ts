// What the pod lifecycle (controller, manager, termination) needs of the outside world,
// behind one injected interface: container processes and their signals, cgroups, OOM
// counts, pidfd exit watches, the sandbox and its pause holder, images, probe and hook
// handlers, events, and the clock. The supervisor uses the real one (kernel-runtime.ts);
// unit tests pass a recording fake, so that the lifecycle runs without root.
import type { Readable } from 'node:stream';
import type { ContainerRecord, SandboxRecord } from '../state/records.js';
import type { PodPaths } from '../state/paths.js';
import type { Container, Pod } from '../model/pod.js';
import type { ContainerImage, ImageRequest } from '../image/container-image.js';
import type { EventInput } from '../events/types.js';
import type { SpawnRequest } from '../container/spawn-container.js';
import type { HeldStdio, StdioHolder } from '../container/held-stdio.js';
import type { ProbeOutcome } from '../probe/types.js';
import type { ForeignExit } from './foreign-exit.js';
import type { UnmetNeed } from './resource-check.js';
import type { HandlerContext, HandlerOptions, Handler } from './handlers.js';

export interface Clock {
  /** Epoch ms. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
  sleep(ms: number): Promise<void>;
}

/** A container instance that was spawned and exec'd its command. */
export interface ContainerProcess {
  pid: number;
  /** /proc/PID/stat start time, against PID reuse. */
  pidStart: number;
  /** Settles when the process exits; listened to from the spawn on. */
  exit: Promise<{ code: number | null; signal: string | null }>;
  stdout: Readable;
  stderr: Readable;
  /** A terminal or an open stdin (the container's tty/stdin). */
  held?: HeldStdio;
}

export interface PodRuntime {
  readonly clock: Clock;

  // Container processes. spawnContainer rejects with a StartError when the init stage reports one.
  spawnContainer(req: SpawnRequest): Promise<ContainerProcess>;
  /** The read side of a container's log FIFO (re-adoption). */
  openFifoReader(path: string): Readable;
  /** A copy of what a live stdio holder holds (re-adoption); undefined when it is gone. */
  adoptHeldStdio(holder: StdioHolder, tty: boolean): HeldStdio | undefined;
  /** The instance is over: its stdio holder goes, and the supervisor's copy. */
  closeHeldStdio(h: HeldStdio): void;
  /** The exit of a process that is not our child (re-adoption). */
  watchForeignExit(pid: number, pidStart: number): Promise<ForeignExit>;
  isSameLiveProcess(pid: number, pidStart: number): boolean;
  /** Signals a running container (SIGKILL: its whole cgroup). */
  signalContainer(c: ContainerRecord, sig: { name: string; number: number }): void;

  // cgroups.
  /** A container's cgroup, with its limits (pod-resources-step.ts). */
  createContainerCgroup(path: string, c: Container): void;
  /** memory.events oom_kill of the cgroup, undefined when unreadable. */
  oomKillCount(cgroup: string): number | undefined;

  /**
   * What of the pod's resources this host cannot hold (resource-check.ts); throws the
   * refusal for a limit unless `ignoreMissing`.
   */
  checkResources(pod: Pod, ignoreMissing: boolean): UnmetNeed[];

  // The sandbox and its pause holder.
  podCgroupPath(uid: string): string;
  createSandbox(pod: Pod, paths: PodPaths): SandboxRecord;
  destroySandbox(paths: PodPaths, cgroup: string | undefined): void;
  startPauseHolder(rec: SandboxRecord): { pid: number; pidStart: number };

  /** A path image, or a named one from the store (pulled when its policy says so). */
  resolveImage(req: ImageRequest): Promise<ContainerImage>;
  /** A probe or lifecycle-hook handler against a container (exec, network, sleep). */
  runHandler(ctx: HandlerContext, c: ContainerRecord, h: Handler, o: HandlerOptions): Promise<ProbeOutcome>;
  recordEvent(paths: PodPaths, ev: EventInput): void;
}
