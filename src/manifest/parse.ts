// Kubernetes v1 Pod manifest → defaulted, validated Pod (src/model/pod.ts).
// Strict by design: a field podrun would silently ignore is a field the user thinks works.
// Each field of each object is in one of four classes (checkFields in fields.ts):
//   known:   parsed and validated;
//   notYet:  refused ("not supported by podrun yet"), unless it has the value that asks
//            for nothing (`resources: {}`, `hostNetwork: false`);
//   ignored: accepted and dropped without a word: `status`, server-set metadata and
//            scheduling hints, which mean nothing on one machine (the lists below);
//   unknown: refused, with a near miss suggested.
// Some known fields are accepted only so that Kubernetes manifests run unchanged, and
// change nothing: imagePullPolicy for path images (named ones use it), terminationMessagePath
// and terminationMessagePolicy (no termination message is read yet), a port without a
// hostPort (except to name a probe's port), the sizeLimit of an emptyDir on disk (the
// kubelet enforces it by eviction; a Memory one is the tmpfs size), and a tcpSocket
// lifecycle hook (Kubernetes ignores it too). The network fields are in network.ts. The
// first problem found is thrown as an InvalidInputError naming the Kubernetes field path.

import { isScalar, parseAllDocuments } from 'yaml';
import { checkAppArmorAnnotations, LSM_FIELDS, parseLsm } from './lsm.js';
import { MAX_ID, parsePodGroups, POD_GROUP_FIELDS } from './pod-groups.js';
import { checkRunAsNonRoot } from './run-as-non-root.js';
import { parseImageReference } from '../model/image-reference.js';
import { parseSysctls } from './sysctls.js';
import {
  absolutePath,
  checkFields,
  EMPTY,
  fail,
  get,
  hasDotDot,
  isAbsolute,
  isObject,
  join,
  objects,
  optArray,
  optBool,
  optEnum,
  optInt,
  optObject,
  optString,
  optStringArray,
  reqString,
  type Fields,
  type Obj,
} from './fields.js';
import {
  annotationsSizeError,
  dns1123LabelError,
  dns1123SubdomainError,
  generateName,
  labelKeyError,
  labelValueError,
  quote,
} from '../model/names.js';
import {
  applyHostNetworkPorts,
  checkHostPortConflicts,
  checkNetworkAnnotation,
  parseDnsConfig,
  parseDnsPolicy,
  parseHostAliases,
  parsePorts,
} from './network.js';
import { parseLifecycle, parseProbe } from './probes.js';
import { checkPidsLimitAnnotation, parseResources } from './resources.js';
import { parseSeccompProfile } from './seccomp.js';
import { CONTAINER_HARDENING_FIELDS, parseContainerHardening } from './security-context.js';
import { parseIntegerQuantity } from '../model/quantity.js';
import type {
  Container,
  EmptyDirVolume,
  EnvVar,
  HostPathType,
  HostPathVolume,
  Pod,
  PodMetadata,
  PodSpec,
  RestartPolicy,
  SecurityContext,
  Volume,
  VolumeMount,
} from '../model/pod.js';

// ---------------------------------------------------------------------------------------------
// Document

/** Parses a YAML or JSON manifest holding exactly one v1 Pod. `source` names it in syntax errors. */
export function parseManifest(text: string, source: string): Pod {
  const where = source === '-' ? '<stdin>: ' : source ? `${source}: ` : '';
  // logLevel 'error': yaml would otherwise print warnings (e.g. collection keys) on stderr.
  const parsed = parseAllDocuments(text, { logLevel: 'error' });
  const all = Array.isArray(parsed) ? parsed : [];
  for (const d of all) {
    const err = d.errors[0];
    if (err) fail('', `${where}manifest is not valid YAML or JSON: ${firstLine(err.message)}`);
  }
  // Empty documents (a trailing '---', comments only) do not count, as with kubectl.
  const docs = all.filter((d) => d.contents !== null && !(isScalar(d.contents) && d.contents.value === null));
  if (docs.length > 1) {
    fail('', `${where}manifest must contain exactly one YAML document (one Pod), found ${docs.length}`);
  }
  const doc = docs[0];
  if (!doc) fail('', `${where}manifest is empty`);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // Unresolved aliases, alias bombs.
    fail('', `${where}manifest is not valid YAML or JSON: ${firstLine(e instanceof Error ? e.message : String(e))}`);
  }
  if (isCyclic(value)) fail('', `${where}manifest must not contain recursive YAML aliases`);
  return validatePod(value);
}

