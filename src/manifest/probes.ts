// Probes (livenessProbe, readinessProbe, startupProbe) and lifecycle hooks (postStart, preStop,
// stopSignal): strict parsing, validation and defaulting, as Kubernetes does it in
// pkg/apis/core/validation/validation.go (validateLivenessProbe, validateReadinessProbe,
// validateStartupProbe, validateProbe, validateHandler, validateExecAction,
// validateHTTPGetAction, ValidatePortNumOrName, validateTCPSocketAction, validateGRPCAction,
// validateSleepAction, validateLifecycle) and pkg/apis/core/v1/defaults.go (SetDefaults_Probe,
// SetDefaults_HTTPGetAction). The first problem found is thrown, naming its field path.

import { quote } from '../model/names.js';
import {
  checkFields,
  fail,
  get,
  join,
  objects,
  optArray,
  optInt,
  optObject,
  optString,
  portNameError,
  type Obj,
} from './fields.js';
import type {
  ExecAction,
  GRPCAction,
  HTTPGetAction,
  HTTPHeader,
  Lifecycle,
  LifecycleHandler,
  Probe,
  SleepAction,
  TCPSocketAction,
} from '../model/pod.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

const MAX_INT32 = 2147483647;

// Handler fields in the order Kubernetes' validateHandler counts them: the second one present
// is the one reported as "may not specify more than 1 handler type".
export const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'] as const;
export const LIFECYCLE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'] as const;

const PROBE_FIELDS = [
  ...PROBE_HANDLERS,
  'initialDelaySeconds',
  'periodSeconds',
  'timeoutSeconds',
  'successThreshold',
  'failureThreshold',
  'terminationGracePeriodSeconds',
];

/** The one handler field present in `o`, checked for "exactly one". */
function handlerKey<K extends string>(o: Obj, path: string, keys: readonly K[]): K {
  let found: K | undefined;
  for (const key of keys) {
    if (get(o, key) === undefined) continue;
    if (found !== undefined) fail(join(path, key), 'may not specify more than 1 handler type');
    found = key;
  }
  if (found === undefined) fail(path, `must specify a handler type (one of ${keys.join(', ')})`);
  return found;
}

/** An int32 count where 0 (or absent) means the Kubernetes default, as SetDefaults_Probe does. */
function defaulted(o: Obj, key: string, path: string, dflt: number): number {
  const v = optInt(o, key, path, 0, MAX_INT32) ?? 0;
  return v === 0 ? dflt : v;
}

