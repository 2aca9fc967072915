// The nft scripts and the reading of nft's JSON listings (src/net/nftables-script.ts).
// What the rules do to traffic is test/integration/nftables.test.ts.
import { describe, expect, it } from 'vitest';
import {
  addHostPortsScript,
  deleteTableScript,
  hostPortConflict,
  natTableScript,
  parseHostPortsInUse,
  removeHostPortsScript,
} from '../../src/net/nftables-script.js';
import { PodrunError } from '../../src/util/errors.js';

const RANGES = { ipv4: '10.99.0.0/24', ipv6: 'fd99::/64' };

describe('natTableScript', () => {
  it('creates the chains and rewrites their fixed rules, leaving hostports alone', () => {
    const s = natTableScript('podrun', 'podrun0', RANGES);
    expect(s).toContain('add chain inet podrun hostports\n');
    expect(s).not.toMatch(/flush chain inet podrun hostports/);
    for (const c of ['prerouting', 'output', 'postrouting', 'input']) {
      expect(s.indexOf(`flush chain inet podrun ${c}\n`)).toBeGreaterThan(s.indexOf(`add chain inet podrun ${c} {`));
    }
    expect(s).toContain('add rule inet podrun postrouting ip saddr 10.99.0.0/24 oifname != "podrun0" masquerade\n');
    expect(s).toContain('add rule inet podrun postrouting ct status dnat ip saddr 127.0.0.0/8 oifname "podrun0" masquerade\n');
    expect(s).toContain('add rule inet podrun input iifname "podrun0" ip daddr 127.0.0.0/8 ct state != { established, related } drop\n');
  });

  it.each([
    ['table', () => natTableScript('po drun', 'br0', RANGES), /table name/],
    ['bridge', () => natTableScript('t', 'br0"; flush ruleset', RANGES), /interface name/],
    ['v4 range', () => natTableScript('t', 'br0', { ...RANGES, ipv4: '10.99.0.0' }), /IPv4 range/],
    ['v6 range of v4', () => natTableScript('t', 'br0', { ...RANGES, ipv6: '10.0.0.0/8' }), /IPv6 address/],
    ['prefix too long', () => natTableScript('t', 'br0', { ...RANGES, ipv4: '10.0.0.0/33' }), /IPv4 range/],
  ])('refuses a bad %s', (_n, fn, message) => {
    expect(fn).toThrow(PodrunError);
    expect(fn).toThrow(message);
  });
});

describe('deleteTableScript', () => {
  it('adds before it deletes, so that a missing table is no error', () => {
    expect(deleteTableScript('podrun')).toBe('add table inet podrun\ndelete table inet podrun\n');
  });
});

describe('addHostPortsScript', () => {
  it('writes one DNAT rule per pod IP, matching the hostIP when one is given', () => {
    const s = addHostPortsScript('podrun', 'uid-1', [
      { protocol: 'TCP', hostPort: 8080, podIP: '10.99.0.2', containerPort: 80 },
      { protocol: 'TCP', hostPort: 8080, podIP: 'fd99::2', containerPort: 80 },
      { protocol: 'UDP', hostPort: 5353, hostIP: '127.0.0.1', podIP: '10.99.0.2', containerPort: 53 },
      // the other family than the hostIP: no rule
      { protocol: 'UDP', hostPort: 5353, hostIP: '127.0.0.1', podIP: 'fd99::2', containerPort: 53 },
      // unspecified hostIPs mean every address
      { protocol: 'UDP', hostPort: 9000, hostIP: '::', podIP: 'fd99::2', containerPort: 9 },
    ]);
    expect(s).toBe(
      [
        'add rule inet podrun hostports meta nfproto ipv4 tcp dport 8080 dnat ip to 10.99.0.2:80 comment "podrun:uid-1"',
        'add rule inet podrun hostports meta nfproto ipv6 tcp dport 8080 dnat ip6 to [fd99::2]:80 comment "podrun:uid-1"',
        'add rule inet podrun hostports ip daddr 127.0.0.1 udp dport 5353 dnat ip to 10.99.0.2:53 comment "podrun:uid-1"',
        'add rule inet podrun hostports meta nfproto ipv6 udp dport 9000 dnat ip6 to [fd99::2]:9 comment "podrun:uid-1"',
        '',
      ].join('\n'),
    );
  });

  it.each([
    ['uid', () => addHostPortsScript('t', 'a"b', []), /pod uid/],
    ['pod IP', () => addHostPortsScript('t', 'u', [{ protocol: 'TCP', hostPort: 1, podIP: 'x', containerPort: 1 }]), /address/],
    ['port', () => addHostPortsScript('t', 'u', [{ protocol: 'TCP', hostPort: 0, podIP: '10.0.0.1', containerPort: 1 }]), /port 0/],
  ])('refuses a bad %s', (_n, fn, message) => {
    expect(fn).toThrow(message);
  });
});

