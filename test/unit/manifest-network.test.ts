// The network fields of the manifest (src/manifest/network.ts): what they default to, and
// each refusal naming its field.
import { describe, expect, it } from 'vitest';
import { parseManifest, validatePod } from '../../src/manifest/parse.js';
import { podFqdn, podNetworkMode } from '../../src/model/pod-network.js';
import { InvalidInputError } from '../../src/util/errors.js';

type Obj = Record<string, unknown>;

function basePod(): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: {
      initContainers: [{ name: 'init', image: '/' }],
      containers: [
        { name: 'a', image: '/' },
        { name: 'b', image: '/' },
      ],
    },
  };
}

const meta = (p: Obj): Obj => p.metadata as Obj;
const spec = (p: Obj): Obj => p.spec as Obj;
const ctr = (p: Obj, i: number): Obj => (spec(p).containers as Obj[])[i] as Obj;
const init = (p: Obj, i: number): Obj => (spec(p).initContainers as Obj[])[i] as Obj;

function catchInvalid(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    const err = e as InvalidInputError;
    expect(err.message).not.toContain('\n');
    expect(err.message.startsWith(`${err.field}: `)).toBe(true);
    return err;
  }
  throw new Error('expected an InvalidInputError, nothing was thrown');
}

describe('network fields: accepted', () => {
  it('types ports and defaults protocol to TCP; hostPort 0 means none', () => {
    const p = basePod();
    ctr(p, 0).ports = [
      { containerPort: 80, name: 'http' },
      { containerPort: 53, hostPort: 5353, hostIP: '127.0.0.1', protocol: 'UDP' },
      { containerPort: 81, hostPort: 0, hostIP: '' },
    ];
    expect(validatePod(p).spec.containers[0]?.ports).toEqual([
      { name: 'http', containerPort: 80, protocol: 'TCP' },
      { containerPort: 53, hostPort: 5353, hostIP: '127.0.0.1', protocol: 'UDP' },
      { containerPort: 81, protocol: 'TCP' },
    ]);
  });

  it('omits hostNetwork false and empty hostAliases, and keeps the default dnsPolicy', () => {
    const p = basePod();
    Object.assign(spec(p), { hostNetwork: false, hostAliases: [] });
    const s = validatePod(p).spec;
    expect(s).not.toHaveProperty('hostNetwork');
    expect(s).not.toHaveProperty('hostAliases');
    expect(s).not.toHaveProperty('dnsConfig');
    expect(s.dnsPolicy).toBe('ClusterFirst');
  });

  it('with hostNetwork, defaults every hostPort to its containerPort (init containers too)', () => {
    const p = basePod();
    spec(p).hostNetwork = true;
    ctr(p, 0).ports = [{ containerPort: 8080 }, { containerPort: 9090, hostPort: 9090 }];
    init(p, 0).ports = [{ containerPort: 7070 }];
    const pod = validatePod(p);
    expect(pod.spec.hostNetwork).toBe(true);
    expect(pod.spec.containers[0]?.ports?.map((x) => x.hostPort)).toEqual([8080, 9090]);
    expect(pod.spec.initContainers[0]?.ports?.[0]?.hostPort).toBe(7070);
    expect(podNetworkMode(pod)).toBe('host');
  });

  it('allows one hostPort per protocol and hostIP, and init containers to reuse one', () => {
    const p = basePod();
    ctr(p, 0).ports = [
      { containerPort: 80, hostPort: 8080 },
      { containerPort: 80, hostPort: 8080, protocol: 'UDP' },
      { containerPort: 81, hostPort: 8080, hostIP: '127.0.0.1' },
    ];
    ctr(p, 1).ports = [{ containerPort: 82, hostPort: 8080, hostIP: '::1' }];
    init(p, 0).ports = [{ containerPort: 80, hostPort: 8080 }];
    expect(validatePod(p).spec.containers[1]?.ports?.[0]?.hostPort).toBe(8080);
  });

  it('keeps hostAliases, dnsPolicy and dnsConfig as written, with their defaults', () => {
    const p = basePod();
    Object.assign(spec(p), {
      hostAliases: [{ ip: '10.1.2.3', hostnames: ['foo.local', 'bar'] }, { ip: 'fd12::1', hostnames: ['six'] }],
      dnsPolicy: 'None',
      dnsConfig: { nameservers: ['1.1.1.1', '2001:db8::53'], searches: ['ns1.svc.cluster.local.', '.'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
    });
    const s = validatePod(p).spec;
    expect(s.hostAliases).toEqual([{ ip: '10.1.2.3', hostnames: ['foo.local', 'bar'] }, { ip: 'fd12::1', hostnames: ['six'] }]);
    expect(s.dnsPolicy).toBe('None');
    expect(s.dnsConfig).toEqual({
      nameservers: ['1.1.1.1', '2001:db8::53'],
      searches: ['ns1.svc.cluster.local.', '.'],
      options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }],
    });
    spec(p).dnsConfig = { searches: ['a.b'] };
    spec(p).dnsPolicy = 'ClusterFirstWithHostNet';
    expect(validatePod(p).spec.dnsConfig).toEqual({ nameservers: [], searches: ['a.b'], options: [] });
  });

  it('re-parses its own output unchanged', () => {
    const p = basePod();
    Object.assign(spec(p), { hostNetwork: true, hostAliases: [{ ip: '10.0.0.1', hostnames: ['x'] }], dnsConfig: { nameservers: ['10.0.0.53'] } });
    ctr(p, 0).ports = [{ containerPort: 80, protocol: 'UDP' }];
    const once = validatePod(p);
    expect(parseManifest(JSON.stringify(once), 'again.json')).toEqual(once);
  });

  it('accepts the podrun.io/network annotation "none"', () => {
    const p = basePod();
    meta(p).annotations = { 'podrun.io/network': 'none' };
    ctr(p, 0).ports = [{ containerPort: 80 }];
    expect(podNetworkMode(validatePod(p))).toBe('none');
    expect(podNetworkMode(validatePod(basePod()))).toBe('bridge');
  });

  it('derives the FQDN from spec.subdomain', () => {
    const p = basePod();
    Object.assign(meta(p), { namespace: 'team' });
    expect(podFqdn(validatePod(p), 'h')).toBeUndefined();
    spec(p).subdomain = 'sub';
    expect(podFqdn(validatePod(p), 'h')).toBe('h.sub.team.svc.cluster.local');
  });
});