// yaml appends a position line and a code excerpt; keep "… at line L, column C".
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? '').replace(/:\s*$/, '');
}

function isCyclic(value: unknown, ancestors: Set<object> = new Set()): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (ancestors.has(value)) return true;
  ancestors.add(value);
  const children = Array.isArray(value) ? value : Object.values(value);
  const cyclic = children.some((child) => isCyclic(child, ancestors));
  ancestors.delete(value);
  return cyclic;
}

// ---------------------------------------------------------------------------------------------
// Pod

/** Validates and defaults a decoded manifest (e.g. from JSON.parse). */
export function validatePod(obj: unknown): Pod {
  if (!isObject(obj)) fail('', 'manifest must be a YAML or JSON object (a v1 Pod)');
  // apiVersion/kind first: a manifest of another kind gets that error, not "unknown field".
  const apiVersion = get(obj, 'apiVersion');
  if (apiVersion === undefined) fail('apiVersion', 'required (v1)');
  if (apiVersion !== 'v1') fail('apiVersion', `${quote(String(apiVersion))}: must be "v1"`);
  const kind = get(obj, 'kind');
  if (kind === undefined) fail('kind', 'required (Pod)');
  if (kind !== 'Pod') fail('kind', `${quote(String(kind))}: must be "Pod" (podrun runs Pods only)`);
  // status: present in `kubectl get -o yaml` output; podrun computes its own.
  checkFields(obj, '', { known: ['apiVersion', 'kind', 'metadata', 'spec'], ignored: ['status'] });
  const metadata = optObject(obj, 'metadata', '');
  if (!metadata) fail('metadata', 'required');
  const spec = optObject(obj, 'spec', '');
  if (!spec) fail('spec', 'required');
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: parseMetadata(metadata), spec: parseSpec(spec) };
  checkNetworkAnnotation(pod.metadata, pod.spec.hostNetwork ?? false, pod.spec.containers);
  checkRunAsNonRoot(pod);
  checkPidsLimitAnnotation(pod.metadata.annotations);
  checkAppArmorAnnotations(pod.metadata, [...pod.spec.initContainers, ...pod.spec.containers]);
  return pod;
}

function parseMetadata(m: Obj): PodMetadata {
  const path = 'metadata';
  checkFields(m, path, {
    known: ['name', 'generateName', 'namespace', 'labels', 'annotations'],
    notYet: { finalizers: EMPTY },
    // Server-set; manifests saved with kubectl carry them. podrun assigns its own uid and time.
    ignored: [
      'uid',
      'resourceVersion',
      'creationTimestamp',
      'managedFields',
      'ownerReferences',
      'selfLink',
      'generation',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
    ],
  });
  const given = optString(m, 'name', path) || undefined;
  const prefix = optString(m, 'generateName', path) || undefined;
  let name: string;
  if (given !== undefined) {
    const err = dns1123SubdomainError(given);
    if (err) fail(join(path, 'name'), err);
    name = given;
  } else if (prefix !== undefined) {
    // As the apiserver does: the prefix is checked without its customary trailing '-'.
    const err = dns1123SubdomainError(prefix.replace(/-$/, ''));
    if (err) fail(join(path, 'generateName'), err);
    name = generateName(prefix);
    const nameErr = dns1123SubdomainError(name);
    if (nameErr) fail(join(path, 'generateName'), nameErr);
  } else {
    fail(join(path, 'name'), 'required (or metadata.generateName)');
  }
  const namespace = optString(m, 'namespace', path) || 'default';
  const nsErr = dns1123LabelError(namespace);
  if (nsErr) fail(join(path, 'namespace'), nsErr);
  const labels = stringMap(m, 'labels', path);
  for (const [k, v] of Object.entries(labels)) {
    const keyErr = labelKeyError(k);
    if (keyErr) fail(join(path, 'labels'), keyErr);
    const valErr = labelValueError(v);
    if (valErr) fail(`${path}.labels[${k}]`, valErr);
  }
  const annotations = stringMap(m, 'annotations', path);
  for (const k of Object.keys(annotations)) {
    // Kubernetes checks annotation keys case-insensitively.
    const keyErr = labelKeyError(k.toLowerCase());
    if (keyErr) fail(join(path, 'annotations'), keyErr);
  }
  const sizeErr = annotationsSizeError(annotations);
  if (sizeErr) fail(join(path, 'annotations'), sizeErr);
  return {
    name,
    namespace,
    ...(prefix !== undefined ? { generateName: prefix } : {}),
    labels,
    annotations,
  };
}

