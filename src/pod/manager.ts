// The supervisor's registry of pods: create, remove, the verbs' entry points, status and
// wait, and re-adoption after a supervisor restart. Single writer of pod records; each
// pod's lifecycle (restarts, probes, hooks, termination) is its PodController's.
import type { ContainerStdio } from './attach.js';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LsmLabels } from '../container/init-config.js';
import { storedImage, type StoredImage } from './container-image.js';
import { releaseHold } from '../image/store/hold-file.js';
import type { SeccompProfileFile } from '../container/seccomp/profile.js';
import { selectSeccompProfile } from '../container/seccomp/select.js';
import { hostLsm, selectLsmLabels } from '../container/lsm.js';
import type { Pod } from '../model/pod.js';
import { writeJsonAtomic } from '../state/atomic.js';
import { StatePaths } from '../state/paths.js';
import { readPodRecord, type PodRecord } from '../state/records.js';
import { AlreadyExistsError, NotFoundError, PodrunError } from '../util/errors.js';
import { netConfigFromEnv } from '../net/net-config.js';
import { backoffFromEnv, type BackoffSettings } from './backoff.js';
import { StorageWatch, storageCheckFromEnv } from './eviction.js';
import { PodController } from './controller.js';
import { kernelRuntime } from './kernel-runtime.js';
import type { PodRuntime } from './runtime.js';
import { parseSignal } from '../model/signals.js';
import { podPhase, podView, trackConditions } from './status.js';

export class PodManager {
  private pods = new Map<string, PodController>();
  private changeWaiters = new Set<() => void>();
  private readonly backoff: BackoffSettings;
  /** Ephemeral-storage eviction (src/pod/eviction.ts). */
  private readonly storageWatch: StorageWatch;

  constructor(
    readonly state: StatePaths,
    env: NodeJS.ProcessEnv = process.env,
    private readonly runtime: PodRuntime = kernelRuntime,
  ) {
    mkdirSync(state.podsDir, { recursive: true });
    this.backoff = backoffFromEnv(env);
    // The network step reads them at each create; a bad value stops the supervisor at its start.
    netConfigFromEnv(env, state.root);
    this.storageWatch = new StorageWatch(storageCheckFromEnv(env), () => this.pods.values());
    this.storageWatch.start();
  }

  private now(): string {
    return new Date(this.runtime.clock.now()).toISOString();
  }

  get size(): number {
    return this.pods.size;
  }

  // ---- persistence -------------------------------------------------------------------

  private save(p: PodController): void {
    trackConditions(p.rec, this.now());
    writeJsonAtomic(p.paths.record, p.rec);
    p.changed();
    for (const w of this.changeWaiters) w();
  }

  private controller(rec: PodRecord, paths: ReturnType<StatePaths['pod']>): PodController {
    const p: PodController = new PodController(rec, paths, { save: () => this.save(p), backoff: this.backoff, runtime: this.runtime });
    return p;
  }

  private entry(name: string): PodController {
    const e = this.pods.get(name);
    if (!e) throw new NotFoundError(`pod "${name}" not found`);
    return e;
  }

  // ---- re-adoption ---------------------------------------------------------------------

  /** Loads every pod from disk; finishes half-done creates and removes; resumes the others. */
  adoptAll(): void {
    for (const name of readdirSync(this.state.podsDir)) {
      const paths = this.state.pod(name);
      const rec = readPodRecord(paths.record);
      if (!rec || rec.sandbox.state !== 'ready') {
        // Crashed mid-create or mid-remove: nothing of it may survive.
        const uid = rec?.pod.metadata.uid;
        try {
          this.runtime.destroySandbox(paths, rec?.sandbox.cgroup ?? (uid ? this.runtime.podCgroupPath(uid) : undefined));
        } catch (err) {
          process.stderr.write(`podrun supervisor: cleanup of ${name} failed: ${(err as Error).message}\n`);
        }
        continue;
      }
      const p = this.controller(rec, paths);
      this.pods.set(name, p);
      p.adopt();
    }
  }

