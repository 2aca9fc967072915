// What the kubelet derives from a pod's resources (pure): the QoS class (v1/helper/qos),
// the oom_score_adj of each container (pkg/kubelet/qos/policy.go), the pod cgroup's
// values (ResourceConfigForPod in pkg/kubelet/cm/helpers_linux.go, with the init and
// sidecar rules of component-helpers' PodRequests/PodLimits), each container's values
// (kuberuntime's generateLinuxContainerResources) and the controllers all of them need.
import type { CgroupLimits } from '../cgroup/limit-files.js';
import { milliCpuToShares } from '../cgroup/limit-files.js';
import type { Controller } from '../cgroup/controllers.js';
import { hugePageSize } from '../manifest/resources.js';
import type { Container, Pod, PodSpec } from '../model/pod.js';
import type { PodQOSClass } from '../model/pod-view.js';
import type { ResourceList } from '../model/resources.js';
import { PIDS_LIMIT_ANNOTATION } from '../manifest/resources.js';


const QOS_RESOURCES = ['cpu', 'memory'] as const;
const GUARANTEED_OOM_SCORE_ADJ = -997;
const BEST_EFFORT_OOM_SCORE_ADJ = 1000;

const isSidecar = (c: Container) => c.restartPolicy === 'Always';

/** ComputePodQOS: init containers count like the others. */
export function qosClass(spec: PodSpec): PodQOSClass {
  const requests: ResourceList = {};
  const limits: ResourceList = {};
  let guaranteed = true;
  for (const c of [...spec.containers, ...spec.initContainers]) {
    for (const name of QOS_RESOURCES) {
      const req = c.resources.requests[name];
      if (req !== undefined && req > 0n) requests[name] = (requests[name] ?? 0n) + req;
      const lim = c.resources.limits[name];
      if (lim !== undefined && lim > 0n) limits[name] = (limits[name] ?? 0n) + lim;
    }
    if (!QOS_RESOURCES.every((n) => (c.resources.limits[n] ?? 0n) > 0n)) guaranteed = false;
  }
  const reqNames = Object.keys(requests);
  if (reqNames.length === 0 && Object.keys(limits).length === 0) return 'BestEffort';
  if (guaranteed && reqNames.every((n) => limits[n] === requests[n]) && reqNames.length === Object.keys(limits).length) {
    return 'Guaranteed';
  }
  return 'Burstable';
}

/**
 * GetContainerOOMScoreAdjust: Guaranteed -997, BestEffort 1000, Burstable
 * 1000 - 1000*memoryRequest/nodeMemory within [3, 999]; a sidecar no higher than the
 * regular container with the smallest memory request.
 */
export function oomScoreAdj(spec: PodSpec, c: Container, nodeMemory: bigint): number {
  const qos = qosClass(spec);
  if (qos === 'Guaranteed') return GUARANTEED_OOM_SCORE_ADJ;
  if (qos === 'BestEffort') return BEST_EFFORT_OOM_SCORE_ADJ;
  const fromRequest = (mem: bigint) => 1000n - (1000n * mem) / nodeMemory;
  let adj = fromRequest(c.resources.requests.memory ?? 0n);
  if (isSidecar(c) && spec.initContainers.includes(c)) {
    const regular = spec.containers.map((x) => x.resources.requests.memory ?? 0n);
    const min = regular.reduce((a, b) => (b < a ? b : a), regular[0] ?? 0n);
    const cap = fromRequest(min);
    if (adj > cap) adj = cap;
  }
  const floor = BigInt(1000 + GUARANTEED_OOM_SCORE_ADJ);
  if (adj < floor) return Number(floor);
  if (adj === BigInt(BEST_EFFORT_OOM_SCORE_ADJ)) return BEST_EFFORT_OOM_SCORE_ADJ - 1;
  return Number(adj);
}

function add(into: ResourceList, from: ResourceList): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0n) + v;
}

function max(into: ResourceList, from: ResourceList): void {
  for (const [k, v] of Object.entries(from)) if (into[k] === undefined || v > into[k]!) into[k] = v;
}

/**
 * AggregateContainerRequests / AggregateContainerLimits: the app containers and sidecars
 * summed; then at least what each init container needs while it runs (itself plus the
 * sidecars started before it). `each` sees every container's list as counted.
 */
function aggregate(spec: PodSpec, pick: (r: Container['resources']) => ResourceList, each?: (l: ResourceList) => void): ResourceList {
  const total: ResourceList = {};
  for (const c of spec.containers) {
    each?.(pick(c.resources));
    add(total, pick(c.resources));
  }
  const sidecars: ResourceList = {};
  const initMax: ResourceList = {};
  for (const c of spec.initContainers) {
    let counted: ResourceList;
    if (isSidecar(c)) {
      add(total, pick(c.resources));
      add(sidecars, pick(c.resources));
      counted = { ...sidecars };
    } else {
      counted = { ...pick(c.resources) };
      add(counted, sidecars);
    }
    each?.(counted);
    max(initMax, counted);
  }
  max(total, initMax);
  return total;
}