function stringMap(o: Obj, key: string, path: string): Record<string, string> {
  const m = optObject(o, key, path);
  if (!m) return {};
  const entries = Object.entries(m).map(([k, v]): [string, string] => {
    if (typeof v !== 'string') fail(`${path}.${key}[${k}]`, 'must be a string (quote numbers and booleans in YAML)');
    return [k, v];
  });
  // fromEntries defines own properties, so a key like "__proto__" stays a key.
  return Object.fromEntries(entries);
}

// ---------------------------------------------------------------------------------------------
// Spec

const SPEC_FIELDS: Fields = {
  known: [
    'containers',
    'initContainers',
    'volumes',
    'restartPolicy',
    'terminationGracePeriodSeconds',
    'activeDeadlineSeconds',
    'shareProcessNamespace',
    'hostname',
    'subdomain',
    'securityContext',
    'dnsPolicy',
    'dnsConfig',
    'hostNetwork',
    'hostAliases',
  ],
  notYet: {
    ephemeralContainers: EMPTY,
    readinessGates: EMPTY,
    overhead: EMPTY,
    os: EMPTY,
    hostUsers: true,
    setHostnameAsFQDN: false,
    topologySpreadConstraints: EMPTY,
    runtimeClassName: EMPTY,
    hostPID: false,
    hostIPC: false,
    affinity: EMPTY,
    imagePullSecrets: EMPTY,
    schedulingGates: EMPTY,
    resourceClaims: EMPTY,
    resources: EMPTY,
    hostnameOverride: EMPTY,
  },
  // Scheduling and API-server hints: they choose a node or an identity in a cluster and have
  // no effect on a single machine without a scheduler or service accounts, so they are dropped
  // (not rejected) to let cluster manifests run unchanged.
  ignored: [
    'nodeName',
    'nodeSelector',
    'schedulerName',
    'tolerations',
    'priority',
    'priorityClassName',
    'preemptionPolicy',
    'serviceAccountName',
    'serviceAccount',
    'automountServiceAccountToken',
    'enableServiceLinks',
  ],
};

const POD_SECURITY_CONTEXT_FIELDS: Fields = {
  known: ['runAsUser', 'runAsGroup', 'runAsNonRoot', 'seccompProfile', 'sysctls', ...POD_GROUP_FIELDS, ...LSM_FIELDS],
  notYet: {
    supplementalGroupsPolicy: 'Merge',
    seLinuxChangePolicy: EMPTY,
    windowsOptions: EMPTY,
  },
};

const RESTART_POLICIES: readonly RestartPolicy[] = ['Always', 'OnFailure', 'Never'];