export function parseProbe(o: Obj, path: string, kind: ProbeKind): Probe {
  checkFields(o, path, { known: PROBE_FIELDS });
  const handler = handlerKey(o, path, PROBE_HANDLERS);
  const initialDelaySeconds = optInt(o, 'initialDelaySeconds', path, 0, MAX_INT32) ?? 0;
  const periodSeconds = defaulted(o, 'periodSeconds', path, 10);
  const timeoutSeconds = defaulted(o, 'timeoutSeconds', path, 1);
  const successThreshold = defaulted(o, 'successThreshold', path, 1);
  const failureThreshold = defaulted(o, 'failureThreshold', path, 3);
  if (kind !== 'readiness' && successThreshold !== 1) {
    fail(join(path, 'successThreshold'), `${successThreshold}: must be 1 for ${kind} probes`);
  }
  let grace: number | undefined;
  if (get(o, 'terminationGracePeriodSeconds') !== undefined) {
    if (kind === 'readiness') fail(join(path, 'terminationGracePeriodSeconds'), 'must not be set for readinessProbes');
    grace = optInt(o, 'terminationGracePeriodSeconds', path, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    if (grace !== undefined && grace <= 0) fail(join(path, 'terminationGracePeriodSeconds'), `${grace}: must be greater than 0`);
  }
  return {
    ...parseHandler(o, path, handler, Infinity),
    initialDelaySeconds,
    periodSeconds,
    timeoutSeconds,
    successThreshold,
    failureThreshold,
    ...(grace !== undefined ? { terminationGracePeriodSeconds: grace } : {}),
  };
}

/** `podGrace` is the pod's terminationGracePeriodSeconds: a preStop/postStart sleep may not exceed it. */
export function parseLifecycle(o: Obj, path: string, podGrace: number): Lifecycle {
  checkFields(o, path, { known: ['postStart', 'preStop', 'stopSignal'] });
  const out: Lifecycle = {};
  for (const hook of ['postStart', 'preStop'] as const) {
    const h = optObject(o, hook, path);
    if (h === undefined) continue;
    const p = join(path, hook);
    checkFields(h, p, { known: [...LIFECYCLE_HANDLERS] });
    out[hook] = parseHandler(h, p, handlerKey(h, p, LIFECYCLE_HANDLERS), podGrace);
  }
  const stopSignal = optString(o, 'stopSignal', path);
  if (stopSignal !== undefined) {
    if (!STOP_SIGNALS.has(stopSignal)) {
      fail(join(path, 'stopSignal'), `${quote(stopSignal)}: must be a Linux signal name such as "SIGTERM", "SIGINT", "SIGQUIT", "SIGUSR1" or "SIGRTMIN+1"`);
    }
    out.stopSignal = stopSignal;
  }
  return out;
}

type AnyHandler = (typeof PROBE_HANDLERS)[number] | (typeof LIFECYCLE_HANDLERS)[number];

function parseHandler(o: Obj, path: string, key: AnyHandler, podGrace: number): Partial<Probe & LifecycleHandler> {
  const p = join(path, key);
  const h = optObject(o, key, path);
  if (!h) fail(p, 'must be an object');
  switch (key) {
    case 'exec':
      return { exec: parseExec(h, p) };
    case 'httpGet':
      return { httpGet: parseHTTPGet(h, p) };
    case 'tcpSocket':
      // Accepted in lifecycle hooks for compatibility; Kubernetes does nothing with it there.
      return { tcpSocket: parseTCPSocket(h, p) };
    case 'grpc':
      return { grpc: parseGRPC(h, p) };
    case 'sleep':
      return { sleep: parseSleep(h, p, podGrace) };
  }
}

function parseExec(o: Obj, path: string): ExecAction {
  checkFields(o, path, { known: ['command'] });
  const command = optArray(o, 'command', path);
  if (command === undefined || command.length === 0) fail(join(path, 'command'), 'required');
  if (!command.every((s): s is string => typeof s === 'string')) fail(join(path, 'command'), 'must be an array of strings');
  return { command };
}

// validation.IsHTTPHeaderName (k8s.io/apimachinery): the Go HTTP library's header names.
const HTTP_HEADER_NAME_RE = /^[-A-Za-z0-9]+$/;

function parseHTTPGet(o: Obj, path: string): HTTPGetAction {
  checkFields(o, path, { known: ['path', 'port', 'host', 'scheme', 'httpHeaders'] });
  // Kubernetes defaults an empty path to "/" and checks nothing else: the kubelet builds the
  // URL from it as written (a query is allowed; a missing leading '/' is added by the URL).
  const urlPath = optString(o, 'path', path) || '/';
  const port = parsePort(o, path);
  const host = optString(o, 'host', path) || undefined;
  const scheme = optString(o, 'scheme', path) || 'HTTP';
  if (scheme !== 'HTTP' && scheme !== 'HTTPS') fail(join(path, 'scheme'), `${quote(scheme)}: must be one of "HTTP", "HTTPS"`);
  const httpHeaders = objects(optArray(o, 'httpHeaders', path) ?? [], join(path, 'httpHeaders')).map(
    ([hd, p]): HTTPHeader => {
      checkFields(hd, p, { known: ['name', 'value'] });
      const name = optString(hd, 'name', p) ?? '';
      if (name === '') fail(join(p, 'name'), 'required');
      if (!HTTP_HEADER_NAME_RE.test(name)) {
        fail(join(p, 'name'), `${quote(name)}: must be a valid HTTP header name (letters, digits and '-', e.g. "X-Header-Name")`);
      }
      return { name, value: optString(hd, 'value', p) ?? '' };
    },
  );
  return { path: urlPath, port, ...(host !== undefined ? { host } : {}), scheme, httpHeaders };
}

function parseTCPSocket(o: Obj, path: string): TCPSocketAction {
  checkFields(o, path, { known: ['port', 'host'] });
  const port = parsePort(o, path);
  const host = optString(o, 'host', path) || undefined;
  return { port, ...(host !== undefined ? { host } : {}) };
}

function parseGRPC(o: Obj, path: string): GRPCAction {
  checkFields(o, path, { known: ['port', 'service'] });
  if (get(o, 'port') === undefined) fail(join(path, 'port'), 'required');
  // int32 in the API: a port name is not accepted here.
  const port = optInt(o, 'port', path, 1, 65535) as number;
  const service = optString(o, 'service', path) || undefined;
  return { port, ...(service !== undefined ? { service } : {}) };
}

function parseSleep(o: Obj, path: string, podGrace: number): SleepAction {
  checkFields(o, path, { known: ['seconds'] });
  // Zero is allowed (PodLifecycleSleepActionAllowZero, on by default); an absent value is 0.
  const seconds = optInt(o, 'seconds', path, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) ?? 0;
  if (seconds < 0 || seconds > podGrace) {
    fail(join(path, 'seconds'), `${seconds}: must be non-negative and at most the pod's terminationGracePeriodSeconds (${podGrace})`);
  }
  return { seconds };
}

/** ValidatePortNumOrName: an integer 1-65535 or an IANA_SVC_NAME (a quoted number is a name, and invalid). */
function parsePort(o: Obj, path: string): number | string {
  const field = join(path, 'port');
  const v = get(o, 'port');
  if (v === undefined) fail(field, 'required');
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) fail(field, `${v}: must be an integer or a port name`);
    if (v < 1 || v > 65535) fail(field, `${v}: must be between 1 and 65535`);
    return v;
  }
  if (typeof v !== 'string') fail(field, 'must be a port number or a port name');
  const err = portNameError(v);
  if (err) fail(field, /^[0-9]+$/.test(v) ? `${quote(v)}: a port number must not be quoted (a string is a port name)` : err);
  return v;
}

// Kubernetes' supportedStopSignalsLinux (pkg/apis/core/validation, ContainerStopSignals, KEP-4960).
const STOP_SIGNALS: ReadonlySet<string> = new Set([
  'SIGABRT', 'SIGALRM', 'SIGBUS', 'SIGCHLD', 'SIGCLD', 'SIGCONT', 'SIGFPE', 'SIGHUP', 'SIGILL', 'SIGINT',
  'SIGIO', 'SIGIOT', 'SIGKILL', 'SIGPIPE', 'SIGPOLL', 'SIGPROF', 'SIGPWR', 'SIGQUIT', 'SIGSEGV', 'SIGSTKFLT',
  'SIGSTOP', 'SIGSYS', 'SIGTERM', 'SIGTRAP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGUSR1', 'SIGUSR2',
  'SIGVTALRM', 'SIGWINCH', 'SIGXCPU', 'SIGXFSZ', 'SIGRTMIN',
  ...Array.from({ length: 15 }, (_, i) => `SIGRTMIN+${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `SIGRTMAX-${14 - i}`),
  'SIGRTMAX',
]);
