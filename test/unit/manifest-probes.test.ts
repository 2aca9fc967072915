// Probes and lifecycle hooks: parsing, defaulting and validation (src/manifest/probes.ts, via parse.ts).
import { describe, it, expect } from 'vitest';
import { parseManifest, validatePod } from '../../src/manifest/parse.js';
import type { Container } from '../../src/model/pod.js';
import { InvalidInputError } from '../../src/util/errors.js';

type Obj = Record<string, unknown>;

/** A pod whose app container `a`, init container `init` and sidecar `side` take the fields given. */
function pod(app: Obj, opts: { init?: Obj; sidecar?: Obj; grace?: number } = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: {
      ...(opts.grace !== undefined ? { terminationGracePeriodSeconds: opts.grace } : {}),
      initContainers: [
        { name: 'init', image: '/', ...opts.init },
        { name: 'side', image: '/', restartPolicy: 'Always', ...opts.sidecar },
      ],
      containers: [{ name: 'a', image: '/', ...app }],
    },
  };
}

const app = (fields: Obj, opts?: { grace?: number }): Container => validatePod(pod(fields, opts)).spec.containers[0] as Container;

function catchInvalid(fn: () => unknown): InvalidInputError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(InvalidInputError);
  const err = caught as InvalidInputError;
  expect(err.exitCode).toBe(2);
  expect(err.message).not.toContain('\n');
  expect(err.message.startsWith(`${err.field}: `)).toBe(true);
  return err;
}

const DEFAULTS = { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 };

