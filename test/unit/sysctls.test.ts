// Pod sysctls (src/manifest/sysctls.ts): only namespaced ones, either separator.
import { describe, expect, it } from 'vitest';
import { validatePod } from '../../src/manifest/parse.js';
import { dottedName, sysctlNamespace, sysctlPath } from '../../src/manifest/sysctls.js';
import { InvalidInputError } from '../../src/util/errors.js';

const pod = (sysctls: unknown, hostNetwork = false) =>
  validatePod({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { hostNetwork, securityContext: { sysctls }, containers: [{ name: 'c', image: '/', command: ['true'] }] },
  }).spec.securityContext?.sysctls;

function refusal(sysctls: unknown, hostNetwork = false): InvalidInputError {
  try {
    pod(sysctls, hostNetwork);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return e as InvalidInputError;
  }
  throw new Error('accepted');
}

describe('sysctls', () => {
  it('accepts the namespaced ones, in dot form', () => {
    expect(pod([
      { name: 'net.ipv4.ip_unprivileged_port_start', value: '100' },
      { name: 'kernel/shmmni', value: '8192' },
      { name: 'kernel.sem', value: '250 32000 100 128' },
      { name: 'fs.mqueue.msg_max', value: '20' },
      { name: 'kernel.msgmax', value: '9000' },
    ])).toEqual([
      { name: 'net.ipv4.ip_unprivileged_port_start', value: '100' },
      { name: 'kernel.shmmni', value: '8192' },
      { name: 'kernel.sem', value: '250 32000 100 128' },
      { name: 'fs.mqueue.msg_max', value: '20' },
      { name: 'kernel.msgmax', value: '9000' },
    ]);
    expect(pod([])).toBeUndefined();
  });

  it('refuses node-wide ones, naming the entry', () => {
    const err = refusal([{ name: 'net.core.somaxconn', value: '1' }, { name: 'vm.swappiness', value: '10' }]);
    expect(err.field).toBe('spec.securityContext.sysctls[1].name');
    expect(err.message).toMatch(/"vm\.swappiness": not a namespaced sysctl/);
    expect(refusal([{ name: 'kernel.hostname', value: 'x' }]).field).toBe('spec.securityContext.sysctls[0].name');
    expect(refusal([{ name: 'kernel.semx', value: '1' }]).field).toBe('spec.securityContext.sysctls[0].name');
  });

  it('refuses net.* with hostNetwork, bad names, duplicates and a missing value', () => {
    expect(refusal([{ name: 'net.ipv4.ip_forward', value: '1' }], true).message).toMatch(/hostNetwork/);
    expect(pod([{ name: 'kernel.shmmax', value: '1' }], true)).toEqual([{ name: 'kernel.shmmax', value: '1' }]);
    expect(refusal([{ name: 'Net.ipv4', value: '1' }]).field).toBe('spec.securityContext.sysctls[0].name');
    expect(refusal([{ name: 'kernel.shmmni', value: '1' }, { name: 'kernel/shmmni', value: '2' }]).message).toMatch(/Duplicate/);
    expect(refusal([{ name: 'kernel.shmmni' }]).field).toBe('spec.securityContext.sysctls[0].value');
  });

  it('maps names to /proc/sys as Kubernetes normalises them', () => {
    expect(dottedName('net/ipv4/conf/eth0.100/forwarding')).toBe('net.ipv4.conf.eth0/100.forwarding');
    expect(dottedName('net.ipv4.conf.eth0/100.forwarding')).toBe('net.ipv4.conf.eth0/100.forwarding');
    expect(sysctlPath('net.ipv4.conf.eth0/100.forwarding')).toBe('/proc/sys/net/ipv4/conf/eth0.100/forwarding');
    expect(sysctlNamespace('fs.mqueue.queues_max')).toBe('ipc');
    expect(sysctlNamespace('fs.file-max')).toBeUndefined();
  });
});
