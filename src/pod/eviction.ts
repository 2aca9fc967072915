// Ephemeral-storage eviction, as the kubelet's eviction manager does it for local storage
// (localStorageEviction in pkg/kubelet/eviction): every interval, the use of each pod
// with a limit is measured (src/pod/storage-usage.ts) and checked in the kubelet's order,
// the first limit passed evicting the pod: an emptyDir over its sizeLimit, the pod over the
// total of its containers' ephemeral-storage limits, an app container over its own limit.
// Evicted: phase Failed, reason Evicted, a Warning event Evicted, with the kubelet's
// message, and the containers killed after the kubelet's 1 s grace, never restarted.
import type { Pod } from '../model/pod.js';
import { canonicalBytes, canonicalQuantity } from '../model/quantity-canonical.js';
import type { PodPaths } from '../state/paths.js';
import type { PodRecord } from '../state/records.js';
import { InvalidInputError } from '../util/errors.js';
import { podLimits } from './pod-resources.js';
import { measurePodStorage, type PodStorageUsage } from './storage-usage.js';
import { podPhase } from './status.js';

/** The kubelet's immediateEvictionGracePeriodSeconds. */
export const EVICTION_GRACE_SECONDS = 1;
/** The kubelet's eviction monitoring interval (housekeeping), 10 s. */
export const DEFAULT_STORAGE_CHECK_MS = 10_000;

const EPHEMERAL = 'ephemeral-storage';

/**
 * The pod's ephemeral-storage limit as the kubelet sums it (resourcehelper.PodLimits):
 * present as soon as one container has a limit, even if others have none.
 */
export function podStorageLimit(pod: Pod): bigint | undefined {
  return podLimits(pod.spec)[EPHEMERAL];
}

/** A pod worth measuring: a disk-backed emptyDir with a sizeLimit, or an ephemeral-storage limit. */
export function hasStorageLimits(pod: Pod): boolean {
  return podStorageLimit(pod) !== undefined || pod.spec.volumes.some((v) => v.emptyDir && v.emptyDir.medium !== 'Memory' && v.emptyDir.sizeLimitBytes);
}

/** The kubelet's eviction message for the first limit passed (its texts end with ". "), or undefined. */
export function storageEvictionMessage(pod: Pod, usage: PodStorageUsage): string | undefined {
  for (const v of pod.spec.volumes) {
    const size = v.emptyDir?.sizeLimitBytes;
    const used = usage.volumes[v.name];
    if (size && used !== undefined && used > size) {
      return `Usage of EmptyDir volume "${v.name}" exceeds the limit "${canonicalQuantity(v.emptyDir!.sizeLimit!)}". `;
    }
  }
  const podLimit = podStorageLimit(pod);
  if (podLimit !== undefined) {
    const ctrs = Object.values(usage.containers).reduce((n, c) => n + c.rootfs + c.logs, 0);
    const vols = Object.values(usage.volumes).reduce((n, b) => n + b, 0);
    if (BigInt(ctrs + vols + usage.podFiles) > podLimit) {
      return `Pod ephemeral local storage usage exceeds the total limit of containers ${canonicalBytes(podLimit)}. `;
    }
  }
  for (const c of pod.spec.containers) {
    const limit = c.resources.limits[EPHEMERAL];
    const u = usage.containers[c.name];
    if (limit && u && BigInt(u.rootfs + u.logs) > limit) {
      return `Container ${c.name} exceeded its local ephemeral storage limit "${canonicalBytes(limit)}". `;
    }
  }
  return undefined;
}

/** PODRUN_STORAGE_CHECK_SECONDS: how often pods with limits are measured (default 10 s). */
export function storageCheckFromEnv(env: NodeJS.ProcessEnv): number {
  const v = env.PODRUN_STORAGE_CHECK_SECONDS;
  if (v === undefined || v === '') return DEFAULT_STORAGE_CHECK_MS;
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || n <= 0) throw new InvalidInputError('PODRUN_STORAGE_CHECK_SECONDS', `"${v}": must be a positive number of seconds`);
  return Math.max(1, Math.round(n * 1000));
}

/** What the watch needs of each pod (its controller). */
export interface Evictable {
  readonly rec: PodRecord;
  readonly paths: PodPaths;
  evict(message: string): Promise<void>;
}

/** Measures every active pod with limits each interval, one round at a time, and evicts. */
export class StorageWatch {
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(
    private readonly intervalMs: number,
    private readonly pods: () => Iterable<Evictable>,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.round(), this.intervalMs);
    this.timer.unref(); // never what keeps an idle supervisor alive
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async round(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const p of [...this.pods()]) {
        const { rec } = p;
        const phase = podPhase(rec);
        if (rec.terminal || rec.sandbox.state !== 'ready' || phase === 'Succeeded' || phase === 'Failed') continue;
        if (!hasStorageLimits(rec.pod) || !rec.containers.some((c) => c.state === 'running')) continue;
        const message = storageEvictionMessage(rec.pod, await measurePodStorage(rec.pod, p.paths));
        // Not awaited: the kill takes the grace period, the other pods need not wait for it.
        if (message && !rec.terminal && rec.sandbox.state === 'ready') p.evict(message).catch((err) => this.failed(err));
      }
    } catch (err) {
      this.failed(err);
    } finally {
      this.busy = false;
    }
  }

  private failed(err: unknown): void {
    process.stderr.write(`podrun supervisor: storage check: ${(err as Error).stack ?? err}\n`);
  }
}
