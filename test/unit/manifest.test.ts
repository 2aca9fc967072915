import { describe, it, expect } from 'vitest';
import { parseManifest, validatePod } from '../../src/manifest/parse.js';
import {
  annotationsSizeError,
  dns1123LabelError,
  dns1123SubdomainError,
  generateName,
  labelKeyError,
  labelValueError,
  podHostname,
} from '../../src/model/names.js';
import { parseIntegerQuantity, parseQuantity } from '../../src/model/quantity.js';
import { InvalidInputError } from '../../src/util/errors.js';

type Obj = Record<string, unknown>;

const FULL_YAML = `
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: team-a
  labels:
    app: web
    example.com/tier: front_end.1
  annotations:
    note: "free text: anything goes"
  uid: 0b5e0000-0000-0000-0000-000000000000   # ignored: podrun sets its own
  resourceVersion: "42"
  creationTimestamp: "2024-01-01T00:00:00Z"
spec:
  restartPolicy: OnFailure
  terminationGracePeriodSeconds: 5
  activeDeadlineSeconds: 600
  shareProcessNamespace: true
  hostname: myhost
  subdomain: sub
  dnsPolicy: Default
  nodeName: node-1            # scheduling hint: dropped
  tolerations: [{operator: Exists}]
  securityContext:
    runAsUser: 1000
    runAsGroup: 1000
  volumes:
    - name: scratch
    - name: shm
      emptyDir: {medium: Memory, sizeLimit: 64Mi}
    - name: host
      hostPath: {path: /var/log, type: Directory}
  initContainers:
    - name: setup
      image: /srv/images/busybox.tar
      command: [sh, -c, "echo hi > /scratch/x"]
      volumeMounts:
        - {name: scratch, mountPath: /scratch}
    - name: sidecar
      image: /
      restartPolicy: Always
      readinessProbe: {exec: {command: ["true"]}}
  containers:
    - name: app
      image: /srv/rootfs/app
      command: [/bin/app]
      args: ["--port", "8080", ""]
      workingDir: /work
      imagePullPolicy: IfNotPresent
      env:
        - name: A
          value: one
        - name: EMPTY
        - name: A
          value: two
      ports:
        - {containerPort: 8080, name: http, protocol: TCP}
      volumeMounts:
        - {name: scratch, mountPath: /scratch, readOnly: true}
        - {name: host, mountPath: /host/log, subPath: nginx/access}
      securityContext: {runAsUser: 0}
      livenessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 3}
      lifecycle: {preStop: {exec: {command: [sleep, "1"]}}}
      terminationMessagePolicy: FallbackToLogsOnError
    - name: logger
      image: /
      resources: {}
status:
  phase: Running
`;

const EXPECTED_FULL = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web-1',
    namespace: 'team-a',
    labels: { app: 'web', 'example.com/tier': 'front_end.1' },
    annotations: { note: 'free text: anything goes' },
  },
  spec: {
    restartPolicy: 'OnFailure',
    terminationGracePeriodSeconds: 5,
    activeDeadlineSeconds: 600,
    shareProcessNamespace: true,
    hostname: 'myhost',
    subdomain: 'sub',
    dnsPolicy: 'Default',
    securityContext: { runAsUser: 1000, runAsGroup: 1000 },
    volumes: [
      { name: 'scratch', emptyDir: { medium: '' } },
      { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '64Mi', sizeLimitBytes: 64 * 1024 * 1024 } },
      { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
    ],
    initContainers: [
      {
        name: 'setup',
        image: '/srv/images/busybox.tar',
        command: ['sh', '-c', 'echo hi > /scratch/x'],
        env: [],
        resources: { requests: {}, limits: {} },
        volumeMounts: [{ name: 'scratch', mountPath: '/scratch', readOnly: false }],
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
      },
      {
        name: 'sidecar',
        image: '/',
        env: [],
        resources: { requests: {}, limits: {} },
        volumeMounts: [],
        restartPolicy: 'Always',
        readinessProbe: { exec: { command: ['true'] }, initialDelaySeconds: 0, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3, periodSeconds: 10 },
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
      },
    ],
    containers: [
      {
        name: 'app',
        image: '/srv/rootfs/app',
        command: ['/bin/app'],
        args: ['--port', '8080', ''],
        workingDir: '/work',
        imagePullPolicy: 'IfNotPresent',
        env: [
          { name: 'A', value: 'one' },
          { name: 'EMPTY', value: '' },
          { name: 'A', value: 'two' },
        ],
        ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
        resources: { requests: {}, limits: {} },
        volumeMounts: [
          { name: 'scratch', mountPath: '/scratch', readOnly: true },
          { name: 'host', mountPath: '/host/log', readOnly: false, subPath: 'nginx/access' },
        ],
        securityContext: { runAsUser: 0 },
        livenessProbe: {
          httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP', httpHeaders: [] },
          periodSeconds: 3,
          initialDelaySeconds: 0, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3,
        },
        lifecycle: { preStop: { exec: { command: ['sleep', '1'] } } },
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'FallbackToLogsOnError',
      },
      {
        name: 'logger',
        image: '/',
        env: [],
        resources: { requests: {}, limits: {} },
        volumeMounts: [],
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
      },
    ],
  },
};