  // ---- create ----------------------------------------------------------------------------

  /** Creates the pod; returns its name and what of its resources could not be applied. */
  async create(pod: Pod, opts: { ignoreMissingControllers?: boolean } = {}): Promise<{ name: string; warnings: string[] }> {
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
    pod.metadata.creationTimestamp = this.now().replace(/\.\d+Z$/, 'Z');
    const cgroup = this.runtime.podCgroupPath(pod.metadata.uid);
    const rec: PodRecord = {
      pod,
      createdAt: this.now(),
      sandbox: { state: 'creating', cgroup, hostname: '', namespaces: { net: '', ipc: '', uts: '' } },
      containers: [],
    };
    const e = this.controller(rec, paths);
    this.pods.set(name, e);
    try {
      const unmet = this.runtime.checkResources(pod, opts.ignoreMissingControllers === true);
      const unenforced = unmet.filter((u) => u.kind === 'limit').map((u) => u.message);
      if (unenforced.length) rec.unenforcedLimits = unenforced;
      writeJsonAtomic(paths.record, rec);
      const all = [
        ...pod.spec.initContainers.map((c, i) => ({ c, init: true, field: `spec.initContainers[${i}]` })),
        ...pod.spec.containers.map((c, i) => ({ c, init: false, field: `spec.containers[${i}]` })),
      ];
      const images = new Map<string, StoredImage>();
      const seccomp = new Map<string, SeccompProfileFile | null>();
      const lsm = new Map<string, LsmLabels>();
      const host = hostLsm();
      for (const { c, field } of all) {
        const image = await this.runtime.resolveImage({
          image: c.image,
          field: `${field}.image`,
          container: c.name,
          ...(c.imagePullPolicy ? { pullPolicy: c.imagePullPolicy } : {}),
          cacheDir: this.state.imageCache,
          storeRoot: this.state.imageStore,
          // A named image is held for the pod while its record names this uid (no GC under it).
          holder: { uid: pod.metadata.uid, record: paths.record },
        });
        images.set(c.name, storedImage(pod, c, field, image));
        seccomp.set(c.name, selectSeccompProfile(pod, c, field, this.state.seccompDir));
        lsm.set(c.name, selectLsmLabels(pod, c, field, host));
      }
      rec.sandbox = this.runtime.createSandbox(pod, paths);
      for (const { c, init } of all) {
        const cpaths = paths.container(c.name);
        mkdirSync(cpaths.dir, { recursive: true });
        const ccg = join(cgroup, init ? `init-${c.name}` : `ctr-${c.name}`);
        this.runtime.createContainerCgroup(ccg, c);
        writeFileSync(join(cpaths.dir, 'image.json'), JSON.stringify(images.get(c.name)));
        // Kept as validated at create, so that restarts load the same profile.
        writeFileSync(join(cpaths.dir, 'seccomp.json'), JSON.stringify(seccomp.get(c.name)));
        writeFileSync(join(cpaths.dir, 'lsm.json'), JSON.stringify(lsm.get(c.name)));
        const image = images.get(c.name)!;
        const stop = image.kind === 'layers' ? image.config.stopSignal : undefined;
        rec.containers.push({ name: c.name, init, state: 'created', cgroup: ccg, restartCount: 0, ...(stop ? { imageStopSignal: stop } : {}) });
      }
      rec.sandbox.state = 'ready';
      this.save(e);
      e.event('Normal', 'Scheduled', `Sandbox of pod ${name} created: hostname ${rec.sandbox.hostname}, cgroup ${cgroup}`);
      for (const u of unmet) e.event('Warning', u.kind === 'limit' ? 'LimitNotEnforced' : 'RequestNotApplied', u.message);
      return { name, warnings: unmet.map((u) => u.message) };
    } catch (err) {
      this.pods.delete(name);
      releaseHold(this.state.imageStore, pod.metadata.uid);
      try {
        this.runtime.destroySandbox(paths, cgroup);
      } catch (cleanupErr) {
        process.stderr.write(`podrun supervisor: rollback of ${name}: ${(cleanupErr as Error).message}\n`);
      }
      throw err;
    }
  }