describe('probes: defaults', () => {
  it('fills in the Kubernetes defaults of an exec probe', () => {
    expect(app({ livenessProbe: { exec: { command: ['true'] } } }).livenessProbe).toEqual({
      exec: { command: ['true'] },
      ...DEFAULTS,
    });
  });

  it('defaults httpGet path, scheme and headers, and leaves host unset (pod IP)', () => {
    const probe = app({ readinessProbe: { httpGet: { port: 8080 } } }).readinessProbe;
    expect(probe).toEqual({ httpGet: { path: '/', port: 8080, scheme: 'HTTP', httpHeaders: [] }, ...DEFAULTS });
    expect(probe?.httpGet && 'host' in probe.httpGet).toBe(false);
  });

  it('treats 0 as "default" for period, timeout and thresholds (SetDefaults_Probe), and keeps initialDelaySeconds 0', () => {
    const probe = app({
      startupProbe: {
        tcpSocket: { port: 5432 },
        initialDelaySeconds: 0,
        periodSeconds: 0,
        timeoutSeconds: 0,
        successThreshold: 0,
        failureThreshold: 0,
      },
    }).startupProbe;
    expect(probe).toEqual({ tcpSocket: { port: 5432 }, ...DEFAULTS });
  });

  it('treats null as unset, as Kubernetes does', () => {
    const probe = app({
      livenessProbe: { exec: null, httpGet: { port: 80, host: null, path: null }, periodSeconds: null },
    }).livenessProbe;
    expect(probe).toEqual({ httpGet: { path: '/', port: 80, scheme: 'HTTP', httpHeaders: [] }, ...DEFAULTS });
  });

  it('leaves an empty host, grpc service and path to their defaults', () => {
    const c = app({
      livenessProbe: { grpc: { port: 9090, service: '' } },
      readinessProbe: { httpGet: { port: 80, host: '', path: '' } },
      startupProbe: { tcpSocket: { port: 80, host: '' } },
    });
    expect(c.livenessProbe?.grpc).toEqual({ port: 9090 });
    expect(c.readinessProbe?.httpGet).toEqual({ path: '/', port: 80, scheme: 'HTTP', httpHeaders: [] });
    expect(c.startupProbe?.tcpSocket).toEqual({ port: 80 });
  });

  it('defaults a header value to ""', () => {
    const probe = app({ livenessProbe: { httpGet: { port: 80, httpHeaders: [{ name: 'Accept' }] } } }).livenessProbe;
    expect(probe?.httpGet?.httpHeaders).toEqual([{ name: 'Accept', value: '' }]);
  });

  it('defaults an absent sleep to 0 seconds and an empty lifecycle to {}', () => {
    expect(app({ lifecycle: { preStop: { sleep: {} } } }).lifecycle).toEqual({ preStop: { sleep: { seconds: 0 } } });
    expect(app({ lifecycle: {} }).lifecycle).toEqual({});
  });

  it('does not add fields that were not given', () => {
    const c = app({});
    for (const k of ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle']) expect(k in c).toBe(false);
  });
});

describe('probes and hooks: valid manifests kept', () => {
  it('keeps every field of every handler', () => {
    const c = app({
      ports: [{ containerPort: 8443, name: 'https' }],
      livenessProbe: {
        httpGet: {
          path: '/healthz?full=1',
          port: 'https',
          host: '127.0.0.1',
          scheme: 'HTTPS',
          httpHeaders: [
            { name: 'X-Probe', value: 'yes' },
            { name: 'Host', value: 'example.com' },
            { name: 'User-Agent', value: '' },
          ],
        },
        initialDelaySeconds: 5,
        periodSeconds: 2,
        timeoutSeconds: 3,
        successThreshold: 1,
        failureThreshold: 7,
        terminationGracePeriodSeconds: 4,
      },
      readinessProbe: { grpc: { port: 9090, service: 'health' }, successThreshold: 3 },
      startupProbe: { tcpSocket: { port: 'db', host: 'localhost' }, failureThreshold: 30, terminationGracePeriodSeconds: 1 },
      lifecycle: {
        postStart: { httpGet: { port: 80, path: 'warm' } },
        preStop: { exec: { command: ['/bin/sh', '-c', 'nginx -s quit; sleep 1', ''] } },
        stopSignal: 'SIGQUIT',
      },
    });
    expect(c.livenessProbe).toEqual({
      httpGet: {
        path: '/healthz?full=1',
        port: 'https',
        host: '127.0.0.1',
        scheme: 'HTTPS',
        httpHeaders: [
          { name: 'X-Probe', value: 'yes' },
          { name: 'Host', value: 'example.com' },
          { name: 'User-Agent', value: '' },
        ],
      },
      initialDelaySeconds: 5,
      periodSeconds: 2,
      timeoutSeconds: 3,
      successThreshold: 1,
      failureThreshold: 7,
      terminationGracePeriodSeconds: 4,
    });
    expect(c.readinessProbe).toEqual({ grpc: { port: 9090, service: 'health' }, ...DEFAULTS, successThreshold: 3 });
    expect(c.startupProbe).toEqual({
      tcpSocket: { port: 'db', host: 'localhost' },
      ...DEFAULTS,
      failureThreshold: 30,
      terminationGracePeriodSeconds: 1,
    });
    expect(c.lifecycle).toEqual({
      // Kubernetes does not require a leading '/' in a path: kept as written.
      postStart: { httpGet: { path: 'warm', port: 80, scheme: 'HTTP', httpHeaders: [] } },
      preStop: { exec: { command: ['/bin/sh', '-c', 'nginx -s quit; sleep 1', ''] } },
      stopSignal: 'SIGQUIT',
    });
  });

  it('accepts tcpSocket as a lifecycle handler (kept for compatibility, as Kubernetes does)', () => {
    expect(app({ lifecycle: { postStart: { tcpSocket: { port: 8080 } } } }).lifecycle).toEqual({
      postStart: { tcpSocket: { port: 8080 } },
    });
  });

  it('accepts sleep from 0 up to the pod terminationGracePeriodSeconds', () => {
    expect(app({ lifecycle: { preStop: { sleep: { seconds: 0 } } } }).lifecycle?.preStop).toEqual({ sleep: { seconds: 0 } });
    expect(app({ lifecycle: { preStop: { sleep: { seconds: 30 } } } }).lifecycle?.preStop).toEqual({ sleep: { seconds: 30 } });
    expect(app({ lifecycle: { postStart: { sleep: { seconds: 90 } } } }, { grace: 90 }).lifecycle?.postStart).toEqual({
      sleep: { seconds: 90 },
    });
  });

  it.each(['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGRTMIN', 'SIGRTMIN+15', 'SIGRTMAX-14', 'SIGRTMAX'])(
    'accepts stopSignal %s',
    (sig) => {
      expect(app({ lifecycle: { stopSignal: sig } }).lifecycle).toEqual({ stopSignal: sig });
    },
  );

  it('allows every probe and hook on a sidecar (restartPolicy: Always init container)', () => {
    const sidecar = {
      livenessProbe: { exec: { command: ['true'] } },
      readinessProbe: { exec: { command: ['true'] }, successThreshold: 2 },
      startupProbe: { exec: { command: ['true'] } },
      lifecycle: { postStart: { exec: { command: ['true'] } }, preStop: { sleep: { seconds: 1 } }, stopSignal: 'SIGINT' },
    };
    const side = validatePod(pod({}, { sidecar })).spec.initContainers[1] as Container;
    expect(side.restartPolicy).toBe('Always');
    expect(side.readinessProbe?.successThreshold).toBe(2);
    expect(side.livenessProbe).toEqual({ exec: { command: ['true'] }, ...DEFAULTS });
    expect(side.lifecycle?.preStop).toEqual({ sleep: { seconds: 1 } });
  });

  it('parses probes from YAML and re-parses its own output unchanged', () => {
    const yaml = `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  terminationGracePeriodSeconds: 10
  containers:
  - name: web
    image: /
    ports: [{containerPort: 8080, name: http}]
    livenessProbe:
      httpGet: {path: /healthz, port: http, httpHeaders: [{name: X-A, value: b}]}
      periodSeconds: 3
    readinessProbe:
      tcpSocket: {port: 8080}
    lifecycle:
      preStop: {sleep: {seconds: 5}}
      stopSignal: SIGTERM
`;
    const parsed = parseManifest(yaml, 'web.yaml');
    const c = parsed.spec.containers[0] as Container;
    expect(c.livenessProbe).toEqual({
      httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP', httpHeaders: [{ name: 'X-A', value: 'b' }] },
      ...DEFAULTS,
      periodSeconds: 3,
    });
    expect(c.readinessProbe).toEqual({ tcpSocket: { port: 8080 }, ...DEFAULTS });
    expect(c.lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } }, stopSignal: 'SIGTERM' });
    expect(parseManifest(JSON.stringify(parsed), 'again.json')).toEqual(parsed);
  });
});

