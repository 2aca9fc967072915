// The pod network's pure parts: the status fields from the record (old records without a
// network included), the probes' target, the veth name and the settings.
import { describe, expect, it } from 'vitest';
import { podAddress } from '../../src/pod/handlers.js';
import { hostPortRules } from '../../src/pod/sandbox-host-ports.js';
import { podView } from '../../src/pod/status.js';
import { vethName } from '../../src/net/driver.js';
import { netConfigFromEnv } from '../../src/net/net-config.js';
import type { NetworkRecord, PodRecord } from '../../src/state/records.js';
import { InvalidInputError } from '../../src/util/errors.js';

function record(network?: NetworkRecord): PodRecord {
  return {
    pod: {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'p', namespace: 'default', labels: {}, annotations: {} },
      spec: { containers: [], initContainers: [], volumes: [], restartPolicy: 'Always', terminationGracePeriodSeconds: 30, shareProcessNamespace: false },
    },
    createdAt: '',
    sandbox: { state: 'ready', cgroup: '/x', hostname: 'p', namespaces: { net: '', ipc: '', uts: '' }, ...(network ? { network } : {}) },
    containers: [],
  };
}

const bridged: NetworkRecord = { driver: 'bridge', podIPs: ['10.89.0.7', 'fd89::7'], hostIPs: ['10.89.0.1', 'fd89::1'], veth: 'pr12345678' };

describe('pod network status', () => {
  it('reports a bridged pod addresses and the host addresses, IPv4 first', () => {
    const s = podView(record(bridged)).status;
    expect(s.podIP).toBe('10.89.0.7');
    expect(s.podIPs).toEqual([{ ip: '10.89.0.7' }, { ip: 'fd89::7' }]);
    expect(s.hostIP).toBe('10.89.0.1');
    expect(s.hostIPs).toEqual([{ ip: '10.89.0.1' }, { ip: 'fd89::1' }]);
  });

  it('reports no podIP for the none network, and loopback only for a record from before networking', () => {
    const none = podView(record({ driver: 'none', podIPs: [], hostIPs: ['10.89.0.1', 'fd89::1'] })).status;
    expect(none).not.toHaveProperty('podIP');
    expect(none.podIPs).toEqual([]);
    const old = podView(record()).status;
    expect(old).not.toHaveProperty('podIP');
    expect(old.podIPs).toEqual([]);
    expect(old.hostIP).toBe('127.0.0.1');
    expect(old.hostIPs).toEqual([{ ip: '127.0.0.1' }]);
  });

  it('aims probes at the pod IP when the pod has one of its own, else at loopback', () => {
    expect(podAddress(record(bridged))).toBe('10.89.0.7');
    expect(podAddress(record({ driver: 'host', podIPs: ['10.89.0.1', 'fd89::1'], hostIPs: ['10.89.0.1', 'fd89::1'] }))).toBe('127.0.0.1');
    expect(podAddress(record({ driver: 'none', podIPs: [], hostIPs: [] }))).toBe('127.0.0.1');
    expect(podAddress(record())).toBe('127.0.0.1');
  });
});

describe('network settings', () => {
  it('names the veth pr + 8 hex digits of the uid (within the 15-byte limit)', () => {
    expect(vethName('0b5e6f1c-93aa-4d2e-8f00-000000000000')).toBe('pr0b5e6f1c');
  });

  it('defaults the bridge to podrun0 and refuses a bad PODRUN_BRIDGE, naming it', () => {
    const c = netConfigFromEnv({}, '/run/podrun');
    expect(c).toMatchObject({ bridge: 'podrun0', leases: '/run/podrun/net/leases.json', podsDir: '/run/podrun/pods' });
    expect(netConfigFromEnv({ PODRUN_BRIDGE: 'pr_test1' }, '/r').bridge).toBe('pr_test1');
    for (const bad of ['0abc', 'a-b', 'averyveryverylongname', 'a b']) {
      expect(() => netConfigFromEnv({ PODRUN_BRIDGE: bad }, '/r')).toThrow(InvalidInputError);
      expect(() => netConfigFromEnv({ PODRUN_BRIDGE: bad }, '/r')).toThrow(/PODRUN_BRIDGE/);
    }
  });
});

describe('hostPort rules', () => {
  it('publishes each hostPort to both pod addresses, or to the hostIP family only, and names the field', () => {
    const rec = record(bridged);
    rec.pod.spec.containers = [
      { name: 'a', image: '/', command: ['x'], env: [], volumeMounts: [], resources: { requests: {}, limits: {} }, ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 8080, hostPort: 18080, protocol: 'TCP' }] },
      { name: 'b', image: '/', command: ['x'], env: [], volumeMounts: [], resources: { requests: {}, limits: {} }, ports: [{ containerPort: 53, hostPort: 5353, protocol: 'UDP', hostIP: '127.0.0.1' }] },
    ];
    expect(hostPortRules(rec.pod, bridged.podIPs)).toEqual([
      { field: 'spec.containers[0].ports[1].hostPort', protocol: 'TCP', hostPort: 18080, containerPort: 8080, podIP: '10.89.0.7' },
      { field: 'spec.containers[0].ports[1].hostPort', protocol: 'TCP', hostPort: 18080, containerPort: 8080, podIP: 'fd89::7' },
      { field: 'spec.containers[1].ports[0].hostPort', protocol: 'UDP', hostPort: 5353, containerPort: 53, podIP: '10.89.0.7', hostIP: '127.0.0.1' },
    ]);
  });
});
