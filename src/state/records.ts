// The on-disk record of a pod. Only the supervisor writes it (one writer per root),
// the CLI reads it; writes are atomic renames.
import type { Pod } from '../spec/types.js';

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
  /** The previous instance's end, once the container has been started again. */
  last?: Pick<ContainerRecord, 'state' | 'exitCode' | 'signal' | 'reason' | 'message' | 'startedAt' | 'finishedAt'>;
  /** Set by stop: no restart until the next start. */
  stopped?: boolean;
}

export type SandboxState = 'creating' | 'ready' | 'removing';

export interface SandboxRecord {
  state: SandboxState;
  pid?: number;
  pidStart?: number;
  cgroup: string;
  namespaces: { net: string; ipc: string; uts: string };
  pidNamespace?: string;
  hostname: string;
}

export interface PodRecord {
  pod: Pod;
  createdAt: string;
  startedAt?: string;
  sandbox: SandboxRecord;
  containers: ContainerRecord[];
}