/** A minimal valid pod, as a decoded object, for mutation by the invalid cases. */
function basePod(): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: {
      volumes: [{ name: 'data', emptyDir: {} }],
      initContainers: [{ name: 'init', image: '/' }],
      containers: [
        { name: 'a', image: '/', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
        { name: 'b', image: '/' },
      ],
    },
  };
}

// Small accessors so that mutations read like the field paths they test.
const meta = (p: Obj): Obj => p.metadata as Obj;
const spec = (p: Obj): Obj => p.spec as Obj;
const ctr = (p: Obj, i: number): Obj => (spec(p).containers as Obj[])[i] as Obj;
const init = (p: Obj, i: number): Obj => (spec(p).initContainers as Obj[])[i] as Obj;
const mount = (p: Obj, c: number, m: number): Obj => (ctr(p, c).volumeMounts as Obj[])[m] as Obj;
const vol = (p: Obj, i: number): Obj => (spec(p).volumes as Obj[])[i] as Obj;

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
  // One clear line, rendered as `field: message`.
  expect(err.message).not.toContain('\n');
  if (err.field) expect(err.message.startsWith(`${err.field}: `)).toBe(true);
  return err;
}

describe('parseManifest: valid manifests', () => {
  it('defaults and keeps a full YAML manifest', () => {
    expect(parseManifest(FULL_YAML, 'full.yaml')).toEqual(EXPECTED_FULL);
  });

  it('parses the same manifest written as JSON', () => {
    const json = JSON.stringify(parseManifest(FULL_YAML, 'x'), null, 2);
    // Re-parsing the defaulted output is idempotent (apart from podrun's derived sizeLimitBytes).
    const reparsed = JSON.parse(json) as Obj;
    const vols = spec(reparsed).volumes as Obj[];
    delete (vols[1]?.emptyDir as Obj).sizeLimitBytes;
    expect(parseManifest(JSON.stringify(reparsed), 'full.json')).toEqual(EXPECTED_FULL);
  });

  it('parses tab-indented JSON', () => {
    const json = '{\n\t"apiVersion": "v1",\n\t"kind": "Pod",\n\t"metadata": {"name": "j"},\n\t"spec": {\n\t\t"containers": [{"name": "c", "image": "/"}]\n\t}\n}\n';
    expect(parseManifest(json, 'p.json').metadata.name).toBe('j');
  });

  it('fills every default of a minimal pod', () => {
    const pod = parseManifest('apiVersion: v1\nkind: Pod\nmetadata: {name: m}\nspec:\n  containers:\n  - {name: c, image: /}\n', 'm');
    expect(pod).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'm', namespace: 'default', labels: {}, annotations: {} },
      spec: {
        containers: [
          {
            name: 'c',
            image: '/',
            env: [],
            resources: { requests: {}, limits: {} },
            volumeMounts: [],
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
          },
        ],
        initContainers: [],
        volumes: [],
        restartPolicy: 'Always',
        terminationGracePeriodSeconds: 30,
        shareProcessNamespace: false,
        dnsPolicy: 'ClusterFirst',
      },
    });
  });

  it('accepts `kubectl run --dry-run=client -o yaml` output', () => {
    const text = `apiVersion: v1
kind: Pod
metadata:
  creationTimestamp: null
  labels:
    run: nginx
  name: nginx
spec:
  containers:
  - image: /
    name: nginx
    resources: {}
  dnsPolicy: ClusterFirst
  restartPolicy: Always
status: {}
`;
    expect(parseManifest(text, 'k.yaml').metadata.labels).toEqual({ run: 'nginx' });
  });

  it('treats null as unset and accepts no-op values of not-yet fields', () => {
    const p = basePod();
    Object.assign(spec(p), { hostNetwork: false, hostPID: false, hostIPC: false, hostAliases: [], volumes: null });
    ctr(p, 0).volumeMounts = null;
    Object.assign(ctr(p, 1), { stdin: false, tty: false, envFrom: [], securityContext: { privileged: false } });
    const pod = validatePod(p);
    expect(pod.spec.volumes).toEqual([]);
    expect(pod.spec.containers[1]?.securityContext).toEqual({});
  });

  it('keeps tty, stdin and stdinOnce when true, drops them when false', () => {
    const p = basePod();
    Object.assign(ctr(p, 0), { tty: true, stdin: true, stdinOnce: true });
    Object.assign(ctr(p, 1), { tty: false, stdin: true });
    const pod = validatePod(p);
    expect(pod.spec.containers[0]).toMatchObject({ tty: true, stdin: true, stdinOnce: true });
    expect(pod.spec.containers[1]?.tty).toBeUndefined();
    expect(pod.spec.containers[1]?.stdin).toBe(true);
  });

  it('sets terminationGracePeriodSeconds 0 and a volume with no source to emptyDir', () => {
    const p = basePod();
    spec(p).terminationGracePeriodSeconds = 0;
    spec(p).volumes = [{ name: 'v' }];
    ctr(p, 0).volumeMounts = [];
    const pod = validatePod(p);
    expect(pod.spec.terminationGracePeriodSeconds).toBe(0);
    expect(pod.spec.volumes).toEqual([{ name: 'v', emptyDir: { medium: '' } }]);
  });

  it('accepts a numeric sizeLimit and rounds bytes up', () => {
    const p = basePod();
    vol(p, 0).emptyDir = { sizeLimit: 1000 };
    expect(validatePod(p).spec.volumes[0]?.emptyDir).toEqual({ medium: '', sizeLimit: '1000', sizeLimitBytes: 1000 });
    vol(p, 0).emptyDir = { sizeLimit: '1500m' };
    expect(validatePod(p).spec.volumes[0]?.emptyDir?.sizeLimitBytes).toBe(2);
  });

  it('completes metadata.generateName', () => {
    const p = basePod();
    meta(p).name = undefined;
    meta(p).generateName = 'web-';
    const pod = validatePod(p);
    expect(pod.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(pod.metadata.generateName).toBe('web-');
  });

  it('prefers metadata.name over generateName', () => {
    const p = basePod();
    meta(p).generateName = 'gen-';
    expect(validatePod(p).metadata.name).toBe('p');
  });
});

