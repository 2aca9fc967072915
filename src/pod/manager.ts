// The supervisor's pod lifecycle: create, start, kill, stop, remove, status and wait,
// and re-adoption of pods after a supervisor restart. Single writer of pod records.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kill as killPid, pidfdExitStatus, pidfdOpen, closeFd } from '../../native-bindings/libc.js';
import { createCgroup, killCgroup } from '../cgroup/cgroup2.js';
import { containerArgv, containerEnv, userOf, type BindMount, type InitConfig } from '../container/init-config.js';
import { spawnContainer, openFifoReader, type SpawnedContainer } from '../container/spawn-container.js';
import { isSameLiveProcess, processExists } from '../kernel/procfs.js';
import { resolveImage } from '../image/resolve.js';
import type { Container, Pod } from '../spec/types.js';
import { readJson, writeJsonAtomic } from '../state/atomic.js';
import { StatePaths, type PodPaths } from '../state/paths.js';
import type { ContainerRecord, PodRecord } from '../state/records.js';
import { AlreadyExistsError, NotFoundError, PodrunError } from '../util/errors.js';
import { ContainerLogPump, pumpContainerLogs } from './log-pump.js';
import { CriLogFile } from '../logs/log-file.js';
import { createSandbox, destroySandbox, podCgroupPath, startPauseHolder } from './sandbox.js';
import { parseSignal, signalName } from './signals.js';
import { podPhase, podView } from './status.js';
import type { InitFailure } from '../container/init-stage.js';

interface LiveContainer {
  pid: number;
  pidStart: number;
  exited: Promise<void>;
  pumps: ContainerLogPump[];
}

interface PodEntry {
  rec: PodRecord;
  paths: PodPaths;
  live: Map<string, LiveContainer>;
  busy?: Promise<unknown>;
}

