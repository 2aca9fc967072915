// A recording PodRuntime for unit tests: no kernel, no root. Every call that would reach
// the kernel is appended to `calls`; container processes are fakes that a test ends
// with exit(); the clock is the global timers and Date (vi.useFakeTimers controls them).
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { PassThrough } from 'node:stream';
import type { EventInput } from '../../src/events/types.js';
import type { ForeignExit } from '../../src/pod/foreign-exit.js';
import type { Clock, ContainerProcess, PodRuntime } from '../../src/pod/runtime.js';
import type { ContainerRecord, SandboxRecord } from '../../src/state/records.js';
import type { StartError } from '../../src/util/errors.js';

export type Call =
  | { op: 'spawn'; container: string }
  | { op: 'signal'; container: string; signal: string }
  | { op: 'createCgroup'; path: string }
  | { op: 'createSandbox'; pod: string }
  | { op: 'destroySandbox'; dir: string }
  | { op: 'startPauseHolder' }
  | { op: 'resolveImage'; image: string };

/** What the next spawn of a container does. */
export type SpawnPlan =
  | 'run'
  /** The process exited (status 0) and its streams ended before the spawn returned. */
  | 'exitedAtOnce'
  | StartError;

class FakeProcess implements ContainerProcess {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly exit: Promise<{ code: number | null; signal: string | null }>;
  alive = true;
  private resolveExit!: (st: { code: number | null; signal: string | null }) => void;

  constructor(
    readonly container: string,
    readonly pid: number,
    readonly pidStart: number,
  ) {
    this.exit = new Promise((r) => (this.resolveExit = r));
  }

  end(code: number | null, signal: string | null = null): void {
    if (!this.alive) return;
    this.alive = false;
    this.stdout.end();
    this.stderr.end();
    this.resolveExit({ code, signal });
  }
}

export class FakeRuntime implements PodRuntime {
  readonly calls: Call[] = [];
  readonly events: EventInput[] = [];
  /** Spawn plans by container, taken in order; 'run' when none is left. */
  readonly plans = new Map<string, SpawnPlan[]>();
  /** Signals a container ignores (e.g. SIGTERM for a stubborn one); any other ends it. */
  readonly ignores = new Map<string, Set<string>>();
  private procs: FakeProcess[] = [];
  private nextPid = 100;
  private pauseAlive = false;

  readonly clock: Clock = {
    now: () => Date.now(),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };

  /** The live process of a container. */
  process(container: string): FakeProcess | undefined {
    return this.procs.find((p) => p.container === container && p.alive);
  }

  /** Ends the container's live process with an exit status (or a signal). */
  exit(container: string, code: number | null, signal: string | null = null): void {
    const p = this.process(container);
    if (!p) throw new Error(`container ${container} is not running`);
    p.end(code, signal);
  }

  /** A live container process that is not our child (left by a supervisor that died). */
  orphan(container: string): { pid: number; pidStart: number } {
    const p = new FakeProcess(container, this.nextPid++, 1);
    this.procs.push(p);
    return p;
  }

  ops(...kinds: Call['op'][]): Call[] {
    return this.calls.filter((c) => kinds.includes(c.op));
  }

  spawnContainer: PodRuntime['spawnContainer'] = async (req) => {
    const container = basename(req.paths.dir);
    this.calls.push({ op: 'spawn', container });
    const plan = this.plans.get(container)?.shift() ?? 'run';
    if (plan !== 'run' && plan !== 'exitedAtOnce') throw plan;
    const p = new FakeProcess(container, this.nextPid++, 1);
    this.procs.push(p);
    if (plan === 'exitedAtOnce') {
      // As a real socket whose 'end' and 'close' went by with nobody listening.
      p.end(0);
      p.stdout.destroy();
      p.stderr.destroy();
      await Promise.all([once(p.stdout, 'close'), once(p.stderr, 'close')]);
    }
    return p;
  };

  /** The log FIFO of a container's live process (…/containers/NAME/stdout.fifo): it ends when the process does. */
  openFifoReader = (path: string): PassThrough => {
    const p = this.process(basename(dirname(path)));
    if (!p) return new PassThrough().end();
    return basename(path).startsWith('stdout') ? p.stdout : p.stderr;
  };

  // The fake spawns no terminals or open stdins: nothing is ever held.
  adoptHeldStdio = (): undefined => undefined;
  closeHeldStdio = (): void => {};

  watchForeignExit = (pid: number): Promise<ForeignExit> => {
    const p = this.procs.find((x) => x.pid === pid);
    return p ? p.exit.then((st) => ({ code: st.code ?? undefined, ...(st.signal ? { signal: st.signal } : {}) })) : Promise.resolve({ unknown: true });
  };

  isSameLiveProcess = (pid: number): boolean => (pid === 1 ? this.pauseAlive : this.procs.some((p) => p.pid === pid && p.alive));

  signalContainer = (c: ContainerRecord, sig: { name: string; number: number }): void => {
    this.calls.push({ op: 'signal', container: c.name, signal: sig.name });
    if (sig.number !== 9 && this.ignores.get(c.name)?.has(sig.name)) return;
    this.process(c.name)?.end(null, sig.name);
  };

  createContainerCgroup = (path: string): void => void this.calls.push({ op: 'createCgroup', path });
  /** memory.events oom_kill by container cgroup name (ctr-NAME); 0 when unset. */
  readonly oomKills = new Map<string, number>();
  oomKillCount = (cgroup: string): number => this.oomKills.get(basename(cgroup)) ?? 0;
  checkResources = (): [] => [];
  podCgroupPath = (uid: string): string => `/fake/cgroup/pod-${uid}`;

  createSandbox: PodRuntime['createSandbox'] = (pod, paths) => {
    this.calls.push({ op: 'createSandbox', pod: pod.metadata.name });
    this.pauseAlive = true;
    const rec: SandboxRecord = {
      state: 'creating',
      cgroup: this.podCgroupPath(pod.metadata.uid!),
      hostname: pod.metadata.name,
      namespaces: { net: paths.ns('net'), ipc: paths.ns('ipc'), uts: paths.ns('uts') },
      pid: 1,
      pidStart: 1,
    };
    return rec;
  };

  destroySandbox: PodRuntime['destroySandbox'] = (paths) => {
    this.calls.push({ op: 'destroySandbox', dir: basename(paths.dir) });
    this.pauseAlive = false;
    rmSync(paths.dir, { recursive: true, force: true });
  };

  startPauseHolder = (): { pid: number; pidStart: number } => {
    this.calls.push({ op: 'startPauseHolder' });
    this.pauseAlive = true;
    return { pid: 1, pidStart: 1 };
  };

  /** The pause holder dies (it is started again by the next `start`). */
  killPauseHolder(): void {
    this.pauseAlive = false;
  }

  resolveImage: PodRuntime['resolveImage'] = async ({ image }) => {
    this.calls.push({ op: 'resolveImage', image });
    return { kind: 'host' };
  };

  runHandler: PodRuntime['runHandler'] = async () => ({ result: 'Success', output: '' });

  recordEvent = (_paths: unknown, ev: EventInput): void => void this.events.push(ev);
}
