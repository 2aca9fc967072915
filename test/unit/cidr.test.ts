// Address arithmetic (src/net/cidr.ts): parsing, canonical formatting (RFC 5952 for
// IPv6), networks and the n-th address.
import { describe, expect, it } from 'vitest';
import {
  contains,
  formatCidr,
  formatIp,
  hasHostBits,
  networkOf,
  nthAddress,
  overlaps,
  parseCidr,
  parseIp,
  sizeOf,
} from '../../src/net/cidr.js';

const canonical = (text: string) => {
  const ip = parseIp(text);
  return ip && formatIp(ip);
};

const cidr = (text: string) => {
  const c = parseCidr(text);
  if (!c) throw new Error(`test CIDR ${text} does not parse`);
  return c;
};

describe('IPv4', () => {
  it.each([
    ['10.89.0.1', 4, 0x0a590001n],
    ['0.0.0.0', 4, 0n],
    ['255.255.255.255', 4, 0xffffffffn],
    ['192.0.2.10', 4, 0xc000020an],
  ])('%s parses to its number and back', (text, family, value) => {
    expect(parseIp(text)).toEqual({ family, value });
    expect(formatIp({ family: 4, value })).toBe(text);
  });

  it.each(['', '10.89.0', '10.89.0.1.2', '256.0.0.1', '10.089.0.1', '10.-1.0.1', '10.89.0.x', ' 10.89.0.1', '10..0.1', '0x0a.0.0.1'])(
    '%j is refused',
    (text) => {
      expect(parseIp(text)).toBeUndefined();
    },
  );
});

describe('IPv6', () => {
  it.each([
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['FD89::', 'fd89::'],
    ['FD89:0:0:0:0:0:0:2', 'fd89::2'],
    ['2001:0db8:0000:0000:0000:ff00:0042:8329', '2001:db8::ff00:42:8329'],
    // A single zero group is not compressed (RFC 5952 4.2.2).
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    // The longest run wins; of two equal runs, the first (4.2.3).
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['0:0:1:0:0:0:0:0', '0:0:1::'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
    ['fd89::0:0:1', 'fd89::1'],
    // Embedded IPv4: kept for mapped addresses (RFC 5952 5), hex otherwise.
    ['::ffff:10.89.0.1', '::ffff:10.89.0.1'],
    ['::FFFF:a59:1', '::ffff:10.89.0.1'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
  ])('%s is %s', (text, expected) => {
    expect(canonical(text)).toBe(expected);
  });

  it('reads groups as hex numbers', () => {
    expect(parseIp('fd89::1:2')).toEqual({ family: 6, value: (0xfd89n << 112n) | (1n << 16n) | 2n });
  });

  it.each([
    ':::',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8::',
    '::1:2:3:4:5:6:7:8',
    '12345::',
    'fd89::g',
    ':1::',
    '1:',
    'fe80::1%eth0',
    '::1.2.3',
    '::1.2.3.4:5',
    '1.2.3.4::',
  ])('%j is refused', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });
});

describe('CIDRs', () => {
  it('parses ADDRESS/PREFIX and formats it canonically', () => {
    expect(parseCidr('10.89.0.0/16')).toEqual({ family: 4, value: 0x0a590000n, prefix: 16 });
    expect(formatCidr(cidr('FD89:0::/64'))).toBe('fd89::/64');
    expect(formatCidr(cidr('0.0.0.0/0'))).toBe('0.0.0.0/0');
  });

  it.each(['10.89.0.0', '10.89.0.0/', '10.89.0.0/33', '10.89.0.0/016', '10.89.0.0/1a', 'fd89::/129', '/16', '10.89.0.0/16/1', 'fd89::/-1'])(
    '%j is refused',
    (text) => {
      expect(parseCidr(text)).toBeUndefined();
    },
  );

  it('clears host bits for the network and says whether there were any', () => {
    expect(formatCidr(networkOf(cidr('10.89.3.7/16')))).toBe('10.89.0.0/16');
    expect(formatCidr(networkOf(cidr('fd89::1:2/112')))).toBe('fd89::1:0/112');
    expect(hasHostBits(cidr('10.89.0.1/16'))).toBe(true);
    expect(hasHostBits(cidr('10.89.0.0/16'))).toBe(false);
    expect(hasHostBits(cidr('10.89.0.1/32'))).toBe(false);
    expect(hasHostBits(cidr('fd89::/64'))).toBe(false);
    expect(hasHostBits(cidr('fd89::1/64'))).toBe(true);
  });

  it('counts and numbers the addresses of a network', () => {
    expect(sizeOf(cidr('10.89.0.0/30'))).toBe(4n);
    expect(sizeOf(cidr('fd89::/64'))).toBe(1n << 64n);
    expect(formatIp(nthAddress(cidr('10.89.0.0/16'), 2n))).toBe('10.89.0.2');
    expect(formatIp(nthAddress(cidr('10.89.7.9/16'), 0x1ffn))).toBe('10.89.1.255');
    expect(formatIp(nthAddress(cidr('fd89::/64'), (1n << 64n) - 1n))).toBe('fd89::ffff:ffff:ffff:ffff');
    expect(() => nthAddress(cidr('10.89.0.0/30'), 4n)).toThrow('10.89.0.0/30 has no address number 4');
    expect(() => nthAddress(cidr('10.89.0.0/30'), -1n)).toThrow('no address number -1');
  });

  it('tells containment and overlap, per family', () => {
    expect(contains(cidr('10.89.0.0/16'), parseIp('10.89.255.255')!)).toBe(true);
    expect(contains(cidr('10.89.0.0/16'), parseIp('10.90.0.0')!)).toBe(false);
    expect(contains(cidr('0.0.0.0/0'), parseIp('::')!)).toBe(false);
    expect(overlaps(cidr('10.0.0.0/8'), cidr('10.89.0.0/16'))).toBe(true);
    expect(overlaps(cidr('10.89.0.0/16'), cidr('10.0.0.0/8'))).toBe(true);
    expect(overlaps(cidr('10.88.0.0/16'), cidr('10.89.0.0/16'))).toBe(false);
    expect(overlaps(cidr('fd00::/8'), cidr('fd89::/64'))).toBe(true);
    expect(overlaps(cidr('fd00::/64'), cidr('fd89::/64'))).toBe(false);
  });
});
