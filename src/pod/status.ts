// Kubernetes-shaped status of a pod, computed from its record (pure logic).
import type { ContainerRecord, PodRecord } from '../state/records.js';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface ContainerStateView {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: {
    exitCode?: number;
    signal?: number;
    reason: string;
    message?: string;
    startedAt?: string;
    finishedAt?: string;
  };
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGUSR1: 10, SIGUSR2: 12 };

export function containerState(c: ContainerRecord): ContainerStateView {
  switch (c.state) {
    case 'created':
      return { waiting: { reason: c.reason ?? 'ContainerCreating', ...(c.message ? { message: c.message } : {}) } };
    case 'running':
      return { running: { startedAt: c.startedAt! } };
    case 'exited':
    case 'unknown':
      return {
        terminated: {
          ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
          ...(c.signal ? { signal: SIGNALS[c.signal] } : {}),
          reason: c.reason ?? (c.exitCode === 0 ? 'Completed' : 'Error'),
          ...(c.message ? { message: c.message } : {}),
          ...(c.startedAt ? { startedAt: c.startedAt } : {}),
          ...(c.finishedAt ? { finishedAt: c.finishedAt } : {}),
        },
      };
  }
}

const isTerminated = (c: ContainerRecord) => c.state === 'exited' || c.state === 'unknown';
const failed = (c: ContainerRecord) => isTerminated(c) && c.exitCode !== 0;

/** The pod phase as the kubelet's getPhase computes it (restarts are not modelled yet). */
export function podPhase(rec: PodRecord): PodPhase {
  const inits = rec.containers.filter((c) => c.init);
  const apps = rec.containers.filter((c) => !c.init);
  const policy = rec.pod.spec.restartPolicy;
  if (inits.some(failed) && policy !== 'Always' && policy !== 'OnFailure') return 'Failed';
  if (!inits.every((c) => isTerminated(c) && c.exitCode === 0)) return 'Pending';
  if (apps.some((c) => c.state === 'created')) return apps.some((c) => c.state === 'running') ? 'Running' : 'Pending';
  if (apps.some((c) => c.state === 'running')) return 'Running';
  // Every app container has terminated.
  if (policy === 'Always' && !apps.every((c) => c.stopped)) return 'Running';
  if (apps.some(failed)) return policy === 'OnFailure' && !apps.every((c) => c.stopped) ? 'Running' : 'Failed';
  return 'Succeeded';
}

export interface Condition {
  type: string;
  status: 'True' | 'False';
  lastTransitionTime?: string;
  reason?: string;
}

export function podConditions(rec: PodRecord): Condition[] {
  const t = (b: boolean): 'True' | 'False' => (b ? 'True' : 'False');
  const inits = rec.containers.filter((c) => c.init);
  const apps = rec.containers.filter((c) => !c.init);
  const sandboxReady = rec.sandbox.state === 'ready';
  const initialized = inits.every((c) => isTerminated(c) && c.exitCode === 0);
  const ready = initialized && apps.every((c) => c.state === 'running');
  const phase = podPhase(rec);
  const completed = phase === 'Succeeded' || phase === 'Failed';
  return [
    { type: 'PodReadyToStartContainers', status: t(sandboxReady) },
    { type: 'Initialized', status: t(initialized), ...(initialized || completed ? {} : { reason: 'ContainersNotInitialized' }) },
    { type: 'Ready', status: t(ready), ...(ready ? {} : { reason: completed ? 'PodCompleted' : 'ContainersNotReady' }) },
    { type: 'ContainersReady', status: t(ready), ...(ready ? {} : { reason: completed ? 'PodCompleted' : 'ContainersNotReady' }) },
    { type: 'PodScheduled', status: 'True' },
  ];
}

export function containerStatus(rec: PodRecord, c: ContainerRecord) {
  const spec = [...rec.pod.spec.initContainers, ...rec.pod.spec.containers].find((x) => x.name === c.name);
  return {
    name: c.name,
    image: spec?.image ?? '',
    ready: c.state === 'running' && !c.init,
    started: c.state === 'running',
    restartCount: c.restartCount,
    state: containerState(c),
    lastState: c.last ? containerState({ ...c, ...c.last, pid: undefined }) : {},
    ...(c.state === 'running' && c.pid ? { pid: c.pid } : {}),
  };
}

/** The Pod object `inspect` prints: metadata, spec, status with podrun's fields. */
export function podView(rec: PodRecord) {
  const { pod } = rec;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.metadata.name,
      namespace: pod.metadata.namespace,
      uid: pod.metadata.uid,
      creationTimestamp: pod.metadata.creationTimestamp,
      ...(Object.keys(pod.metadata.labels).length ? { labels: pod.metadata.labels } : {}),
      ...(Object.keys(pod.metadata.annotations).length ? { annotations: pod.metadata.annotations } : {}),
    },
    spec: pod.spec,
    status: {
      phase: podPhase(rec),
      conditions: podConditions(rec),
      hostIP: '127.0.0.1',
      podIPs: [] as { ip: string }[],
      ...(rec.startedAt ? { startTime: rec.startedAt } : {}),
      initContainerStatuses: rec.containers.filter((c) => c.init).map((c) => containerStatus(rec, c)),
      containerStatuses: rec.containers.filter((c) => !c.init).map((c) => containerStatus(rec, c)),
      sandbox: {
        pid: rec.sandbox.pid,
        namespaces: rec.sandbox.namespaces,
        cgroup: rec.sandbox.cgroup,
      },
    },
  };
}