describe('parseManifest: invalid manifests', () => {
  const cases: Array<[string, (p: Obj) => void, string, RegExp?]> = [
    ['name with ..', (p) => { meta(p).name = 'a..b'; }, 'metadata.name', /RFC 1123 subdomain/],
    ['name with /', (p) => { meta(p).name = 'a/b'; }, 'metadata.name'],
    ['name in upper case', (p) => { meta(p).name = 'Foo'; }, 'metadata.name',
      /^metadata\.name: "Foo": must be a lowercase RFC 1123 subdomain \(a-z, 0-9, '-', '\.'\), at most 253 characters$/],
    ['name of 254 characters', (p) => { meta(p).name = 'a'.repeat(254); }, 'metadata.name', /at most 253/],
    ['name missing', (p) => { delete meta(p).name; }, 'metadata.name', /required/],
    ['name not a string', (p) => { meta(p).name = 5; }, 'metadata.name', /must be a string/],
    ['bad generateName', (p) => { delete meta(p).name; meta(p).generateName = 'Web-'; }, 'metadata.generateName'],
    ['namespace with a dot', (p) => { meta(p).namespace = 'a.b'; }, 'metadata.namespace', /RFC 1123 label/],
    ['bad label key', (p) => { meta(p).labels = { 'bad key': 'x' }; }, 'metadata.labels'],
    ['bad label value', (p) => { meta(p).labels = { app: '-x' }; }, 'metadata.labels[app]'],
    ['numeric label value', (p) => { meta(p).labels = { version: 1 }; }, 'metadata.labels[version]', /must be a string/],
    ['annotations over 256 KiB', (p) => { meta(p).annotations = { big: 'x'.repeat(256 * 1024) }; }, 'metadata.annotations', /256 KiB/],
    ['duplicate app container names', (p) => { ctr(p, 1).name = 'a'; }, 'spec.containers[1].name', /^spec\.containers\[1\]\.name: Duplicate value "a"$/],
    ['duplicate name across init and app', (p) => { ctr(p, 1).name = 'init'; }, 'spec.containers[1].name', /Duplicate value "init"/],
    ['upper-case container name', (p) => { ctr(p, 0).name = 'App'; }, 'spec.containers[0].name', /RFC 1123 label/],
    ['missing image', (p) => { delete ctr(p, 1).image; }, 'spec.containers[1].image', /required/],
    ['invalid image reference', (p) => { ctr(p, 0).image = 'nginx:-bad'; }, 'spec.containers[0].image',
      /^spec\.containers\[0\]\.image: "nginx:-bad": the tag "-bad" must be/],
    ['no containers', (p) => { spec(p).containers = []; }, 'spec.containers', /required/],
    ['missing spec', (p) => { delete p.spec; }, 'spec', /required/],
    ['wrong kind', (p) => { p.kind = 'Deployment'; }, 'kind', /"Deployment".*"Pod"/],
    ['wrong apiVersion', (p) => { p.apiVersion = 'apps/v1'; }, 'apiVersion', /"apps\/v1".*"v1"/],
    ['unknown top-level field', (p) => { p.data = {}; }, 'data', /unknown field/],
    ['unknown metadata field', (p) => { meta(p).nam = 'x'; }, 'metadata.nam', /unknown field \(did you mean "name"\?\)/],
    ['unknown spec field', (p) => { spec(p).foo = 1; }, 'spec.foo', /^spec\.foo: unknown field$/],
    ['unknown container field', (p) => { ctr(p, 0).foo = 1; }, 'spec.containers[0].foo', /^spec\.containers\[0\]\.foo: unknown field$/],
    ['unknown mount field', (p) => { mount(p, 0, 0).foo = true; }, 'spec.containers[0].volumeMounts[0].foo', /unknown field/],
    ['unknown emptyDir field', (p) => { vol(p, 0).emptyDir = { size: '1Gi' }; }, 'spec.volumes[0].emptyDir.size', /unknown field/],
    ['negative grace period', (p) => { spec(p).terminationGracePeriodSeconds = -1; }, 'spec.terminationGracePeriodSeconds', />= 0/],
    ['grace period as a string', (p) => { spec(p).terminationGracePeriodSeconds = '30'; }, 'spec.terminationGracePeriodSeconds', /integer/],
    ['activeDeadlineSeconds 0', (p) => { spec(p).activeDeadlineSeconds = 0; }, 'spec.activeDeadlineSeconds', />= 1/],
    ['bad restartPolicy', (p) => { spec(p).restartPolicy = 'Sometimes'; }, 'spec.restartPolicy', /"Always", "OnFailure", "Never"/],
    ['shareProcessNamespace not boolean', (p) => { spec(p).shareProcessNamespace = 'yes'; }, 'spec.shareProcessNamespace', /boolean/],
    ['hostname with a dot', (p) => { spec(p).hostname = 'a.b'; }, 'spec.hostname', /label/],
    ['subdomain too long', (p) => { spec(p).subdomain = 'a'.repeat(64); }, 'spec.subdomain', /at most 63/],
    ['pod runAsUser negative', (p) => { spec(p).securityContext = { runAsUser: -1 }; }, 'spec.securityContext.runAsUser', /between 0 and 2147483647/],
    ['container runAsGroup too large', (p) => { ctr(p, 1).securityContext = { runAsGroup: 2147483648 }; }, 'spec.containers[1].securityContext.runAsGroup'],
    ['container windowsOptions', (p) => { ctr(p, 1).securityContext = { windowsOptions: { runAsUserName: 'x' } }; }, 'spec.containers[1].securityContext.windowsOptions', /not supported by podrun yet/],
    ['undeclared volume in a mount', (p) => { mount(p, 0, 0).name = 'logs'; }, 'spec.containers[0].volumeMounts[0].name', /Not found: "logs"/],
    ['duplicate mountPath', (p) => { ctr(p, 0).volumeMounts = [{ name: 'data', mountPath: '/d' }, { name: 'data', mountPath: '/d/' }]; },
      'spec.containers[0].volumeMounts[1].mountPath', /must be unique/],
    ['relative mountPath', (p) => { mount(p, 0, 0).mountPath = 'data'; }, 'spec.containers[0].volumeMounts[0].mountPath', /absolute/],
    ['mountPath with a colon', (p) => { mount(p, 0, 0).mountPath = '/a:b'; }, 'spec.containers[0].volumeMounts[0].mountPath', /':'/],
    ['subPath with ..', (p) => { mount(p, 0, 0).subPath = 'a/../../etc'; }, 'spec.containers[0].volumeMounts[0].subPath', /'\.\.'/],
    ['absolute subPath', (p) => { mount(p, 0, 0).subPath = '/etc'; }, 'spec.containers[0].volumeMounts[0].subPath', /relative/],
    ['subPathExpr', (p) => { mount(p, 0, 0).subPathExpr = '$(POD)'; }, 'spec.containers[0].volumeMounts[0].subPathExpr', /not supported by podrun yet/],
    ['mountPropagation', (p) => { mount(p, 0, 0).mountPropagation = 'Bidirectional'; }, 'spec.containers[0].volumeMounts[0].mountPropagation', /not supported/],
    ['readOnly not boolean', (p) => { mount(p, 0, 0).readOnly = 'true'; }, 'spec.containers[0].volumeMounts[0].readOnly', /boolean/],
    ['resources.limits.memory malformed', (p) => { ctr(p, 0).resources = { limits: { memory: '1GiB' } }; }, 'spec.containers[0].resources.limits.memory',
      /^spec\.containers\[0\]\.resources\.limits\.memory: "1GiB": must be a quantity/],
    ['dnsPolicy invalid', (p) => { spec(p).dnsPolicy = 'Cluster'; }, 'spec.dnsPolicy', /must be one of/],
    ['tty not boolean', (p) => { ctr(p, 0).tty = 'yes'; }, 'spec.containers[0].tty', /boolean/],
    ['envFrom', (p) => { ctr(p, 0).envFrom = [{ configMapRef: { name: 'x' } }]; }, 'spec.containers[0].envFrom', /not supported/],
    ['env valueFrom', (p) => { ctr(p, 1).env = [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]; },
      'spec.containers[1].env[0].valueFrom', /not supported/],
    ['ephemeralContainers', (p) => { spec(p).ephemeralContainers = [{ name: 'dbg' }]; }, 'spec.ephemeralContainers', /not supported/],
    ['configMap volume', (p) => { spec(p).volumes = [{ name: 'data', configMap: { name: 'cm' } }]; }, 'spec.volumes[0].configMap', /not supported by podrun yet/],
    ['two volume sources', (p) => { vol(p, 0).hostPath = { path: '/tmp' }; }, 'spec.volumes[0].hostPath', /more than 1 volume type/],
    ['duplicate volume names', (p) => { spec(p).volumes = [{ name: 'data' }, { name: 'data' }]; }, 'spec.volumes[1].name', /Duplicate value "data"/],
    ['bad volume name', (p) => { vol(p, 0).name = 'Data'; }, 'spec.volumes[0].name', /label/],
    ['bad quantity', (p) => { vol(p, 0).emptyDir = { sizeLimit: '12Q' }; }, 'spec.volumes[0].emptyDir.sizeLimit', /"12Q": must be a quantity/],
    ['negative sizeLimit', (p) => { vol(p, 0).emptyDir = { sizeLimit: '-1Gi' }; }, 'spec.volumes[0].emptyDir.sizeLimit', /negative/],
    ['bad medium', (p) => { vol(p, 0).emptyDir = { medium: 'Disk' }; }, 'spec.volumes[0].emptyDir.medium'],
    ['relative hostPath', (p) => { spec(p).volumes = [{ name: 'data', hostPath: { path: 'var/log' } }]; }, 'spec.volumes[0].hostPath.path', /absolute/],
    ['bad hostPath type', (p) => { spec(p).volumes = [{ name: 'data', hostPath: { path: '/x', type: 'Dir' } }]; }, 'spec.volumes[0].hostPath.type', /must be one of/],
    ['bad env name', (p) => { ctr(p, 0).env = [{ name: 'A' }, { name: '1BAD' }]; }, 'spec.containers[0].env[1].name', /"1BAD"/],
    ['numeric env value', (p) => { ctr(p, 0).env = [{ name: 'PORT', value: 8080 }]; }, 'spec.containers[0].env[0].value', /must be a string/],
    ['command not strings', (p) => { ctr(p, 0).command = ['sleep', 1]; }, 'spec.containers[0].command', /^spec\.containers\[0\]\.command: must be an array of strings$/],
    ['args a string', (p) => { ctr(p, 0).args = 'x y'; }, 'spec.containers[0].args', /array of strings/],
    ['relative workingDir', (p) => { ctr(p, 0).workingDir = 'tmp'; }, 'spec.containers[0].workingDir', /absolute/],
    ['container not an object', (p) => { (spec(p).containers as unknown[])[1] = 'b'; }, 'spec.containers[1]', /object/],
    ['port out of range', (p) => { ctr(p, 0).ports = [{ containerPort: 70000 }]; }, 'spec.containers[0].ports[0].containerPort', /1 and 65535/],
    ['port without containerPort', (p) => { ctr(p, 0).ports = [{ name: 'http' }]; }, 'spec.containers[0].ports[0].containerPort', /required/],
    ['bad port protocol', (p) => { ctr(p, 0).ports = [{ containerPort: 80, protocol: 'tcp' }]; }, 'spec.containers[0].ports[0].protocol'],
    ['bad imagePullPolicy', (p) => { ctr(p, 0).imagePullPolicy = 'Sometimes'; }, 'spec.containers[0].imagePullPolicy'],
    ['probe not an object', (p) => { ctr(p, 0).livenessProbe = 'yes'; }, 'spec.containers[0].livenessProbe', /object/],
    ['restartPolicy on an app container', (p) => { ctr(p, 0).restartPolicy = 'Always'; }, 'spec.containers[0].restartPolicy', /init containers/],
    ['init restartPolicy Never', (p) => { init(p, 0).restartPolicy = 'Never'; }, 'spec.initContainers[0].restartPolicy', /"Always"/],
    ['probe on a regular init container', (p) => { init(p, 0).startupProbe = {}; }, 'spec.initContainers[0].startupProbe', /restartPolicy: Always/],
    ['unknown init container field', (p) => { init(p, 0).imagee = '/'; }, 'spec.initContainers[0].imagee', /did you mean "image"/],
  ];

  it.each(cases)('%s', (_name, mutate, field, message) => {
    const p = basePod();
    mutate(p);
    const err = catchInvalid(() => validatePod(p));
    expect(err.field).toBe(field);
    if (message) expect(err.message).toMatch(message);
  });

  it('runs the same checks on YAML text', () => {
    const err = catchInvalid(() =>
      parseManifest('apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - {name: c, image: /, foo: 1}\n', 'p.yaml'),
    );
    expect(err.field).toBe('spec.containers[0].foo');
  });

  it('rejects bad YAML with one line naming the parser error', () => {
    const err = catchInvalid(() => parseManifest('apiVersion: v1\nspec: {containers: [\n', 'bad.yaml'));
    expect(err.field).toBe('');
    expect(err.message).toMatch(/^bad\.yaml: manifest is not valid YAML or JSON: .+/);
  });

  it('rejects duplicate keys', () => {
    const err = catchInvalid(() => parseManifest('apiVersion: v1\napiVersion: v1\n', 'dup.yaml'));
    expect(err.field).toBe('');
    expect(err.message).toMatch(/not valid YAML or JSON: Map keys must be unique/);
  });

  it('rejects two YAML documents', () => {
    const doc = 'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: /}]}\n';
    const err = catchInvalid(() => parseManifest(`${doc}---\n${doc}`, 'two.yaml'));
    expect(err.field).toBe('');
    expect(err.message).toMatch(/exactly one YAML document/);
    // A trailing separator with nothing after it is still one document.
    expect(parseManifest(`${doc}---\n`, 'one.yaml').metadata.name).toBe('a');
  });

  it('rejects an empty manifest and a non-object', () => {
    expect(catchInvalid(() => parseManifest('# nothing\n', 'e.yaml')).message).toMatch(/empty/);
    expect(catchInvalid(() => parseManifest('---\n', '-')).message).toBe('<stdin>: manifest is empty');
    expect(catchInvalid(() => parseManifest('- a\n- b\n', 'l.yaml')).message).toMatch(/must be a YAML or JSON object/);
    expect(catchInvalid(() => validatePod(null)).field).toBe('');
  });

  it('rejects unresolved and recursive aliases', () => {
    expect(catchInvalid(() => parseManifest('a: *nope\n', 'a.yaml')).field).toBe('');
    const rec = 'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: c\n    image: /\n    lifecycle: &l {x: *l}\n';
    expect(catchInvalid(() => parseManifest(rec, 'r.yaml')).message).toMatch(/recursive/);
  });

  it('does not treat inherited object properties as fields', () => {
    const p = basePod();
    ctr(p, 0).constructor = 1;
    expect(catchInvalid(() => validatePod(p)).field).toBe('spec.containers[0].constructor');
    // A label key named like the prototype is an ordinary (here invalid) key, not lost.
    const q = basePod();
    meta(q).labels = JSON.parse('{"__proto__": "x"}') as Obj;
    expect(catchInvalid(() => validatePod(q)).message).toMatch(/^metadata\.labels: "__proto__"/);
  });
});

