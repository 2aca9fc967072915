// Kubernetes-shaped status of a pod, computed from its record (pure logic): the phase as
// the kubelet's getPhase computes it, the conditions of status/generate.go, container states.
import type { Container } from '../model/pod.js';
import type { ContainerStateView, PodConditionView as Condition, PodPhase, PodView } from '../model/pod-view.js';
import type { ContainerRecord, PodRecord } from '../state/records.js';
import { parseSignal } from '../model/signals.js';
import { PAUSED, pausedCondition } from './pause.js';
import { podSpecView } from './spec-view.js';
import { qosClass } from './pod-resources.js';


type Exit = Pick<ContainerRecord, 'state' | 'exitCode' | 'signal' | 'reason' | 'message' | 'startedAt' | 'finishedAt'>;

function terminatedView(c: Exit): ContainerStateView {
  return {
    terminated: {
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      ...(c.signal ? { signal: parseSignal(c.signal).number } : {}),
      reason: c.reason ?? (c.exitCode === 0 ? 'Completed' : 'Error'),
      ...(c.message ? { message: c.message } : {}),
      ...(c.startedAt ? { startedAt: c.startedAt } : {}),
      ...(c.finishedAt ? { finishedAt: c.finishedAt } : {}),
    },
  };
}

export const isTerminated = (c: ContainerRecord) => c.state === 'exited' || c.state === 'unknown';
/** Terminated and due for a restart (backing off): Kubernetes shows it as waiting. */
const isRestarting = (c: ContainerRecord) => isTerminated(c) && c.waiting !== undefined;

export function specOf(rec: PodRecord, c: ContainerRecord): Container | undefined {
  return (c.init ? rec.pod.spec.initContainers : rec.pod.spec.containers).find((x) => x.name === c.name);
}

export function isSidecar(rec: PodRecord, c: ContainerRecord): boolean {
  return c.init && specOf(rec, c)?.restartPolicy === 'Always';
}

export function containerState(c: ContainerRecord, podHasInit = false): ContainerStateView {
  switch (c.state) {
    case 'created':
      return {
        waiting: {
          reason: c.waiting?.reason ?? c.reason ?? (podHasInit ? 'PodInitializing' : 'ContainerCreating'),
          ...(c.waiting?.message ? { message: c.waiting.message } : c.message ? { message: c.message } : {}),
        },
      };
    case 'running':
      return { running: { startedAt: c.startedAt! } };
    case 'exited':
    case 'unknown':
      if (c.waiting) return { waiting: { reason: c.waiting.reason, message: c.waiting.message } };
      return terminatedView(c);
  }
}

/** started: running, postStart returned and the startup probe (if any) succeeded. */
export const isStarted = (c: ContainerRecord) => c.state === 'running' && c.started !== false;

export function isReady(rec: PodRecord, c: ContainerRecord): boolean {
  if (c.init && !isSidecar(rec, c)) return isTerminated(c) && c.exitCode === 0;
  // A container being stopped for good is no longer ready (the kubelet drops readiness on deletion).
  if (!isStarted(c) || c.stopped) return false;
  return specOf(rec, c)?.readinessProbe ? c.ready === true : true;
}

/** The pod is being ended as a whole: deadline, removal, or every app container stopped for good. */
export function podIsTerminal(rec: PodRecord): boolean {
  const apps = rec.containers.filter((c) => !c.init);
  return rec.terminal !== undefined || rec.sandbox.state === 'removing' || apps.every((c) => c.stopped);
}