function parseSpec(s: Obj): PodSpec {
  const path = 'spec';
  checkFields(s, path, SPEC_FIELDS);

  // Volumes first: volume mounts refer to them.
  const volumes = parseVolumes(s, path);
  const volumeNames = new Set(volumes.map((v) => v.name));
  // Before the containers: a lifecycle sleep may not exceed it.
  const grace = optInt(s, 'terminationGracePeriodSeconds', path, 0, Number.MAX_SAFE_INTEGER) ?? 30;
  const containerNames = new Set<string>();
  // Kubernetes validates init containers first, so a clash is reported on the app container.
  const initContainers = (optArray(s, 'initContainers', path) ?? []).map((c, i) =>
    parseContainer(c, `${path}.initContainers[${i}]`, true, volumeNames, containerNames, grace),
  );
  const list = optArray(s, 'containers', path);
  if (!list || list.length === 0) fail(join(path, 'containers'), 'required (at least one container)');
  const containers = list.map((c, i) =>
    parseContainer(c, `${path}.containers[${i}]`, false, volumeNames, containerNames, grace),
  );

  const restartPolicy = optEnum(s, 'restartPolicy', path, RESTART_POLICIES) ?? 'Always';
  const deadline = optInt(s, 'activeDeadlineSeconds', path, 1, Number.MAX_SAFE_INTEGER);
  const shareProcessNamespace = optBool(s, 'shareProcessNamespace', path) ?? false;
  const hostname = optLabel(s, 'hostname', path);
  const subdomain = optLabel(s, 'subdomain', path);
  const hostNetwork = optBool(s, 'hostNetwork', path) ?? false;
  if (hostNetwork) applyHostNetworkPorts(containers, initContainers, path);
  checkHostPortConflicts(containers, path);
  const hostAliases = parseHostAliases(s, path);
  const dnsPolicy = parseDnsPolicy(s, path);
  const dnsConfig = parseDnsConfig(s, path, dnsPolicy);
  const sc = optObject(s, 'securityContext', path);
  const scPath = join(path, 'securityContext');
  const securityContext = sc
    ? { ...parseSecurityContext(sc, scPath, POD_SECURITY_CONTEXT_FIELDS), ...parsePodGroups(sc, scPath), ...podSysctls(sc, scPath, hostNetwork) }
    : undefined;

  return {
    containers,
    initContainers,
    volumes,
    restartPolicy,
    terminationGracePeriodSeconds: grace,
    ...(deadline !== undefined ? { activeDeadlineSeconds: deadline } : {}),
    shareProcessNamespace,
    ...(hostname !== undefined ? { hostname } : {}),
    ...(subdomain !== undefined ? { subdomain } : {}),
    ...(securityContext ? { securityContext } : {}),
    dnsPolicy,
    ...(dnsConfig ? { dnsConfig } : {}),
    ...(hostNetwork ? { hostNetwork } : {}),
    ...(hostAliases.length ? { hostAliases } : {}),
  };
}

function podSysctls(o: Obj, path: string, hostNetwork: boolean): Pick<SecurityContext, 'sysctls'> {
  const sysctls = parseSysctls(o, path, hostNetwork);
  return sysctls.length ? { sysctls } : {};
}

function optLabel(o: Obj, key: string, path: string): string | undefined {
  const v = optString(o, key, path) || undefined;
  if (v === undefined) return undefined;
  const err = dns1123LabelError(v);
  if (err) fail(join(path, key), err);
  return v;
}

function parseSecurityContext(o: Obj, path: string, fields: Fields): SecurityContext {
  checkFields(o, path, fields);
  const runAsUser = optInt(o, 'runAsUser', path, 0, MAX_ID);
  const runAsGroup = optInt(o, 'runAsGroup', path, 0, MAX_ID);
  const runAsNonRoot = optBool(o, 'runAsNonRoot', path);
  return {
    ...(runAsUser !== undefined ? { runAsUser } : {}),
    ...(runAsGroup !== undefined ? { runAsGroup } : {}),
    ...(runAsNonRoot !== undefined ? { runAsNonRoot } : {}),
    ...parseLsm(o, path),
    ...parseSeccompProfile(o, path),
  };
}

// ---------------------------------------------------------------------------------------------
// Volumes

