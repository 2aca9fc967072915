// The pod's /etc/hosts and /etc/resolv.conf contents (src/pod/hosts-files.ts), byte for byte.
import { describe, expect, it } from 'vitest';
import { hostsFile, resolvConf } from '../../src/pod/hosts-files.js';

const LOCALHOST = [
  '# Kubernetes-managed hosts file.',
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'fe00::0\tip6-mcastprefix',
  'fe00::1\tip6-allnodes',
  'fe00::2\tip6-allrouters',
].join('\n');

describe('hostsFile', () => {
  const base = { hostname: 'web', podIPs: ['10.88.0.5', 'fd88::5'], hostAliases: [], hostNetwork: false };

  it('lists localhost, then each pod IP with the hostname', () => {
    expect(hostsFile(base)).toBe(`${LOCALHOST}\n10.88.0.5\tweb\nfd88::5\tweb\n`);
  });

  it('puts the FQDN first when there is one', () => {
    expect(hostsFile({ ...base, fqdn: 'web.sub.default.svc.cluster.local' })).toBe(
      `${LOCALHOST}\n10.88.0.5\tweb.sub.default.svc.cluster.local\tweb\nfd88::5\tweb.sub.default.svc.cluster.local\tweb\n`,
    );
  });

  it('adds the hostAliases after a blank line, all names of an IP on one line', () => {
    const hostAliases = [
      { ip: '10.1.2.3', hostnames: ['foo.local', 'bar.local'] },
      { ip: 'fd00:1::3', hostnames: ['six'] },
    ];
    expect(hostsFile({ ...base, podIPs: ['10.88.0.5'], hostAliases })).toBe(
      `${LOCALHOST}\n10.88.0.5\tweb\n\n# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar.local\nfd00:1::3\tsix\n`,
    );
  });

  it('resolves the hostname to 127.0.1.1 for a pod without an IP', () => {
    expect(hostsFile({ ...base, podIPs: [] })).toBe(`${LOCALHOST}\n127.0.1.1\tweb\n`);
  });

  it("gives a hostNetwork pod the host's file under its own header, plus the aliases", () => {
    const hostHosts = '127.0.0.1\tlocalhost\n192.0.2.7\tnode1\n';
    expect(hostsFile({ ...base, hostNetwork: true, hostHosts })).toBe(
      `# Kubernetes-managed hosts file (host network).\n${hostHosts}`,
    );
    const hostAliases = [{ ip: '10.9.9.9', hostnames: ['db'] }];
    expect(hostsFile({ ...base, hostNetwork: true, hostHosts, hostAliases })).toBe(
      `# Kubernetes-managed hosts file (host network).\n${hostHosts}\n# Entries added by HostAliases.\n10.9.9.9\tdb\n`,
    );
    expect(hostsFile({ ...base, hostNetwork: true })).toBe('# Kubernetes-managed hosts file (host network).\n');
  });
});

describe('resolvConf', () => {
  const HOST = [
    '# written by the host',
    'domain example.org',
    'search first.example',
    'search corp.example. lab.example',
    'nameserver 192.0.2.53',
    'nameserver fd00::53',
    'options ndots:1 attempts:2',
    'options timeout:3 rotate',
    '',
  ].join('\n');
  const HOST_OUT = 'search corp.example lab.example\nnameserver 192.0.2.53\nnameserver fd00::53\noptions timeout:3 rotate\n';

  it.each(['Default', 'ClusterFirst', 'ClusterFirstWithHostNet'] as const)("%s: the host's resolver, as the kubelet reads it", (dnsPolicy) => {
    expect(resolvConf({ dnsPolicy, hostResolv: HOST })).toBe(HOST_OUT);
  });

  it('None: only dnsConfig', () => {
    const dnsConfig = { nameservers: ['10.0.0.10'], searches: ['ns.svc.cluster.local', 'svc.cluster.local'], options: [{ name: 'ndots', value: '5' }] };
    expect(resolvConf({ dnsPolicy: 'None', dnsConfig, hostResolv: HOST })).toBe(
      'search ns.svc.cluster.local svc.cluster.local\nnameserver 10.0.0.10\noptions ndots:5\n',
    );
  });

  it('merges dnsConfig into the host resolver: appended, deduplicated, options by name', () => {
    const dnsConfig = {
      nameservers: ['192.0.2.53', '10.0.0.10'],
      searches: ['lab.example', 'extra.example'],
      options: [{ name: 'timeout', value: '9' }, { name: 'rotate' }, { name: 'edns0' }],
    };
    expect(resolvConf({ dnsPolicy: 'ClusterFirst', dnsConfig, hostResolv: HOST })).toBe(
      'search corp.example lab.example extra.example\nnameserver 192.0.2.53\nnameserver fd00::53\nnameserver 10.0.0.10\noptions timeout:9 rotate edns0\n',
    );
  });

  it('an option given without a value drops the host value', () => {
    const dnsConfig = { nameservers: [], searches: [], options: [{ name: 'timeout' }] };
    expect(resolvConf({ dnsPolicy: 'Default', dnsConfig, hostResolv: 'options timeout:3\n' })).toBe('options timeout\n');
  });

  it('keeps three nameservers and the search limits, as the kubelet cuts them', () => {
    const hostResolv = 'nameserver 10.0.0.1\nnameserver 10.0.0.2\n';
    const long = (c: string): string => `${c.repeat(60)}.${c.repeat(60)}.${c.repeat(60)}`;
    const dnsConfig = {
      nameservers: ['10.0.0.3', '10.0.0.4'],
      // 11 of 182 characters fit in 2048 with their spaces; the 12th goes.
      searches: [...'abcdefghijkl'].map(long),
      options: [],
    };
    const out = resolvConf({ dnsPolicy: 'Default', dnsConfig, hostResolv });
    expect(out).toBe(`search ${[...'abcdefghijk'].map(long).join(' ')}\nnameserver 10.0.0.1\nnameserver 10.0.0.2\nnameserver 10.0.0.3\n`);
    const many = { nameservers: [], searches: Array.from({ length: 40 }, (_, i) => `d${i}`), options: [] };
    expect(resolvConf({ dnsPolicy: 'Default', dnsConfig: many, hostResolv: '' })).toBe(
      `search ${many.searches.slice(0, 32).join(' ')}\n`,
    );
  });

  it('drops a host search domain longer than 253 characters', () => {
    const hostResolv = `search ok.example ${'a'.repeat(254)}\n`;
    expect(resolvConf({ dnsPolicy: 'Default', hostResolv })).toBe('search ok.example\n');
  });

  it('is empty when the host has no resolver and dnsConfig adds none', () => {
    expect(resolvConf({ dnsPolicy: 'Default', hostResolv: '' })).toBe('');
  });
});