/** kubelet getPhase (pkg/kubelet/kubelet_pods.go). */
export function podPhase(rec: PodRecord): PodPhase {
  const policy = rec.pod.spec.restartPolicy;
  let pendingInit = 0;
  let failedInit = 0;
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  let waiting = 0;
  for (const c of rec.containers.filter((x) => x.init)) {
    if (isSidecar(rec, c)) {
      if (c.state === 'running') {
        running++;
        if (!isStarted(c)) pendingInit++;
      } else if (c.state === 'created') pendingInit++;
      continue;
    }
    if (c.state === 'running' || c.state === 'created') pendingInit++;
    else if (c.exitCode !== 0) failedInit++;
  }
  let anyAppStarted = false;
  for (const c of rec.containers.filter((x) => !x.init)) {
    if (c.startedAt || c.last) anyAppStarted = true;
    if (c.state === 'running') running++;
    else if (isTerminated(c)) {
      stopped++;
      if (!isRestarting(c) && c.exitCode === 0) succeeded++;
    } else waiting++;
  }
  if (rec.terminal) return 'Failed';
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  if ((pendingInit > 0 && !anyAppStarted) || waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (podIsTerminal(rec)) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/** podrun's condition: False when the pod runs without limits this host could not enforce. */
export const LIMITS_ENFORCED = 'podrun.io/LimitsEnforced';

/** status/generate.go: PodReadyToStartContainers, Initialized, ContainersReady, Ready. */
export function podConditions(rec: PodRecord): Condition[] {
  const t = (b: boolean): 'True' | 'False' => (b ? 'True' : 'False');
  const inits = rec.containers.filter((c) => c.init);
  const apps = rec.containers.filter((c) => !c.init);
  const phase = podPhase(rec);
  const sandboxReady = rec.sandbox.state === 'ready' && !(phase === 'Succeeded' || phase === 'Failed');
  const incomplete = inits.filter((c) => (isSidecar(rec, c) ? !isStarted(c) : !(isTerminated(c) && c.exitCode === 0)));
  const appStarted = apps.some((c) => c.startedAt || c.last);
  const initialized = incomplete.length === 0 || appStarted;
  const unready = [...inits.filter((c) => isSidecar(rec, c)), ...apps].filter((c) => !isReady(rec, c));
  const ready = unready.length === 0;
  const notReady = () =>
    phase === 'Succeeded'
      ? { reason: 'PodCompleted' }
      : phase === 'Failed'
        ? { reason: 'PodFailed' }
        : { reason: 'ContainersNotReady', message: `containers with unready status: [${unready.map((c) => c.name).join(' ')}]` };
  const list: Condition[] = [
    { type: 'PodReadyToStartContainers', status: t(sandboxReady) },
    {
      type: 'Initialized',
      status: t(initialized),
      ...(initialized
        ? {}
        : { reason: 'ContainersNotInitialized', message: `containers with incomplete status: [${incomplete.map((c) => c.name).join(' ')}]` }),
    },
    { type: 'Ready', status: t(ready), ...(ready ? {} : notReady()) },
    { type: 'ContainersReady', status: t(ready), ...(ready ? {} : notReady()) },
    { type: 'PodScheduled', status: 'True' },
    // Only for a pod created with limits this host cannot enforce (resource-check.ts).
    ...(rec.unenforcedLimits?.length
      ? [{ type: LIMITS_ENFORCED, status: 'False' as const, reason: 'MissingCgroupControllers', message: rec.unenforcedLimits.join('; ') }]
      : []),
  ];
  for (const c of list) {
    const known = rec.conditions?.[c.type];
    if (known) c.lastTransitionTime = known.lastTransitionTime;
  }
  const paused = pausedCondition(rec);
  if (paused) list.push(paused);
  return list;
}

/** Records condition transitions (for lastTransitionTime); returns the types that changed. */
export function trackConditions(rec: PodRecord, at: string): string[] {
  const changed: string[] = [];
  rec.conditions ??= {};
  for (const c of podConditions(rec)) {
    const known = rec.conditions[c.type];
    if (!known || known.status !== c.status) {
      rec.conditions[c.type] = { status: c.status, lastTransitionTime: at.replace(/\.\d+Z$/, 'Z') };
      changed.push(c.type);
    }
  }
  return changed;
}

export function containerStatus(rec: PodRecord, c: ContainerRecord) {
  const spec = specOf(rec, c);
  const hasInit = rec.pod.spec.initContainers.length > 0 && !c.init;
  // While backing off, the instance that ended is the last state (as Kubernetes reports it).
  const lastState = isRestarting(c) ? terminatedView(c) : c.last ? terminatedView(c.last) : {};
  return {
    name: c.name,
    image: spec?.image ?? '',
    ready: isReady(rec, c),
    started: isStarted(c),
    restartCount: c.restartCount,
    state: containerState(c, hasInit),
    lastState,
    ...(c.state === 'running' && c.pid ? { pid: c.pid } : {}),
  };
}

/**
 * podIP(s): the pod's addresses, IPv4 first (a hostNetwork pod's are the host's, as on
 * Kubernetes). hostIP(s): the host's addresses (a node's, as Kubernetes reports them). A pod
 * without a network record (made before networking) has loopback only, as it had then.
 */
function networkStatus(rec: PodRecord): Pick<PodView['status'], 'hostIP' | 'hostIPs' | 'podIP' | 'podIPs'> {
  const net = rec.sandbox.network;
  const hostIPs = net?.hostIPs ?? ['127.0.0.1'];
  const podIPs = net?.podIPs ?? [];
  return {
    hostIP: hostIPs[0],
    hostIPs: hostIPs.map((ip) => ({ ip })),
    ...(podIPs.length ? { podIP: podIPs[0] } : {}),
    podIPs: podIPs.map((ip) => ({ ip })),
  };
}

/** The Pod object `inspect` prints: metadata, spec, status with podrun's fields. */
export function podView(rec: PodRecord): PodView {
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
    spec: podSpecView(pod.spec),
    status: {
      phase: podPhase(rec),
      ...(rec.terminal ? { reason: rec.terminal.reason, message: rec.terminal.message } : {}),
      conditions: podConditions(rec),
      ...networkStatus(rec),
      ...(rec.startedAt ? { startTime: rec.startedAt } : {}),
      initContainerStatuses: rec.containers.filter((c) => c.init).map((c) => containerStatus(rec, c)),
      containerStatuses: rec.containers.filter((c) => !c.init).map((c) => containerStatus(rec, c)),
      qosClass: qosClass(pod.spec),
      sandbox: {
        pid: rec.sandbox.pid,
        namespaces: rec.sandbox.namespaces,
        cgroup: rec.sandbox.cgroup,
      },
    },
  };
}

type StatusView = ReturnType<typeof containerStatus>;

/**
 * The STATUS column of `kubectl get pods` (printPod in kubectl's printers): the phase,
 * or what a human needs instead: `Init:1/2`, `Init:CrashLoopBackOff`, `CrashLoopBackOff`,
 * `Completed`, `Error`, `PodInitializing`, `NotReady`, `DeadlineExceeded`; and podrun's `Paused`.
 */
export function displayStatus(view: PodView): string {
  const { status, spec } = view;
  // podrun's: a frozen pod (podrun pause), as Docker shows it.
  const paused = status.conditions.some((c) => c.type === PAUSED && c.status === 'True');
  if (paused && (status.phase === 'Running' || status.phase === 'Pending')) return 'Paused';
  let reason: string = status.reason ?? status.phase;
  const terminatedReason = (t: NonNullable<StatusView['state']['terminated']>, prefix: string) =>
    t.reason ? prefix + t.reason : t.signal ? `${prefix}Signal:${t.signal}` : `${prefix}ExitCode:${t.exitCode}`;
  let initializing = false;
  status.initContainerStatuses.forEach((c, i) => {
    if (initializing) return;
    const sidecar = spec.initContainers[i]?.restartPolicy === 'Always';
    const t = c.state.terminated;
    const w = c.state.waiting;
    if (t && t.exitCode === 0) return;
    if (sidecar && c.started) return;
    initializing = true;
    if (t) reason = terminatedReason(t, 'Init:');
    else if (w?.reason && w.reason !== 'PodInitializing') reason = `Init:${w.reason}`;
    else reason = `Init:${i}/${spec.initContainers.length}`;
  });
  if (initializing || status.reason) return reason;
  let hasRunning = false;
  for (const c of [...status.containerStatuses].reverse()) {
    const t = c.state.terminated;
    if (c.state.waiting?.reason) reason = c.state.waiting.reason;
    else if (t) reason = terminatedReason(t, '');
    else if (c.ready && c.state.running) hasRunning = true;
  }
  if (reason === 'Completed' && hasRunning) {
    reason = status.conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
  }
  return reason;
}
