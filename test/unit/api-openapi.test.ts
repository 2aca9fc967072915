// docs/api/openapi.yaml, for programs that call the socket directly, lists exactly the
// contract's routes, and its schemas name the fields the code really sends.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hostInfo } from '../../src/api/info.js';
import { HTTP_STATUS, ROUTES, STREAM_ROUTES } from '../../src/api/routes.js';
import { podView } from '../../src/pod/status.js';
import type { PodRecord } from '../../src/state/records.js';
import { InvalidInputError, PodrunError, StartError, SyscallError, toWire } from '../../src/util/errors.js';

const doc = parse(readFileSync(join(__dirname, '../../docs/api/openapi.yaml'), 'utf8'));
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

interface Param {
  name: string;
  in: string;
  $ref?: string;
}
const deref = (p: Param): Param => (p.$ref ? doc.components.parameters[p.$ref.split('/').pop()!] : p);

const operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
  METHODS.filter((m) => item[m]).map((m) => ({ path, method: m.toUpperCase(), item, op: item[m] })),
);

const schema = (name: string) => doc.components.schemas[name];
const props = (s: { properties: Record<string, unknown> }) => Object.keys(s.properties).sort();
const keysOf = (...objs: object[]) => [...new Set(objs.flatMap((o) => Object.keys(o)))].sort();

describe('the OpenAPI document', () => {
  it('lists exactly the routes of the contract, each under its route name as operationId', () => {
    const documented = operations.map((o) => `${o.op.operationId} ${o.method} ${o.path}`).sort();
    const contract = Object.entries({ ...ROUTES, ...STREAM_ROUTES }).map(([name, r]) => `${name} ${r.method} ${r.path}`).sort();
    expect(documented).toEqual(contract);
  });

  it('declares every path parameter of every template', () => {
    for (const { path, item, op } of operations) {
      const declared = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(deref).filter((p) => p.in === 'path').map((p) => p.name);
      const inTemplate = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(declared.sort(), path).toEqual(inTemplate.sort());
    }
  });

  it('gives every operation a 200 answer (a stream route: 101) and the error object as the default answer', () => {
    for (const { path, method, op } of operations) {
      const stream = Object.values(STREAM_ROUTES).some((r) => r.path === path);
      expect(op.responses[stream ? '101' : '200'], `${method} ${path}`).toBeDefined();
      expect(op.responses.default, `${method} ${path}`).toEqual({ $ref: '#/components/responses/Error' });
    }
    expect(doc.components.responses.Error.content['application/json'].schema.properties.error).toEqual({ $ref: '#/components/schemas/Error' });
  });

  it('describes the error object with every field the server sends, and every kind', () => {
    const samples = [
      new PodrunError('x'),
      new InvalidInputError('spec.containers[0].image', 'x'),
      new SyscallError('mount', 1, '/x'),
      new StartError('x', 'StartError', 127),
    ].map(toWire);
    expect(props(schema('Error'))).toEqual(keysOf(...samples));
    expect([...schema('ErrorKind').enum].sort()).toEqual(Object.keys(HTTP_STATUS).sort());
  });

  it('describes the end frame of the stream routes with every field', () => {
    const end: Required<import('../../src/api/stream-frames.js').StreamEnd> = { reason: 'exited', exitCode: 0, message: '' };
    expect(props(schema('StreamEnd'))).toEqual(keysOf(end));
  });

  it('describes info with the keys `podrun info -o json` prints', () => {
    const info = hostInfo('/run/podrun');
    expect(props(schema('Info'))).toEqual(keysOf(info));
    expect([...schema('Info').required].sort()).toEqual(keysOf(info));
    expect(props(schema('Info').properties.features)).toEqual(keysOf(info.features));
    expect([...schema('Info').properties.features.required].sort()).toEqual(keysOf(info.features));
    expect(props(schema('Info').properties.cgroup)).toEqual(keysOf(info.cgroup, { mount: '' }));
  });

  it('describes the Pod view with every field podView fills', () => {
    const rec: PodRecord = {
      pod: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p', namespace: 'default', labels: { a: 'b' }, annotations: { c: 'd' }, uid: 'u', creationTimestamp: 't' },
        spec: {
          containers: ['a', 'b'].map((name) => ({ name, image: '/', command: ['true'], env: [], volumeMounts: [], resources: { requests: {}, limits: {} } })),
          initContainers: [],
          volumes: [],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          shareProcessNamespace: false,
        },
      },
      createdAt: 't',
      startedAt: 't',
      terminal: { reason: 'DeadlineExceeded', message: 'm' },
      sandbox: {
        state: 'ready', pid: 1, cgroup: '/x', hostname: 'p', namespaces: { net: 'n', ipc: 'i', uts: 'u' },
        // A pod with addresses: podIP is filled too.
        network: { driver: 'bridge', podIPs: ['10.89.0.2', 'fd89::2'], hostIPs: ['10.89.0.1', 'fd89::1'], veth: 'pr00000000' },
      },
      containers: [
        {
          name: 'a', init: false, state: 'running', pid: 2, cgroup: '/x/a', startedAt: 't', restartCount: 1,
          last: { state: 'exited', exitCode: 1, signal: 'TERM', reason: 'Error', message: 'm', startedAt: 't', finishedAt: 't' },
        },
        // Not started: the Ready condition says why, with a reason and a message.
        { name: 'b', init: false, state: 'created', cgroup: '/x/b', restartCount: 0 },
      ],
    };
    const v = podView(rec);
    const c = v.status.containerStatuses[0];
    expect(props(schema('Pod'))).toEqual(keysOf(v));
    expect(props(schema('Pod').properties.metadata)).toEqual(keysOf(v.metadata));
    expect(props(schema('PodStatus'))).toEqual(keysOf(v.status));
    expect(props(schema('PodStatus').properties.sandbox)).toEqual(keysOf(v.status.sandbox));
    expect(props(schema('ContainerStatus'))).toEqual(keysOf(c));
    expect(props(schema('ContainerState').properties.terminated)).toEqual(keysOf(c.lastState.terminated!));
    // Without the terminal reason, Ready is False for a container not started: reason and message.
    const conditions = [...v.status.conditions, ...podView({ ...rec, terminal: undefined }).status.conditions];
    expect(props(schema('PodCondition'))).toEqual(keysOf(...conditions, { lastTransitionTime: '' }));
  });
});