describe('network fields: refused, naming the field', () => {
  const cases: Array<[string, (p: Obj) => void, string, RegExp]> = [
    ['containerPort missing', (p) => { ctr(p, 0).ports = [{ hostPort: 80 }]; }, 'spec.containers[0].ports[0].containerPort', /required/],
    ['containerPort 0', (p) => { ctr(p, 0).ports = [{ containerPort: 0 }]; }, 'spec.containers[0].ports[0].containerPort', /between 1 and 65535/],
    ['containerPort a string', (p) => { ctr(p, 0).ports = [{ containerPort: '80' }]; }, 'spec.containers[0].ports[0].containerPort', /integer/],
    ['hostPort too large', (p) => { ctr(p, 1).ports = [{ containerPort: 80, hostPort: 65536 }]; }, 'spec.containers[1].ports[0].hostPort', /between 1 and 65535/],
    ['hostPort negative', (p) => { ctr(p, 0).ports = [{ containerPort: 80, hostPort: -1 }]; }, 'spec.containers[0].ports[0].hostPort', /between 1 and 65535/],
    ['hostIP not an IP', (p) => { ctr(p, 0).ports = [{ containerPort: 80, hostPort: 80, hostIP: 'localhost' }]; }, 'spec.containers[0].ports[0].hostIP', /"localhost": must be a valid IP/],
    ['hostIP with leading zeros', (p) => { ctr(p, 0).ports = [{ containerPort: 80, hostIP: '010.0.0.1' }]; }, 'spec.containers[0].ports[0].hostIP', /valid IP/],
    ['hostIP with a zone', (p) => { ctr(p, 0).ports = [{ containerPort: 80, hostIP: 'fe80::1%eth0' }]; }, 'spec.containers[0].ports[0].hostIP', /valid IP/],
    ['protocol SCTP', (p) => { ctr(p, 0).ports = [{ containerPort: 80, protocol: 'SCTP' }]; }, 'spec.containers[0].ports[0].protocol', /"SCTP": not supported by podrun \(only "TCP" and "UDP"\)/],
    ['protocol lowercase', (p) => { ctr(p, 0).ports = [{ containerPort: 80, protocol: 'udp' }]; }, 'spec.containers[0].ports[0].protocol', /must be one of "TCP", "UDP", "SCTP"/],
    ['port name not IANA', (p) => { ctr(p, 0).ports = [{ containerPort: 80, name: 'HTTP' }]; }, 'spec.containers[0].ports[0].name', /IANA service name/],
    ['port name twice', (p) => { ctr(p, 0).ports = [{ containerPort: 80, name: 'web' }, { containerPort: 81, name: 'web' }]; }, 'spec.containers[0].ports[1].name', /Duplicate value "web"/],
    ['unknown port field', (p) => { ctr(p, 0).ports = [{ containerPort: 80, hostIp: '1.2.3.4' }]; }, 'spec.containers[0].ports[0].hostIp', /did you mean "hostIP"/],
    ['hostPort twice in one container', (p) => { ctr(p, 0).ports = [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81, hostPort: 8080 }]; },
      'spec.containers[0].ports[1].hostPort', /^spec\.containers\[0\]\.ports\[1\]\.hostPort: Duplicate value: hostPort 8080\/TCP is also published by spec\.containers\[0\]\.ports\[0\]$/],
    ['hostPort twice across containers', (p) => {
      ctr(p, 0).ports = [{ containerPort: 80, hostPort: 53, protocol: 'UDP', hostIP: '127.0.0.1' }];
      ctr(p, 1).ports = [{ containerPort: 81, hostPort: 53, protocol: 'UDP', hostIP: '127.0.0.1' }];
    }, 'spec.containers[1].ports[0].hostPort', /53\/UDP on 127\.0\.0\.1 is also published by spec\.containers\[0\]\.ports\[0\]/],
    ['hostNetwork with another hostPort', (p) => { spec(p).hostNetwork = true; ctr(p, 1).ports = [{ containerPort: 80, hostPort: 8080 }]; },
      'spec.containers[1].ports[0].hostPort', /8080: must match `containerPort` when `hostNetwork` is true/],
    ['hostNetwork with a containerPort twice', (p) => { spec(p).hostNetwork = true; ctr(p, 0).ports = [{ containerPort: 80 }]; ctr(p, 1).ports = [{ containerPort: 80 }]; },
      'spec.containers[1].ports[0].hostPort', /Duplicate value: hostPort 80\/TCP/],
    ['hostNetwork not a boolean', (p) => { spec(p).hostNetwork = 'true'; }, 'spec.hostNetwork', /boolean/],
    ['hostAlias without ip', (p) => { spec(p).hostAliases = [{ hostnames: ['a'] }]; }, 'spec.hostAliases[0].ip', /required/],
    ['hostAlias ip not an IP', (p) => { spec(p).hostAliases = [{ ip: '1.2.3.256', hostnames: ['a'] }]; }, 'spec.hostAliases[0].ip', /"1\.2\.3\.256": must be a valid IP/],
    ['hostAlias without hostnames', (p) => { spec(p).hostAliases = [{ ip: '1.2.3.4', hostnames: [] }]; }, 'spec.hostAliases[0].hostnames', /at least one/],
    ['hostAlias hostname invalid', (p) => { spec(p).hostAliases = [{ ip: '1.2.3.5', hostnames: ['ok', 'Not_OK'] }]; }, 'spec.hostAliases[0].hostnames[1]', /RFC 1123 subdomain/],
    ['hostAlias hostname a number', (p) => { spec(p).hostAliases = [{ ip: '1.2.3.5', hostnames: [7] }]; }, 'spec.hostAliases[0].hostnames[0]', /string/],
    ['hostAlias unknown field', (p) => { spec(p).hostAliases = [{ ip: '1.2.3.5', hostnames: ['a'], hostname: 'b' }]; }, 'spec.hostAliases[0].hostname', /did you mean "hostnames"/],
    ['dnsPolicy unknown', (p) => { spec(p).dnsPolicy = 'Cluster'; }, 'spec.dnsPolicy', /must be one of "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"/],
    ['dnsPolicy None without dnsConfig', (p) => { spec(p).dnsPolicy = 'None'; }, 'spec.dnsConfig', /must provide `dnsConfig` when `dnsPolicy` is None/],
    ['dnsPolicy None without nameservers', (p) => { spec(p).dnsPolicy = 'None'; spec(p).dnsConfig = { searches: ['a'] }; }, 'spec.dnsConfig.nameservers', /at least one DNS nameserver/],
    ['dnsConfig not an object', (p) => { spec(p).dnsConfig = ['1.1.1.1']; }, 'spec.dnsConfig', /object/],
    ['four nameservers', (p) => { spec(p).dnsConfig = { nameservers: ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4'] }; }, 'spec.dnsConfig.nameservers', /more than 3 nameservers \(has 4\)/],
    ['nameserver not an IP', (p) => { spec(p).dnsConfig = { nameservers: ['1.1.1.1', 'dns.example'] }; }, 'spec.dnsConfig.nameservers[1]', /"dns\.example": must be a valid IP/],
    ['33 searches', (p) => { spec(p).dnsConfig = { searches: Array.from({ length: 33 }, (_, i) => `d${i}`) }; }, 'spec.dnsConfig.searches', /more than 32 search paths \(has 33\)/],
    ['search list over 2048 characters', (p) => { spec(p).dnsConfig = { searches: Array.from({ length: 12 }, (_, i) => `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.d${i}`) }; },
      'spec.dnsConfig.searches', /more than 2048 characters \(including spaces\)/],
    ['search not a DNS name', (p) => { spec(p).dnsConfig = { searches: ['ok.local', 'bad_name'] }; }, 'spec.dnsConfig.searches[1]', /"bad_name": must be a lowercase RFC 1123 subdomain/],
    ['search a number', (p) => { spec(p).dnsConfig = { searches: [1] }; }, 'spec.dnsConfig.searches[0]', /string/],
    ['option without name', (p) => { spec(p).dnsConfig = { options: [{ name: 'a' }, { value: '2' }] }; }, 'spec.dnsConfig.options[1].name', /required/],
    ['option value a number', (p) => { spec(p).dnsConfig = { options: [{ name: 'ndots', value: 2 }] }; }, 'spec.dnsConfig.options[0].value', /string/],
    ['dnsConfig unknown field', (p) => { spec(p).dnsConfig = { nameserver: ['1.1.1.1'] }; }, 'spec.dnsConfig.nameserver', /did you mean "nameservers"/],
    ['network annotation unknown', (p) => { meta(p).annotations = { 'podrun.io/network': 'bridge' }; }, 'metadata.annotations[podrun.io/network]', /"bridge": must be "none"/],
    ['network none with hostNetwork', (p) => { meta(p).annotations = { 'podrun.io/network': 'none' }; spec(p).hostNetwork = true; },
      'metadata.annotations[podrun.io/network]', /may not be set with spec\.hostNetwork: true/],
    ['network none with a hostPort', (p) => { meta(p).annotations = { 'podrun.io/network': 'none' }; ctr(p, 1).ports = [{ containerPort: 80, hostPort: 80 }]; },
      'spec.containers[1].ports[0].hostPort', /without network/],
  ];

  it.each(cases)('%s', (_name, mutate, field, message) => {
    const p = basePod();
    mutate(p);
    const err = catchInvalid(() => validatePod(p));
    expect(err.field).toBe(field);
    expect(err.message).toMatch(message);
  });
});
