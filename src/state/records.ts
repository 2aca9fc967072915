// The on-disk record of a pod. Only the supervisor writes it (one writer per root),
// the CLI reads it; writes are atomic renames.
import type { Pod } from '../model/pod.js';
import type { PodNetworkMode } from '../model/pod-network.js';
import type { ContainerResources, ResourceList } from '../model/resources.js';
import { NotFoundError } from '../util/errors.js';
import { readJson } from './atomic.js';
import type { StatePaths } from './paths.js';

export type ContainerRunState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerRecord {
  name: string;
  init: boolean;
  state: ContainerRunState;
  pid?: number;
  /** /proc/PID/stat start time of `pid`, to defeat PID reuse. */
  pidStart?: number;
  cgroup: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  signal?: string;
  reason?: string;
  message?: string;
  restartCount: number;
  /** The image's STOPSIGNAL (a named image's config), used when the manifest sets none. */
  imageStopSignal?: string;
  /** The previous instance's end, once the container has been started again. */
  last?: Pick<ContainerRecord, 'state' | 'exitCode' | 'signal' | 'reason' | 'message' | 'startedAt' | 'finishedAt'>;
  /** Set by stop: no restart until the next start. */
  stopped?: boolean;
  /** postStart returned and the startup probe (if any) succeeded for this instance. */
  started?: boolean;
  /** The readiness probe's published result for this instance (true without a probe once started). */
  ready?: boolean;
  /** Why the container is not running now although it should (e.g. CrashLoopBackOff), with the restart time. */
  waiting?: { reason: string; message: string; until?: number };
  /** CrashLoopBackOff state (see src/pod/backoff.ts). */
  backoff?: BackoffEntry;
  /** The running instance's stdio holder (tty or stdin: src/container/held-stdio.ts). */
  stdioHolder?: { pid: number; pidStart: number };
}

/** A container's CrashLoopBackOff state (the arithmetic is src/pod/backoff.ts). */
export interface BackoffEntry {
  /** The current delay, in ms. */
  delayMs: number;
  /** When the entry was last advanced (a restart), epoch ms. */
  lastUpdate: number;
}

export type SandboxState = 'creating' | 'ready' | 'removing';

/** A pod's network (src/net); absent in records of podrun before networking: no network. */
export interface NetworkRecord {
  driver: PodNetworkMode;
  /** IPv4 first; empty without an address of the pod's own (none). */
  podIPs: string[];
  /** The host's addresses, IPv4 first (src/net/net-config.ts hostAddresses). */
  hostIPs: string[];
  /** The host end of the pod's veth pair (bridge). */
  veth?: string;
}

export interface SandboxRecord {
  state: SandboxState;
  pid?: number;
  pidStart?: number;
  cgroup: string;
  namespaces: { net: string; ipc: string; uts: string };
  pidNamespace?: string;
  hostname: string;
  network?: NetworkRecord;
}

export interface ConditionRecord {
  status: 'True' | 'False';
  lastTransitionTime: string;
}

export interface PodRecord {
  pod: Pod;
  createdAt: string;
  startedAt?: string;
  /** Set when the pod was ended as a whole (deadline): phase Failed with this reason. */
  terminal?: { reason: string; message: string };
  /** Set while the pod is frozen by `podrun pause` (src/pod/pause.ts). */
  paused?: { since: string };
  /** How many times the pod was paused: the probes' hold token. */
  pauseCount?: number;
  /** Limits this host could not enforce, accepted at create with the opt-in (resource-check.ts). */
  unenforcedLimits?: string[];
  /** Last known status of each condition, to report lastTransitionTime. */
  conditions?: Record<string, ConditionRecord>;
  sandbox: SandboxRecord;
  containers: ContainerRecord[];
}

function reviveList(list: Record<string, string | bigint> | undefined): ResourceList {
  return Object.fromEntries(Object.entries(list ?? {}).map(([k, v]) => [k, BigInt(v)]));
}

/**
 * A pod record from disk: its resource quantities, written as decimal strings
 * (writeJsonAtomic), become bigints again; a record from before resources gets empty lists.
 */
export function readPodRecord(path: string): PodRecord | undefined {
  const rec = readJson<PodRecord>(path);
  for (const c of rec ? [...rec.pod.spec.initContainers, ...rec.pod.spec.containers] : []) {
    const r = c.resources as Partial<ContainerResources> | undefined;
    c.resources = { requests: reviveList(r?.requests), limits: reviveList(r?.limits) };
  }
  return rec;
}

/** The record of a pod that exists (its sandbox is ready); NotFoundError otherwise. */
export function loadPodRecord(state: StatePaths, pod: string): PodRecord {
  const rec = readPodRecord(state.pod(pod).record);
  if (!rec || rec.sandbox.state !== 'ready') throw new NotFoundError(`pod "${pod}" not found`);
  return rec;
}