describe('names', () => {
  it('validates DNS-1123 labels and subdomains', () => {
    expect(dns1123LabelError('a-b-1')).toBeNull();
    expect(dns1123LabelError('a'.repeat(63))).toBeNull();
    expect(dns1123LabelError('a'.repeat(64))).toMatch(/at most 63/);
    expect(dns1123LabelError('-a')).not.toBeNull();
    expect(dns1123LabelError('a.b')).not.toBeNull();
    expect(dns1123LabelError('')).not.toBeNull();
    expect(dns1123SubdomainError('a.b-c.d')).toBeNull();
    expect(dns1123SubdomainError('a'.repeat(253))).toBeNull();
    expect(dns1123SubdomainError('a'.repeat(254))).toMatch(/at most 253/);
    expect(dns1123SubdomainError('a..b')).not.toBeNull();
    expect(dns1123SubdomainError('a.')).not.toBeNull();
  });

  it('completes generateName with 5 safe characters after at most 58 of the prefix', () => {
    for (let i = 0; i < 50; i++) {
      expect(generateName('x-')).toMatch(/^x-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    }
    const long = generateName('a'.repeat(100));
    expect(long).toHaveLength(63);
    expect(long.startsWith('a'.repeat(58))).toBe(true);
  });

  it('derives the hostname as the kubelet does', () => {
    expect(podHostname({ metadata: { name: 'web' }, spec: {} })).toBe('web');
    expect(podHostname({ metadata: { name: 'web' }, spec: { hostname: 'h' } })).toBe('h');
    // Cut to 63, then trailing '-' and '.' removed.
    const name = `${'a'.repeat(60)}.-.bbbb`;
    expect(podHostname({ metadata: { name }, spec: {} })).toBe('a'.repeat(60));
    const long = 'b'.repeat(200);
    expect(podHostname({ metadata: { name: long }, spec: {} })).toBe('b'.repeat(63));
  });

  it('applies podHostname to a parsed pod', () => {
    const p = basePod();
    meta(p).name = `${'x'.repeat(62)}-y`;
    expect(podHostname(validatePod(p))).toBe('x'.repeat(62));
  });

  it('validates label keys and values, and the annotation size', () => {
    expect(labelKeyError('app')).toBeNull();
    expect(labelKeyError('example.com/App_1.x')).toBeNull();
    expect(labelKeyError('Example.com/app')).toMatch(/prefix/);
    expect(labelKeyError('a/b/c')).not.toBeNull();
    expect(labelKeyError('/a')).not.toBeNull();
    expect(labelKeyError('x'.repeat(64))).toMatch(/63/);
    expect(labelValueError('')).toBeNull();
    expect(labelValueError('v1.2_X')).toBeNull();
    expect(labelValueError('a b')).not.toBeNull();
    expect(labelValueError('x'.repeat(64))).toMatch(/63/);
    expect(annotationsSizeError({ k: 'v'.repeat(256 * 1024 - 1) })).toBeNull();
    expect(annotationsSizeError({ k: 'v'.repeat(256 * 1024) })).toMatch(/256 KiB/);
  });
});

describe('quantity', () => {
  it('parses the Kubernetes quantity grammar', () => {
    expect(parseQuantity('128Mi')).toBe(134217728);
    expect(parseQuantity('128M')).toBe(128000000);
    expect(parseQuantity('1G')).toBe(1e9);
    expect(parseQuantity('1Ki')).toBe(1024);
    expect(parseQuantity('1.5Gi')).toBe(1610612736);
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('1E3')).toBe(1000);
    expect(parseQuantity('1E')).toBe(1e18);
    expect(parseQuantity('2e-3')).toBe(0.002);
    expect(parseQuantity('0.3k')).toBe(300);
    expect(parseQuantity('.5')).toBe(0.5);
    expect(parseQuantity('5.')).toBe(5);
    expect(parseQuantity('+7')).toBe(7);
    expect(parseQuantity('-1Ki')).toBe(-1024);
    expect(parseQuantity('0')).toBe(0);
  });

  it('rejects what Kubernetes rejects', () => {
    for (const bad of ['', ' 1', '1 ', 'Mi', '1mi', '1KiB', '1e', '1.2.3', '.', '1Q', 'ten', '1e999', '10E', '0x10']) {
      expect(parseQuantity(bad), bad).toBeNull();
    }
  });

  it('rounds integer quantities up, like Quantity.Value()', () => {
    expect(parseIntegerQuantity('400m')).toBe(1);
    expect(parseIntegerQuantity('1500m')).toBe(2);
    expect(parseIntegerQuantity('64Mi')).toBe(67108864);
    expect(parseIntegerQuantity('-1500m')).toBe(-1);
    expect(parseIntegerQuantity('x')).toBeNull();
  });
});