// Every other Kubernetes volume source: known, but not implemented yet.
const OTHER_VOLUME_SOURCES = [
  'configMap', 'secret', 'projected', 'downwardAPI', 'persistentVolumeClaim', 'ephemeral', 'image',
  'csi', 'nfs', 'iscsi', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'glusterfs', 'rbd',
  'flexVolume', 'cinder', 'cephfs', 'flocker', 'fc', 'azureFile', 'azureDisk', 'vsphereVolume',
  'quobyte', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos',
] as const;

const VOLUME_FIELDS: Fields = {
  known: ['name', 'emptyDir', 'hostPath'],
  notYet: Object.fromEntries(OTHER_VOLUME_SOURCES.map((k) => [k, undefined])),
};

const HOST_PATH_TYPES: readonly HostPathType[] = [
  '', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice',
];

function parseVolumes(s: Obj, path: string): Volume[] {
  const seen = new Set<string>();
  return objects(optArray(s, 'volumes', path) ?? [], join(path, 'volumes')).map(([v, p]) => {
    checkFields(v, p, VOLUME_FIELDS);
    const name = reqString(v, 'name', p);
    const err = dns1123LabelError(name);
    if (err) fail(join(p, 'name'), err);
    if (seen.has(name)) fail(join(p, 'name'), `Duplicate value ${quote(name)}`);
    seen.add(name);
    const emptyDir = optObject(v, 'emptyDir', p);
    const hostPath = optObject(v, 'hostPath', p);
    if (emptyDir && hostPath) fail(join(p, 'hostPath'), 'may not specify more than 1 volume type');
    if (hostPath) return { name, hostPath: parseHostPath(hostPath, join(p, 'hostPath')) };
    // No source at all means emptyDir: {} (Kubernetes defaulting).
    return { name, emptyDir: parseEmptyDir(emptyDir ?? {}, join(p, 'emptyDir')) };
  });
}

function parseEmptyDir(o: Obj, path: string): EmptyDirVolume {
  checkFields(o, path, { known: ['medium', 'sizeLimit'] });
  const medium = optString(o, 'medium', path) ?? '';
  if (medium.startsWith('HugePages')) fail(join(path, 'medium'), `${quote(medium)}: not supported by podrun yet`);
  if (medium !== '' && medium !== 'Memory') fail(join(path, 'medium'), `${quote(medium)}: must be "" or "Memory"`);
  const raw = get(o, 'sizeLimit');
  if (raw === undefined) return { medium };
  // Kubernetes accepts a quantity as a JSON string or number.
  if (typeof raw !== 'string' && typeof raw !== 'number') {
    fail(join(path, 'sizeLimit'), 'must be a quantity such as "128Mi" or "1G"');
  }
  const sizeLimit = String(raw);
  const bytes = parseIntegerQuantity(sizeLimit);
  if (bytes === null) fail(join(path, 'sizeLimit'), `${quote(sizeLimit)}: must be a quantity such as "128Mi" or "1G"`);
  if (bytes < 0) fail(join(path, 'sizeLimit'), `${quote(sizeLimit)}: must not be negative`);
  return { medium, sizeLimit, sizeLimitBytes: bytes };
}

function parseHostPath(o: Obj, path: string): HostPathVolume {
  checkFields(o, path, { known: ['path', 'type'] });
  const p = absolutePath(reqString(o, 'path', path), join(path, 'path'));
  if (hasDotDot(p)) fail(join(path, 'path'), `${quote(p)}: must not contain '..'`);
  const type = optEnum(o, 'type', path, HOST_PATH_TYPES) ?? '';
  return { path: p, type };
}

// ---------------------------------------------------------------------------------------------
// Containers

const CONTAINER_FIELDS: Fields = {
  known: [
    'name', 'image', 'command', 'args', 'workingDir', 'env', 'volumeMounts', 'securityContext',
    'ports', 'imagePullPolicy', 'terminationMessagePath', 'terminationMessagePolicy',
    'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'restartPolicy', 'resources',
    'stdin', 'stdinOnce', 'tty',
  ],
  notYet: {
    resizePolicy: EMPTY,
    restartPolicyRules: EMPTY,
    envFrom: EMPTY,
    volumeDevices: EMPTY,
  },
};