/** PodLimits: the pod's limits as the kubelet sums them (eviction reads its ephemeral-storage). */
export function podLimits(spec: PodSpec): ResourceList {
  return aggregate(spec, (r) => r.limits);
}

function hugePagesOf(list: ResourceList): Map<bigint, bigint> {
  const out = new Map<bigint, bigint>();
  for (const [name, v] of Object.entries(list)) {
    const size = hugePageSize(name);
    if (size !== undefined) out.set(size, v);
  }
  return out;
}

/** The pod's pids limit from its annotation (validated by the manifest parser). */
export function podPidsLimit(pod: Pod): number | undefined {
  const v = pod.metadata.annotations[PIDS_LIMIT_ANNOTATION];
  return v === undefined ? undefined : Number(v);
}

/**
 * ResourceConfigForPod: Guaranteed pods get the summed cpu quota and memory limit;
 * Burstable pods each only when every container has that limit; BestEffort pods the
 * minimum shares. Shares from the summed requests; hugepages from the requests.
 */
export function podCgroupLimits(pod: Pod): CgroupLimits {
  const { spec } = pod;
  let cpuDeclared = true;
  let memoryDeclared = true;
  const requests = aggregate(spec, (r) => r.requests);
  const limits = aggregate(spec, (r) => r.limits, (l) => {
    if (!l.cpu) cpuDeclared = false;
    if (!l.memory) memoryDeclared = false;
  });
  const qos = qosClass(spec);
  const pidsMax = podPidsLimit(pod);
  const base = { hugePages: hugePagesOf(requests), ...(pidsMax !== undefined ? { pidsMax } : {}) };
  if (qos === 'BestEffort') return { cpuShares: milliCpuToShares(0n), ...base };
  const guaranteed = qos === 'Guaranteed';
  return {
    cpuShares: milliCpuToShares(requests.cpu ?? 0n),
    ...(guaranteed || cpuDeclared ? { cpuLimit: limits.cpu ?? 0n } : {}),
    ...(guaranteed || memoryDeclared ? { memoryLimit: limits.memory ?? 0n } : {}),
    ...base,
  };
}

/** A container's values: shares from its request (or its limit), its limits, no swap. */
export function containerCgroupLimits(c: Container): CgroupLimits {
  const { requests, limits } = c.resources;
  const cpuRequest = requests.cpu ?? 0n;
  const shares = milliCpuToShares(cpuRequest === 0n && limits.cpu ? limits.cpu : cpuRequest);
  return {
    cpuShares: shares,
    ...(limits.cpu ? { cpuLimit: limits.cpu } : {}),
    ...(limits.memory ? { memoryLimit: limits.memory } : {}),
    noSwap: true,
    hugePages: hugePagesOf(limits),
  };
}

/** Something the pod asks for that a controller must hold. */
export interface ResourceNeed {
  field: string;
  controller: Controller;
  /** A limit missing is refused (unless opted out); a request only warned about. */
  kind: 'limit' | 'request';
  /** For hugepages: the page size the kernel must have. */
  pageSize?: bigint;
}

export function resourceNeeds(pod: Pod): ResourceNeed[] {
  const needs: ResourceNeed[] = [];
  const lists: Array<[Container, string]> = [
    ...pod.spec.initContainers.map((c, i): [Container, string] => [c, `spec.initContainers[${i}]`]),
    ...pod.spec.containers.map((c, i): [Container, string] => [c, `spec.containers[${i}]`]),
  ];
  for (const [c, path] of lists) {
    const { requests, limits } = c.resources;
    const at = (list: string, name: string) => `${path}.resources.${list}.${name}`;
    if (limits.memory) needs.push({ field: at('limits', 'memory'), controller: 'memory', kind: 'limit' });
    if (limits.cpu) needs.push({ field: at('limits', 'cpu'), controller: 'cpu', kind: 'limit' });
    else if (requests.cpu) needs.push({ field: at('requests', 'cpu'), controller: 'cpu', kind: 'request' });
    for (const name of Object.keys(limits)) {
      const pageSize = hugePageSize(name);
      if (pageSize !== undefined) needs.push({ field: at('limits', name), controller: 'hugetlb', kind: 'limit', pageSize });
    }
  }
  if (podPidsLimit(pod) !== undefined) {
    needs.push({ field: `metadata.annotations[${PIDS_LIMIT_ANNOTATION}]`, controller: 'pids', kind: 'limit' });
  }
  return needs;
}
