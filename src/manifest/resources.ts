// A container's `resources` (requests and limits), parsed and defaulted as Kubernetes does:
// quantities as apimachinery reads them, rounded up to milli precision
// (SetDefaults_ResourceList), a limit without a request defaults the request
// (SetDefaults_Pod), then ValidateResourceRequirements' rules: no negative value, a
// request at most its limit, hugepages requested exactly as limited, as whole pages, and
// only beside cpu or memory. Values: cpu in millicores, everything else in bytes
// (Quantity.Value(), rounded up).
import { quote } from '../model/names.js';
import { parseMilliQuantity } from '../model/quantity.js';
import type { ContainerResources, ResourceList } from '../model/resources.js';
import { checkFields, EMPTY, fail, get, isObject, join, type Obj } from './fields.js';

const HUGEPAGES_PREFIX = 'hugepages-';
const NAMES = 'cpu, memory, ephemeral-storage or hugepages-<page size>';

/** A quantity written as a JSON/YAML string or number ("500m", 0.5, 1). */
function quantityText(raw: unknown, field: string): string {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  return fail(field, 'must be a quantity such as "500m", "1.5", "128Mi" or "1G"');
}

/** The page size of a hugepages-<size> name, in bytes; undefined for other names and bad sizes. */
export function hugePageSize(name: string): bigint | undefined {
  if (!name.startsWith(HUGEPAGES_PREFIX)) return undefined;
  const milli = parseMilliQuantity(name.slice(HUGEPAGES_PREFIX.length));
  return milli !== null && milli > 0n && milli % 1000n === 0n ? milli / 1000n : undefined;
}

function isKnownName(name: string): boolean {
  return name === 'cpu' || name === 'memory' || name === 'ephemeral-storage' || name.startsWith(HUGEPAGES_PREFIX);
}

/** Milli-units to the list's unit: millicores for cpu, whole bytes (rounded up) otherwise. */
function listValue(name: string, milli: bigint): bigint {
  return name === 'cpu' ? milli : (milli + 999n) / 1000n;
}

/** One of requests/limits; also returns each value as written, for messages. */
function parseList(o: Obj, key: 'requests' | 'limits', path: string): { list: ResourceList; text: Record<string, string> } {
  const raw = get(o, key);
  const list: ResourceList = {};
  const text: Record<string, string> = {};
  if (raw === undefined) return { list, text };
  const listPath = join(path, key);
  if (!isObject(raw)) fail(listPath, `must be an object of resource names (${NAMES}) to quantities`);
  for (const [name, value] of Object.entries(raw)) {
    const field = join(listPath, name);
    if (!isKnownName(name)) fail(field, `unsupported resource name: podrun applies ${NAMES}`);
    if (name.startsWith(HUGEPAGES_PREFIX) && hugePageSize(name) === undefined) fail(field, `${quote(name)}: the page size must be a positive whole number of bytes, such as hugepages-2Mi`);
    if (value === null || value === undefined) continue;
    const written = quantityText(value, field);
    const milli = parseMilliQuantity(written);
    if (milli === null) fail(field, `${quote(written)}: must be a quantity such as "500m", "1.5", "128Mi" or "1G"`);
    if (milli < 0n) fail(field, `${quote(written)}: must be greater than or equal to 0`);
    list[name] = listValue(name, milli);
    text[name] = written;
  }
  return { list, text };
}

/** The `resources` of a container at `path` (absent: empty lists). */
export function parseResources(c: Obj, path: string): ContainerResources {
  const raw = get(c, 'resources');
  if (raw === undefined) return { requests: {}, limits: {} };
  const rpath = join(path, 'resources');
  if (!isObject(raw)) fail(rpath, 'must be an object');
  checkFields(raw, rpath, { known: ['requests', 'limits'], notYet: { claims: EMPTY } });
  const limits = parseList(raw, 'limits', rpath);
  const requests = parseList(raw, 'requests', rpath);
  // SetDefaults_Pod: a limit without a request defaults it.
  for (const [name, v] of Object.entries(limits.list)) {
    if (!(name in requests.list)) {
      requests.list[name] = v;
      requests.text[name] = limits.text[name]!;
    }
  }
  let hugePages = false;
  for (const [name, req] of Object.entries(requests.list)) {
    const field = join(join(rpath, 'requests'), name);
    const lim = limits.list[name];
    const size = hugePageSize(name);
    if (size !== undefined && lim === undefined) {
      fail(join(join(rpath, 'limits'), name), 'Limit must be set for non overcommitable resources');
    }
    if (size !== undefined && lim !== undefined) {
      hugePages = true;
      // Not overcommittable: the request must equal the limit.
      if (req !== lim) fail(field, `${quote(requests.text[name]!)}: must be equal to ${name} limit of ${limits.text[name]}`);
      if (lim % size !== 0n) fail(join(join(rpath, 'limits'), name), `${quote(limits.text[name]!)}: must be a whole number of ${name.slice(HUGEPAGES_PREFIX.length)} pages`);
    } else if (lim !== undefined && req > lim) {
      fail(field, `${quote(requests.text[name]!)}: must be less than or equal to ${name} limit of ${limits.text[name]}`);
    }
  }
  const cpuOrMemory = ['cpu', 'memory'].some((n) => n in requests.list || n in limits.list);
  if (hugePages && !cpuOrMemory) fail(rpath, 'HugePages require cpu or memory');
  return { requests: requests.list, limits: limits.list };
}

/** podrun's per-pod PID limit (the kubelet's podPidsLimit is per node): pids.max of the pod cgroup. */
export const PIDS_LIMIT_ANNOTATION = 'podrun.io/pids-limit';

/** The annotation, when set, is a whole number of at least 1. */
export function checkPidsLimitAnnotation(annotations: Readonly<Record<string, string>>): void {
  const v = annotations[PIDS_LIMIT_ANNOTATION];
  if (v === undefined) return;
  if (!/^[1-9]\d{0,9}$/.test(v) || Number(v) > 2 ** 31 - 1) {
    fail(`metadata.annotations[${PIDS_LIMIT_ANNOTATION}]`, `${quote(v)}: must be a whole number of processes, at least 1`);
  }
}