const CONTAINER_SECURITY_CONTEXT_FIELDS: Fields = {
  known: ['runAsUser', 'runAsGroup', 'runAsNonRoot', 'seccompProfile', ...LSM_FIELDS, ...CONTAINER_HARDENING_FIELDS],
  notYet: {
    windowsOptions: EMPTY,
  },
};

const ENV_NAME_RE = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const PROBES = [
  ['livenessProbe', 'liveness'],
  ['readinessProbe', 'readiness'],
  ['startupProbe', 'startup'],
] as const;

function parseContainer(
  raw: unknown,
  path: string,
  isInit: boolean,
  volumeNames: ReadonlySet<string>,
  containerNames: Set<string>,
  podGrace: number,
): Container {
  if (!isObject(raw)) fail(path, 'must be an object');
  const c = raw;
  checkFields(c, path, CONTAINER_FIELDS);

  const name = reqString(c, 'name', path);
  const nameErr = dns1123LabelError(name);
  if (nameErr) fail(join(path, 'name'), nameErr);
  if (containerNames.has(name)) fail(join(path, 'name'), `Duplicate value ${quote(name)}`);
  containerNames.add(name);

  const image = reqString(c, 'image', path);
  // A named image must be a valid reference (Kubernetes' InvalidImageName, refused at once).
  if (!isAbsolute(image)) {
    const ref = parseImageReference(image);
    if (typeof ref === 'string') fail(join(path, 'image'), ref);
  }

  const command = optStringArray(c, 'command', path);
  const args = optStringArray(c, 'args', path);
  const wd = optString(c, 'workingDir', path) || undefined;
  const workingDir = wd === undefined ? undefined : absolutePath(wd, join(path, 'workingDir'));
  const env = parseEnv(c, path);
  const volumeMounts = parseVolumeMounts(c, path, volumeNames);
  const sc = optObject(c, 'securityContext', path);
  const scPath = join(path, 'securityContext');
  const securityContext = sc
    ? { ...parseSecurityContext(sc, scPath, CONTAINER_SECURITY_CONTEXT_FIELDS), ...parseContainerHardening(sc, scPath) }
    : undefined;
  const ports = parsePorts(c, path);
  const resources = parseResources(c, path);
  const imagePullPolicy = optEnum(c, 'imagePullPolicy', path, ['Always', 'IfNotPresent', 'Never'] as const);
  const tmp = optString(c, 'terminationMessagePath', path) || '/dev/termination-log';
  const terminationMessagePath = absolutePath(tmp, join(path, 'terminationMessagePath'));
  const terminationMessagePolicy =
    optEnum(c, 'terminationMessagePolicy', path, ['File', 'FallbackToLogsOnError'] as const) ?? 'File';

  const restartPolicy = optString(c, 'restartPolicy', path);
  if (restartPolicy !== undefined) {
    if (!isInit) fail(join(path, 'restartPolicy'), 'only allowed on init containers (restartPolicy: Always makes a sidecar)');
    if (restartPolicy !== 'Always') fail(join(path, 'restartPolicy'), `${quote(restartPolicy)}: must be "Always"`);
  }
  // Probes and hooks (probes.ts). Kubernetes: a run-to-completion init container has none;
  // a sidecar (restartPolicy: Always) may have all of them, validated as for app containers.
  const regularInit = isInit && restartPolicy === undefined;
  const hooks: Pick<Container, 'livenessProbe' | 'readinessProbe' | 'startupProbe' | 'lifecycle'> = {};
  for (const [key, kind] of PROBES) {
    const v = optObject(c, key, path);
    if (v === undefined) continue;
    if (regularInit) fail(join(path, key), 'may not be set for init containers without restartPolicy: Always');
    hooks[key] = parseProbe(v, join(path, key), kind);
  }
  const lc = optObject(c, 'lifecycle', path);
  if (lc !== undefined) {
    if (regularInit) fail(join(path, 'lifecycle'), 'may not be set for init containers without restartPolicy: Always');
    hooks.lifecycle = parseLifecycle(lc, join(path, 'lifecycle'), podGrace);
  }

  return {
    name,
    image,
    ...(command !== undefined ? { command } : {}),
    ...(args !== undefined ? { args } : {}),
    env,
    ...(workingDir !== undefined ? { workingDir } : {}),
    volumeMounts,
    resources,
    ...(securityContext ? { securityContext } : {}),
    ...(ports !== undefined ? { ports } : {}),
    ...(imagePullPolicy !== undefined ? { imagePullPolicy } : {}),
    terminationMessagePath,
    terminationMessagePolicy,
    ...(restartPolicy !== undefined ? { restartPolicy: 'Always' as const } : {}),
    ...hooks,
    ...parseTerminal(c, path),
  };
}