type Case = [name: string, fields: Obj, field: string, message?: RegExp, opts?: { grace?: number }];

const L = 'spec.containers[0].livenessProbe';
const R = 'spec.containers[0].readinessProbe';
const S = 'spec.containers[0].startupProbe';
const LC = 'spec.containers[0].lifecycle';
const http = (httpGet: Obj): Obj => ({ livenessProbe: { httpGet } });
const exec = { exec: { command: ['true'] } };

describe('probes and hooks: validation errors name the field', () => {
  const cases: Case[] = [
    // Shape and unknown fields (strict, like the rest of the parser).
    ['probe not an object', { livenessProbe: [] }, L, /must be an object/],
    ['unknown probe field, near miss', { livenessProbe: { ...exec, periodSecond: 1 } }, `${L}.periodSecond`, /unknown field \(did you mean "periodSeconds"\?\)/],
    ['unknown probe field', { readinessProbe: { ...exec, handler: {} } }, `${R}.handler`, /^spec\.containers\[0\]\.readinessProbe\.handler: unknown field/],
    ['sleep is not a probe handler', { livenessProbe: { sleep: { seconds: 1 } } }, `${L}.sleep`, /unknown field/],
    ['grpc is not a lifecycle handler', { lifecycle: { preStop: { grpc: { port: 1 } } } }, `${LC}.preStop.grpc`, /unknown field/],
    ['unknown exec field', { livenessProbe: { exec: { command: ['x'], args: ['y'] } } }, `${L}.exec.args`, /unknown field/],
    ['unknown httpGet field', http({ port: 80, url: '/' }), `${L}.httpGet.url`, /unknown field/],
    ['unknown tcpSocket field', { livenessProbe: { tcpSocket: { port: 80, timeout: 1 } } }, `${L}.tcpSocket.timeout`, /unknown field/],
    ['unknown grpc field', { livenessProbe: { grpc: { port: 80, tls: true } } }, `${L}.grpc.tls`, /unknown field/],
    ['unknown header field', http({ port: 80, httpHeaders: [{ name: 'A', value: 'b', values: [] }] }), `${L}.httpGet.httpHeaders[0].values`, /unknown field/],
    ['unknown lifecycle field', { lifecycle: { postStrat: { ...exec } } }, `${LC}.postStrat`, /did you mean "postStart"/],
    ['unknown hook field', { lifecycle: { preStop: { ...exec, timeoutSeconds: 5 } } }, `${LC}.preStop.timeoutSeconds`, /unknown field/],
    ['unknown sleep field', { lifecycle: { preStop: { sleep: { seconds: 1, millis: 5 } } } }, `${LC}.preStop.sleep.millis`, /unknown field/],
    ['lifecycle not an object', { lifecycle: 'preStop' }, LC, /must be an object/],
    ['hook not an object', { lifecycle: { postStart: ['x'] } }, `${LC}.postStart`, /must be an object/],
    ['handler not an object', { livenessProbe: { exec: ['true'] } }, `${L}.exec`, /must be an object/],

    // Exactly one handler.
    ['no probe handler', { livenessProbe: { periodSeconds: 5 } }, L, /must specify a handler type/],
    ['empty probe', { startupProbe: {} }, S, /must specify a handler type/],
    ['no hook handler', { lifecycle: { preStop: {} } }, `${LC}.preStop`, /must specify a handler type/],
    ['two probe handlers', { livenessProbe: { ...exec, httpGet: { port: 80 } } }, `${L}.httpGet`, /^spec\.containers\[0\]\.livenessProbe\.httpGet: may not specify more than 1 handler type$/],
    ['two probe handlers (tcpSocket, grpc)', { readinessProbe: { tcpSocket: { port: 1 }, grpc: { port: 1 } } }, `${R}.grpc`, /more than 1 handler type/],
    ['two hook handlers', { lifecycle: { postStart: { sleep: { seconds: 1 }, httpGet: { port: 80 } } } }, `${LC}.postStart.sleep`, /more than 1 handler type/],

    // exec.
    ['exec without command', { livenessProbe: { exec: {} } }, `${L}.exec.command`, /required/],
    ['exec with empty command', { lifecycle: { postStart: { exec: { command: [] } } } }, `${LC}.postStart.exec.command`, /required/],
    ['exec command not strings', { livenessProbe: { exec: { command: ['sleep', 1] } } }, `${L}.exec.command`, /must be an array of strings/],
    ['exec command a string', { livenessProbe: { exec: { command: 'true' } } }, `${L}.exec.command`, /must be an array/],

    // Ports (httpGet, tcpSocket: number or IANA name; grpc: number).
    ['httpGet without port', http({ path: '/' }), `${L}.httpGet.port`, /required/],
    ['port 0', http({ port: 0 }), `${L}.httpGet.port`, /0: must be between 1 and 65535/],
    ['port too large', { readinessProbe: { tcpSocket: { port: 65536 } } }, `${R}.tcpSocket.port`, /between 1 and 65535/],
    ['port not an integer', http({ port: 80.5 }), `${L}.httpGet.port`, /integer/],
    ['port a boolean', http({ port: true }), `${L}.httpGet.port`, /port number or a port name/],
    ['quoted port number', http({ port: '8080' }), `${L}.httpGet.port`, /"8080": a port number must not be quoted/],
    ['uppercase port name', http({ port: 'HTTP' }), `${L}.httpGet.port`, /IANA service name/],
    ['port name too long', { livenessProbe: { tcpSocket: { port: 'abcdefghijklmnop' } } }, `${L}.tcpSocket.port`, /IANA service name/],
    ['port name with double hyphen', { lifecycle: { preStop: { tcpSocket: { port: 'a--b' } } } }, `${LC}.preStop.tcpSocket.port`, /IANA/],
    ['empty port name', http({ port: '' }), `${L}.httpGet.port`, /IANA/],
    ['grpc port by name', { livenessProbe: { grpc: { port: 'grpc' } } }, `${L}.grpc.port`, /must be an integer/],
    ['grpc without port', { livenessProbe: { grpc: { service: 'x' } } }, `${L}.grpc.port`, /required/],
    ['grpc port 0', { livenessProbe: { grpc: { port: 0 } } }, `${L}.grpc.port`, /between 1 and 65535/],
    ['grpc service not a string', { livenessProbe: { grpc: { port: 1, service: 2 } } }, `${L}.grpc.service`, /must be a string/],

    // httpGet fields.
    ['scheme lowercase', http({ port: 80, scheme: 'https' }), `${L}.httpGet.scheme`, /"https": must be one of "HTTP", "HTTPS"/],
    ['scheme unknown', http({ port: 80, scheme: 'GRPC' }), `${L}.httpGet.scheme`, /must be one of/],
    ['path not a string', http({ port: 80, path: 1 }), `${L}.httpGet.path`, /must be a string/],
    ['host not a string', http({ port: 80, host: 1 }), `${L}.httpGet.host`, /must be a string/],
    ['httpHeaders not an array', http({ port: 80, httpHeaders: { A: 'b' } }), `${L}.httpGet.httpHeaders`, /must be an array/],
    ['header not an object', http({ port: 80, httpHeaders: ['A: b'] }), `${L}.httpGet.httpHeaders[0]`, /must be an object/],
    ['header without name', http({ port: 80, httpHeaders: [{ value: 'b' }] }), `${L}.httpGet.httpHeaders[0].name`, /required/],
    ['header name with a space', http({ port: 80, httpHeaders: [{ name: 'A', value: '' }, { name: 'X Bad', value: 'b' }] }), `${L}.httpGet.httpHeaders[1].name`, /"X Bad": must be a valid HTTP header name/],
    ['header name with an underscore', http({ port: 80, httpHeaders: [{ name: 'X_Bad', value: 'b' }] }), `${L}.httpGet.httpHeaders[0].name`, /valid HTTP header name/],
    ['header name with a colon', http({ port: 80, httpHeaders: [{ name: 'Host:', value: 'b' }] }), `${L}.httpGet.httpHeaders[0].name`, /valid HTTP header name/],
    ['header value a number', http({ port: 80, httpHeaders: [{ name: 'A', value: 1 }] }), `${L}.httpGet.httpHeaders[0].value`, /must be a string/],

    // Timing and thresholds.
    ['negative initialDelaySeconds', { livenessProbe: { ...exec, initialDelaySeconds: -1 } }, `${L}.initialDelaySeconds`, /-1: must be between 0 and/],
    ['negative periodSeconds', { livenessProbe: { ...exec, periodSeconds: -5 } }, `${L}.periodSeconds`, /-5/],
    ['fractional timeoutSeconds', { readinessProbe: { ...exec, timeoutSeconds: 1.5 } }, `${R}.timeoutSeconds`, /must be an integer/],
    ['negative successThreshold', { readinessProbe: { ...exec, successThreshold: -1 } }, `${R}.successThreshold`, /-1/],
    ['failureThreshold a string', { startupProbe: { ...exec, failureThreshold: '3' } }, `${S}.failureThreshold`, /must be an integer/],
    ['periodSeconds beyond int32', { livenessProbe: { ...exec, periodSeconds: 2147483648 } }, `${L}.periodSeconds`, /between 0 and 2147483647/],
    ['liveness successThreshold 2', { livenessProbe: { ...exec, successThreshold: 2 } }, `${L}.successThreshold`, /2: must be 1 for liveness probes/],
    ['startup successThreshold 3', { startupProbe: { ...exec, successThreshold: 3 } }, `${S}.successThreshold`, /must be 1 for startup probes/],
    ['terminationGracePeriodSeconds on readiness', { readinessProbe: { ...exec, terminationGracePeriodSeconds: 5 } }, `${R}.terminationGracePeriodSeconds`, /must not be set for readinessProbes/],
    ['probe terminationGracePeriodSeconds 0', { livenessProbe: { ...exec, terminationGracePeriodSeconds: 0 } }, `${L}.terminationGracePeriodSeconds`, /0: must be greater than 0/],
    ['negative probe terminationGracePeriodSeconds', { startupProbe: { ...exec, terminationGracePeriodSeconds: -1 } }, `${S}.terminationGracePeriodSeconds`, /greater than 0/],
    ['probe terminationGracePeriodSeconds a string', { startupProbe: { ...exec, terminationGracePeriodSeconds: '5' } }, `${S}.terminationGracePeriodSeconds`, /must be an integer/],

    // sleep.
    ['negative sleep', { lifecycle: { preStop: { sleep: { seconds: -1 } } } }, `${LC}.preStop.sleep.seconds`, /-1: must be non-negative/],
    ['sleep beyond the default grace', { lifecycle: { preStop: { sleep: { seconds: 31 } } } }, `${LC}.preStop.sleep.seconds`, /at most the pod's terminationGracePeriodSeconds \(30\)/],
    ['sleep beyond the pod grace', { lifecycle: { postStart: { sleep: { seconds: 6 } } } }, `${LC}.postStart.sleep.seconds`, /\(5\)/, { grace: 5 }],
    ['sleep not an integer', { lifecycle: { preStop: { sleep: { seconds: '5' } } } }, `${LC}.preStop.sleep.seconds`, /must be an integer/],

    // stopSignal.
    ['stopSignal without SIG', { lifecycle: { stopSignal: 'TERM' } }, `${LC}.stopSignal`, /"TERM": must be a Linux signal name/],
    ['stopSignal lowercase', { lifecycle: { stopSignal: 'sigterm' } }, `${LC}.stopSignal`, /signal name/],
    ['stopSignal unknown', { lifecycle: { stopSignal: 'SIGRTMIN+16' } }, `${LC}.stopSignal`, /signal name/],
    ['stopSignal a number', { lifecycle: { stopSignal: 15 } }, `${LC}.stopSignal`, /must be a string/],
  ];

  it.each(cases)('%s', (_name, fields, field, message, opts) => {
    const err = catchInvalid(() => validatePod(pod(fields, opts)));
    expect(err.field).toBe(field);
    if (message) expect(err.message).toMatch(message);
  });

  const I = 'spec.initContainers[0]';
  const initCases: Array<[string, Obj, string]> = [
    ['livenessProbe', { livenessProbe: exec }, `${I}.livenessProbe`],
    ['readinessProbe', { readinessProbe: exec }, `${I}.readinessProbe`],
    ['startupProbe', { startupProbe: exec }, `${I}.startupProbe`],
    ['lifecycle', { lifecycle: { preStop: exec } }, `${I}.lifecycle`],
    // Forbidden whatever its content: Kubernetes does not validate it further.
    ['an invalid lifecycle', { lifecycle: { preStop: {} } }, `${I}.lifecycle`],
  ];
  it.each(initCases)('refuses %s on a regular init container', (_name, fields, field) => {
    const err = catchInvalid(() => validatePod(pod({}, { init: fields })));
    expect(err.field).toBe(field);
    expect(err.message).toMatch(/may not be set for init containers without restartPolicy: Always/);
  });

  it('validates a sidecar probe as for an app container', () => {
    const err = catchInvalid(() => validatePod(pod({}, { sidecar: { livenessProbe: { ...exec, successThreshold: 2 } } })));
    expect(err.field).toBe('spec.initContainers[1].livenessProbe.successThreshold');
    const err2 = catchInvalid(() => validatePod(pod({}, { sidecar: { lifecycle: { preStop: { sleep: { seconds: 40 } } } } })));
    expect(err2.field).toBe('spec.initContainers[1].lifecycle.preStop.sleep.seconds');
  });

  it('reports the error of a YAML manifest with its path', () => {
    const yaml = 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - name: c\n    image: /\n    readinessProbe:\n      httpGet: {port: "8080"}\n';
    const err = catchInvalid(() => parseManifest(yaml, 'p.yaml'));
    expect(err.field).toBe('spec.containers[0].readinessProbe.httpGet.port');
  });
});