// As `nft -j -a list chain inet podrun hostports` prints them (nft 1.0.6); with a hostIP,
// nft folds the family match into the address match.
const LISTING = JSON.stringify({
  nftables: [
    { metainfo: { version: '1.0.6', json_schema_version: 1 } },
    { chain: { family: 'inet', table: 'podrun', name: 'hostports', handle: 1 } },
    rule(11, 'podrun:u1', [nfproto('ipv4'), dport('tcp', 8080), { dnat: { family: 'ip', addr: '10.99.0.2', port: 80 } }]),
    rule(12, 'podrun:u1', [nfproto('ipv6'), dport('tcp', 8080), { dnat: { family: 'ip6', addr: 'fd99::2', port: 80 } }]),
    rule(17, 'podrun:u2', [daddr('ip', '127.0.0.1'), dport('udp', 5353), { dnat: { family: 'ip', addr: '10.99.0.3', port: 53 } }]),
    rule(18, 'someone else', [dport('tcp', 1)]),
  ],
});

function rule(handle: number, comment: string, expr: unknown[]): unknown {
  return { rule: { family: 'inet', table: 'podrun', chain: 'hostports', handle, comment, expr } };
}
function nfproto(v: string): unknown {
  return { match: { op: '==', left: { meta: { key: 'nfproto' } }, right: v } };
}
function dport(protocol: string, p: number): unknown {
  return { match: { op: '==', left: { payload: { protocol, field: 'dport' } }, right: p } };
}
function daddr(protocol: string, a: string): unknown {
  return { match: { op: '==', left: { payload: { protocol, field: 'daddr' } }, right: a } };
}

describe('listings', () => {
  it("deletes exactly the uid's rules by handle", () => {
    expect(removeHostPortsScript('podrun', 'u1', LISTING)).toBe(
      'delete rule inet podrun hostports handle 11\ndelete rule inet podrun hostports handle 12\n',
    );
    expect(removeHostPortsScript('podrun', 'u9', LISTING)).toBe('');
  });

  it('reads the published ports, once per family pair, skipping rules that are not podrun’s', () => {
    expect(parseHostPortsInUse(LISTING)).toEqual([
      { uid: 'u1', protocol: 'TCP', hostPort: 8080 },
      { uid: 'u2', protocol: 'UDP', hostPort: 5353, hostIP: '127.0.0.1' },
    ]);
    expect(parseHostPortsInUse(JSON.stringify({ nftables: [] }))).toEqual([]);
  });
});

describe('hostPortConflict', () => {
  const inUse = [
    { uid: 'a', protocol: 'TCP', hostPort: 80 },
    { uid: 'b', protocol: 'UDP', hostPort: 53, hostIP: '127.0.0.1' },
  ];

  it.each([
    ['the same port on every address', { protocol: 'TCP', hostPort: 80 }, 'a'],
    ['one address of a port taken on every address', { protocol: 'TCP', hostPort: 80, hostIP: '10.0.0.1' }, 'a'],
    ['every address of a port taken on one', { protocol: 'UDP', hostPort: 53 }, 'b'],
    ['"0.0.0.0", which is every address', { protocol: 'UDP', hostPort: 53, hostIP: '0.0.0.0' }, 'b'],
    ['the same port on the same address', { protocol: 'UDP', hostPort: 53, hostIP: '127.0.0.1' }, 'b'],
    ['another address', { protocol: 'UDP', hostPort: 53, hostIP: '127.0.0.2' }, undefined],
    ['another protocol', { protocol: 'UDP', hostPort: 80 }, undefined],
    ['another port', { protocol: 'TCP', hostPort: 81 }, undefined],
  ])('%s', (_n, wanted, uid) => {
    expect(hostPortConflict(wanted, inUse)?.uid).toBe(uid);
  });
});