  // ---- verbs -------------------------------------------------------------------------------

  async start(name: string): Promise<void> {
    await this.entry(name).start();
  }

  async kill(name: string, container: string | undefined, signal: string): Promise<number> {
    const e = this.entry(name);
    const sig = parseSignal(signal);
    const cs = (container ? [e.container(container)] : e.rec.containers).filter((c) => c.state === 'running');
    if (container && cs.length === 0) {
      throw new PodrunError(`pod "${name}": container "${container}" is not running`);
    }
    // The restart policy then applies, as if they had crashed.
    for (const c of cs) e.signal(c, sig);
    return cs.length;
  }

  /** Stops for good (until `start`): preStop, stop signal, grace (pod's, or -t), SIGKILL; sidecars last. */
  async stop(name: string, container: string | undefined, timeoutSec?: number): Promise<void> {
    const e = this.entry(name);
    const cs = container ? [e.container(container)] : e.rec.containers;
    // An explicit -t is taken as given (0 = SIGKILL now, like CRI StopContainer); the spec's grace gets the kubelet's 2 s floor.
    if (timeoutSec !== undefined) await e.terminate(cs, timeoutSec, 'stopped by podrun stop', false);
    else await e.terminate(cs, e.specGrace(), 'stopped by podrun stop');
  }

  async pause(name: string): Promise<void> {
    await this.entry(name).pause();
  }

  async unpause(name: string): Promise<void> {
    await this.entry(name).unpause();
  }

  // ---- remove ------------------------------------------------------------------------------

  async remove(name: string, force: boolean): Promise<boolean> {
    const e = this.pods.get(name);
    if (!e) {
      // A directory without a live entry (e.g. a crash before the record was written).
      const paths = this.state.pod(name);
      if (existsSync(paths.dir)) {
        this.runtime.destroySandbox(paths, readPodRecord(paths.record)?.sandbox.cgroup);
        return true;
      }
      if (force) return false;
      throw new NotFoundError(`pod "${name}" not found`);
    }
    return e.exclusive(async () => {
      // A concurrent rm of the same pod got there first: it is gone, as asked.
      if (this.pods.get(name) !== e) return true;
      const running = e.rec.containers.filter((c) => c.state === 'running');
      if (running.length && !force) {
        throw new PodrunError(`pod "${name}" has running containers (${running.map((c) => c.name).join(', ')}): stop it first or use rm -f`);
      }
      if (running.length) await e.terminate(e.rec.containers, e.specGrace(), 'pod removed');
      e.rec.sandbox.state = 'removing';
      writeJsonAtomic(e.paths.record, e.rec);
      await e.dispose();
      this.runtime.destroySandbox(e.paths, e.rec.sandbox.cgroup);
      releaseHold(this.state.imageStore, e.rec.pod.metadata.uid!);
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

  /** The attach sessions of a pod's running container (attach.ts). */
  attachable(name: string, container?: string): ContainerStdio {
    return this.entry(name).attachable(container);
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
      let timer: unknown;
      const waiter = () => {
        try {
          if (check()) finish(true);
        } catch (err) {
          this.changeWaiters.delete(waiter);
          if (timer !== undefined) this.runtime.clock.clearTimeout(timer);
          reject(err);
        }
      };
      const finish = (v: boolean) => {
        this.changeWaiters.delete(waiter);
        if (timer !== undefined) this.runtime.clock.clearTimeout(timer);
        resolve(v);
      };
      this.changeWaiters.add(waiter);
      if (timeoutSec !== undefined) timer = this.runtime.clock.setTimeout(() => finish(false), timeoutSec * 1000);
    });
  }

  phase(name: string) {
    return podPhase(this.entry(name).rec);
  }
}