const now = () => new Date().toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class PodManager {
  private pods = new Map<string, PodEntry>();
  private changeWaiters = new Set<() => void>();

  constructor(readonly state: StatePaths) {
    mkdirSync(state.podsDir, { recursive: true });
  }

  get size(): number {
    return this.pods.size;
  }

  // ---- persistence -------------------------------------------------------------------

  private save(e: PodEntry): void {
    writeJsonAtomic(e.paths.record, e.rec);
    for (const w of this.changeWaiters) w();
  }

  private entry(name: string): PodEntry {
    const e = this.pods.get(name);
    if (!e) throw new NotFoundError(`pod "${name}" not found`);
    return e;
  }

  /** Serialises lifecycle operations on one pod; different pods proceed concurrently. */
  private async exclusive<T>(e: PodEntry, fn: () => Promise<T>): Promise<T> {
    const prev = e.busy ?? Promise.resolve();
    const run = prev.catch(() => {}).then(fn);
    e.busy = run;
    try {
      return await run;
    } finally {
      if (e.busy === run) e.busy = undefined;
    }
  }

  // ---- re-adoption ---------------------------------------------------------------------

  /** Loads every pod from disk; finishes half-done creates and removes; re-attaches to live containers. */
  adoptAll(): void {
    for (const name of readdirSync(this.state.podsDir)) {
      const paths = this.state.pod(name);
      const rec = readJson<PodRecord>(paths.record);
      if (!rec || rec.sandbox.state !== 'ready') {
        // Crashed mid-create or mid-remove: nothing of it may survive.
        const uid = rec?.pod.metadata.uid;
        try {
          destroySandbox(paths, rec?.sandbox.cgroup ?? (uid ? podCgroupPath(uid) : undefined));
        } catch (err) {
          process.stderr.write(`podrun supervisor: cleanup of ${name} failed: ${(err as Error).message}\n`);
        }
        continue;
      }
      const e: PodEntry = { rec, paths, live: new Map() };
      this.pods.set(name, e);
      for (const c of rec.containers) {
        if (c.state !== 'running') continue;
        if (c.pid && c.pidStart && isSameLiveProcess(c.pid, c.pidStart)) {
          this.watchAdopted(e, c);
        } else {
          this.markExitedWhileAway(c, undefined);
        }
      }
      this.save(e);
    }
  }

  private markExitedWhileAway(c: ContainerRecord, status: number | undefined): void {
    c.state = status === undefined ? 'unknown' : 'exited';
    c.finishedAt = c.finishedAt ?? now();
    c.pid = undefined;
    if (status === undefined) {
      c.reason = 'ContainerStatusUnknown';
      c.message = 'the container exited while the podrun supervisor was not running; its exit status could not be read';
      c.exitCode = undefined;
    } else {
      this.recordExit(c, (status >> 8) & 0xff, status & 0x7f ? signalName(status & 0x7f) : undefined);
    }
  }

  /** Watches a container that is not our child: a pidfd reports its exit status (kernel 6.15+). */
  private watchAdopted(e: PodEntry, c: ContainerRecord): void {
    let pidfd = -1;
    try {
      pidfd = pidfdOpen(c.pid!);
    } catch {
      pidfd = -1;
    }
    const pumps = this.startPumps(e, c, {
      stdout: openFifoReader(e.paths.container(c.name).fifo('stdout')),
      stderr: openFifoReader(e.paths.container(c.name).fifo('stderr')),
    });
    const pid = c.pid!;
    const pidStart = c.pidStart!;
    const exited = (async () => {
      while (isSameLiveProcess(pid, pidStart)) await sleep(250);
      // The kernel records the exit status for pidfds when the zombie is reaped, by
      // whoever inherited it (PID 1 here, which may take seconds): wait for that, bounded.
      const deadline = Date.now() + 30_000;
      while (processExists(pid, pidStart) && Date.now() < deadline) await sleep(100);
      let status: number | undefined;
      for (let i = 0; i < 10 && pidfd >= 0 && status === undefined; i++) {
        status = pidfdExitStatus(pidfd);
        if (status === undefined) await sleep(50);
      }
      if (pidfd >= 0) closeFd(pidfd);
      await Promise.all(pumps.map((p) => p.done));
      const cur = e.rec.containers.find((x) => x.name === c.name);
      if (cur && cur.pid === pid) {
        this.markExitedWhileAway(cur, status);
        e.live.delete(c.name);
        if (this.pods.get(e.rec.pod.metadata.name) === e) this.save(e);
      }
    })();
    e.live.set(c.name, { pid, pidStart, exited, pumps });
  }

  // ---- create ----------------------------------------------------------------------------

  async create(pod: Pod): Promise<string> {
    const name = pod.metadata.name;
    if (this.pods.has(name)) throw new AlreadyExistsError(`pod "${name}" already exists`);
    const paths = this.state.pod(name);
    try {
      mkdirSync(paths.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new AlreadyExistsError(`pod "${name}" already exists`);
      throw err;
    }
    pod.metadata.uid = randomUUID();
    pod.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const cgroup = podCgroupPath(pod.metadata.uid);
    const rec: PodRecord = {
      pod,
      createdAt: now(),
      sandbox: { state: 'creating', cgroup, hostname: '', namespaces: { net: '', ipc: '', uts: '' } },
      containers: [],
    };
    const e: PodEntry = { rec, paths, live: new Map() };
    this.pods.set(name, e);
    try {
      writeJsonAtomic(paths.record, rec);
      const all = [
        ...pod.spec.initContainers.map((c, i) => ({ c, init: true, field: `spec.initContainers[${i}]` })),
        ...pod.spec.containers.map((c, i) => ({ c, init: false, field: `spec.containers[${i}]` })),
      ];
      const images = new Map<string, InitConfig['image']>();
      for (const { c, field } of all) {
        images.set(c.name, await resolveImage(c.image, `${field}.image`, this.state.imageCache));
        containerArgv(c, new Map(), field); // command is required for path images
      }
      rec.sandbox = createSandbox(pod, paths);
      for (const { c, init } of all) {
        const cpaths = paths.container(c.name);
        mkdirSync(cpaths.dir, { recursive: true });
        const ccg = join(cgroup, init ? `init-${c.name}` : `ctr-${c.name}`);
        createCgroup(ccg);
        writeFileSync(join(cpaths.dir, 'image.json'), JSON.stringify(images.get(c.name)));
        rec.containers.push({ name: c.name, init, state: 'created', cgroup: ccg, restartCount: 0 });
      }
      rec.sandbox.state = 'ready';
      this.save(e);
      return name;
    } catch (err) {
      this.pods.delete(name);
      try {
        destroySandbox(paths, cgroup);
      } catch (cleanupErr) {
        process.stderr.write(`podrun supervisor: rollback of ${name}: ${(cleanupErr as Error).message}\n`);
      }
      throw err;
    }
  }

  // ---- start -------------------------------------------------------------------------------

  async start(name: string): Promise<void> {
    const e = this.entry(name);
    await this.exclusive(e, async () => {
      if (!e.rec.startedAt) e.rec.startedAt = now();
      this.ensurePauseHolder(e);
      for (const c of e.rec.containers) c.stopped = false;
      for (const c of e.rec.containers.filter((x) => x.init)) {
        if (c.state === 'exited' && c.exitCode === 0) continue;
        if (c.state === 'running') {
          await e.live.get(c.name)?.exited;
        } else {
          await this.startContainer(e, c);
          await e.live.get(c.name)?.exited;
        }
        if (c.exitCode !== 0) {
          throw new PodrunError(`pod "${name}": init container "${c.name}" failed with exit code ${c.exitCode ?? 'unknown'}`, 1);
        }
      }
      for (const c of e.rec.containers.filter((x) => !x.init)) {
        if (c.state === 'running') continue;
        await this.startContainer(e, c);
      }
    });
  }

  /** The pause holder may have been killed; the pinned namespaces outlive it, so start another. */
  private ensurePauseHolder(e: PodEntry): void {
    const s = e.rec.sandbox;
    if (s.pid && s.pidStart && isSameLiveProcess(s.pid, s.pidStart)) return;
    if (e.rec.pod.spec.shareProcessNamespace && e.rec.containers.some((c) => c.state === 'running')) {
      throw new PodrunError(`pod "${e.rec.pod.metadata.name}": the pause holder died, and with it the pod's PID namespace`);
    }
    const p = startPauseHolder(s);
    s.pid = p.pid;
    s.pidStart = p.pidStart;
    s.pidNamespace = `/proc/${p.pid}/ns/pid`;
    this.save(e);
  }

  private initConfig(e: PodEntry, c: ContainerRecord): InitConfig {
    const { pod } = e.rec;
    const specs = c.init ? pod.spec.initContainers : pod.spec.containers;
    const idx = specs.findIndex((x) => x.name === c.name);
    const spec: Container = specs[idx];
    const field = `spec.${c.init ? 'initContainers' : 'containers'}[${idx}]`;
    const cpaths = e.paths.container(c.name);
    const env = containerEnv(spec, e.rec.sandbox.hostname);
    const mounts: BindMount[] = spec.volumeMounts.map((m, i) => {
      const vol = pod.spec.volumes.find((v) => v.name === m.name)!;
      let source = vol.hostPath ? vol.hostPath.path : e.paths.volume(vol.name);
      if (m.subPath) {
        source = join(source, m.subPath);
        if (!existsSync(source)) mkdirSync(source, { recursive: true });
      }
      return { source, target: m.mountPath, readOnly: m.readOnly, field: `${field}.volumeMounts[${i}]` };
    });
    const { uid, gid } = userOf(pod, spec);
    return {
      podName: pod.metadata.name,
      containerName: c.name,
      image: readJson<InitConfig['image']>(join(cpaths.dir, 'image.json'))!,
      rootfs: cpaths.rootfs,
      upper: cpaths.upper,
      work: cpaths.work,
      cgroup: c.cgroup,
      shm: e.paths.shm,
      etcFiles: {
        hostname: join(e.paths.etcDir, 'hostname'),
        hosts: join(e.paths.etcDir, 'hosts'),
        resolv: join(e.paths.etcDir, 'resolv.conf'),
      },
      mounts,
      argv: containerArgv(spec, env, field),
      env: [...env].map(([k, v]) => `${k}=${v}`),
      cwd: spec.workingDir ?? '/',
      uid,
      gid,
    };
  }

  private async startContainer(e: PodEntry, c: ContainerRecord): Promise<void> {
    if (c.state === 'exited' || c.state === 'unknown') {
      // A new instance: the old one becomes lastState and keeps its log file (logs --previous).
      const { state, exitCode, signal, reason, message, startedAt: s0, finishedAt } = c;
      c.last = { state, exitCode, signal, reason, message, startedAt: s0, finishedAt };
      c.restartCount += 1;
    }
    const cfg = this.initConfig(e, c);
    const cpaths = e.paths.container(c.name);
    writeJsonAtomic(cpaths.config, cfg);
    createCgroup(c.cgroup);
    const startedAt = now();
    let spawned: SpawnedContainer;
    try {
      spawned = await spawnContainer({
        paths: cpaths,
        configPath: cpaths.config,
        namespaces: e.rec.sandbox.namespaces,
        pidNamespace: e.rec.pod.spec.shareProcessNamespace ? e.rec.sandbox.pidNamespace : undefined,
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
      });
      this.save(e);
      throw new PodrunError(`pod "${e.rec.pod.metadata.name}", container "${c.name}": ${c.message}`, f?.exitCode ?? 125);
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
    });
    const pumps = this.startPumps(e, c, spawned);
    const exited = new Promise<void>((resolve) => {
      void spawned.exit.then(({ code, signal: sig }) => {
        void Promise.all(pumps.map((p) => p.done)).then(() => {
          const cur = e.rec.containers.find((x) => x.name === c.name);
          if (cur && cur.pid === spawned.pid) {
            this.recordExit(cur, code ?? undefined, sig ?? undefined);
            cur.pid = undefined;
            e.live.delete(c.name);
            if (this.pods.get(e.rec.pod.metadata.name) === e) this.save(e);
          }
          resolve();
        });
      });
    });
    e.live.set(c.name, { pid: spawned.pid, pidStart: spawned.pidStart, exited, pumps });
    this.save(e);
  }

  private recordExit(c: ContainerRecord, code: number | undefined, sig: string | undefined): void {
    c.state = 'exited';
    c.finishedAt = now();
    if (sig) {
      c.signal = sig;
      c.exitCode = 128 + parseSignal(sig).number;
    } else {
      c.exitCode = code ?? 0;
    }
    c.reason = c.exitCode === 0 ? 'Completed' : 'Error';
  }

  private startPumps(
    e: PodEntry,
    c: ContainerRecord,
    s: { stdout: import('node:net').Socket; stderr: import('node:net').Socket },
  ): ContainerLogPump[] {
    return pumpContainerLogs(s, new CriLogFile(e.paths.containerLog(c.name, c.restartCount)));
  }

  // ---- kill / stop -------------------------------------------------------------------------

  private targets(e: PodEntry, container?: string): ContainerRecord[] {
    if (!container) return e.rec.containers;
    const c = e.rec.containers.find((x) => x.name === container);
    if (!c) throw new NotFoundError(`pod "${e.rec.pod.metadata.name}": container "${container}" not found`);
    return [c];
  }

  private signalContainer(c: ContainerRecord, sig: { name: string; number: number }): void {
    if (c.state !== 'running' || !c.pid || !c.pidStart) return;
    if (sig.number === 9) {
      // The whole container, exec'd processes included.
      killCgroup(c.cgroup);
    } else if (isSameLiveProcess(c.pid, c.pidStart)) {
      killPid(c.pid, sig.number);
    }
  }

  async kill(name: string, container: string | undefined, signal: string): Promise<number> {
    const e = this.entry(name);
    const sig = parseSignal(signal);
    const cs = this.targets(e, container).filter((c) => c.state === 'running');
    if (container && cs.length === 0) {
      throw new PodrunError(`pod "${name}": container "${container}" is not running`);
    }
    for (const c of cs) this.signalContainer(c, sig);
    return cs.length;
  }

  async stop(name: string, container: string | undefined, timeoutSec?: number): Promise<void> {
    const e = this.entry(name);
    const cs = this.targets(e, container);
    const grace = timeoutSec ?? e.rec.pod.spec.terminationGracePeriodSeconds;
    await this.stopContainers(e, cs, grace);
  }

  private async stopContainers(e: PodEntry, cs: ContainerRecord[], graceSec: number): Promise<void> {
    for (const c of cs) c.stopped = true;
    const running = cs.filter((c) => c.state === 'running');
    const waits = running.map((c) => e.live.get(c.name)?.exited ?? Promise.resolve());
    if (graceSec > 0) for (const c of running) this.signalContainer(c, { name: 'SIGTERM', number: 15 });
    const all = Promise.all(waits);
    const timedOut = await Promise.race([all.then(() => false), sleep(graceSec * 1000).then(() => true)]);
    if (timedOut || graceSec === 0) {
      for (const c of running) if (c.state === 'running') this.signalContainer(c, { name: 'SIGKILL', number: 9 });
      await Promise.race([all, sleep(10_000)]);
    }
    this.save(e);
  }

  // ---- remove ------------------------------------------------------------------------------

  async remove(name: string, force: boolean): Promise<boolean> {
    const e = this.pods.get(name);
    if (!e) {
      // A directory without a live entry (e.g. a crash before the record was written).
      const paths = this.state.pod(name);
      if (existsSync(paths.dir)) {
        destroySandbox(paths, readJson<PodRecord>(paths.record)?.sandbox.cgroup);
        return true;
      }
      if (force) return false;
      throw new NotFoundError(`pod "${name}" not found`);
    }
    return this.exclusive(e, async () => {
      const running = e.rec.containers.filter((c) => c.state === 'running');
      if (running.length && !force) {
        throw new PodrunError(`pod "${name}" has running containers (${running.map((c) => c.name).join(', ')}): stop it first or use rm -f`);
      }
      if (running.length) await this.stopContainers(e, running, e.rec.pod.spec.terminationGracePeriodSeconds);
      e.rec.sandbox.state = 'removing';
      writeJsonAtomic(e.paths.record, e.rec);
      for (const l of e.live.values()) for (const p of l.pumps) p.close();
      destroySandbox(e.paths, e.rec.sandbox.cgroup);
      this.pods.delete(name);
      for (const w of this.changeWaiters) w();
      return true;
    });
  }

  // ---- queries -----------------------------------------------------------------------------

  list() {
    return [...this.pods.values()].map((e) => podView(e.rec));
  }

  get(name: string) {
    return podView(this.entry(name).rec);
  }

  record(name: string): PodRecord {
    return this.entry(name).rec;
  }

  /** Resolves true when the condition holds, false on time-out. */
  async wait(name: string, forWhat: 'ready' | 'completed', timeoutSec?: number): Promise<boolean> {
    const check = () => {
      const e = this.pods.get(name);
      if (!e) throw new NotFoundError(`pod "${name}" not found`);
      const view = podView(e.rec);
      if (forWhat === 'completed') return view.status.phase === 'Succeeded' || view.status.phase === 'Failed';
      if (view.status.phase === 'Succeeded' || view.status.phase === 'Failed') {
        throw new PodrunError(`pod "${name}" completed (${view.status.phase}) and will never be ready`);
      }
      return view.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
    };
    if (check()) return true;
    return new Promise<boolean>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = () => {
        try {
          if (check()) finish(true);
        } catch (err) {
          this.changeWaiters.delete(waiter);
          if (timer) clearTimeout(timer);
          reject(err);
        }
      };
      const finish = (v: boolean) => {
        this.changeWaiters.delete(waiter);
        if (timer) clearTimeout(timer);
        resolve(v);
      };
      this.changeWaiters.add(waiter);
      if (timeoutSec !== undefined) timer = setTimeout(() => finish(false), timeoutSec * 1000);
    });
  }

  phase(name: string) {
    return podPhase(this.entry(name).rec);
  }
}