/** tty, stdin, stdinOnce (docs/terminals.md): kept only when true, as the defaults are false. */
function parseTerminal(c: Obj, path: string): Pick<Container, 'tty' | 'stdin' | 'stdinOnce'> {
  const out: Pick<Container, 'tty' | 'stdin' | 'stdinOnce'> = {};
  for (const key of ['tty', 'stdin', 'stdinOnce'] as const) if (optBool(c, key, path)) out[key] = true;
  return out;
}

function parseEnv(c: Obj, path: string): EnvVar[] {
  const list = optArray(c, 'env', path) ?? [];
  // Duplicate names are allowed (Kubernetes: the last one wins).
  return objects(list, join(path, 'env')).map(([e, p]) => {
    checkFields(e, p, { known: ['name', 'value'], notYet: { valueFrom: undefined } });
    const name = reqString(e, 'name', p);
    if (!ENV_NAME_RE.test(name)) {
      fail(join(p, 'name'), `${quote(name)}: must be a valid environment variable name (letters, digits, '_', '-', '.'; not starting with a digit)`);
    }
    const v = get(e, 'value');
    if (v !== undefined && typeof v !== 'string') fail(join(p, 'value'), 'must be a string (quote numbers and booleans in YAML)');
    return { name, value: v ?? '' };
  });
}

function parseVolumeMounts(c: Obj, path: string, volumeNames: ReadonlySet<string>): VolumeMount[] {
  const seen = new Set<string>();
  const list = optArray(c, 'volumeMounts', path) ?? [];
  return objects(list, join(path, 'volumeMounts')).map(([m, p]) => {
    checkFields(m, p, {
      known: ['name', 'mountPath', 'readOnly', 'subPath'],
      notYet: { subPathExpr: '', mountPropagation: 'None', recursiveReadOnly: 'Disabled' },
    });
    const name = reqString(m, 'name', p);
    if (!volumeNames.has(name)) fail(join(p, 'name'), `Not found: ${quote(name)} (no volume of that name in spec.volumes)`);
    const mountPath = absolutePath(reqString(m, 'mountPath', p), join(p, 'mountPath'));
    if (mountPath.includes(':')) fail(join(p, 'mountPath'), `${quote(mountPath)}: must not contain ':'`);
    // "/data" and "/data/" are the same mount point.
    const key = mountPath.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
    if (seen.has(key)) fail(join(p, 'mountPath'), `${quote(mountPath)}: must be unique within the container`);
    seen.add(key);
    const readOnly = optBool(m, 'readOnly', p) ?? false;
    const subPath = optString(m, 'subPath', p) || undefined;
    if (subPath !== undefined) {
      if (isAbsolute(subPath)) fail(join(p, 'subPath'), `${quote(subPath)}: must be a relative path`);
      if (hasDotDot(subPath)) fail(join(p, 'subPath'), `${quote(subPath)}: must not contain '..'`);
    }
    return { name, mountPath, readOnly, ...(subPath !== undefined ? { subPath } : {}) };
  });
}
