// rtnetlink.ts refuses bad input before it opens a socket, so these need no root: an
// interface name the kernel would refuse, an address that is none, a prefix out of range.
import { describe, expect, it } from 'vitest';
import { addrAdd, linkAddBridge, linkAddVethPair, linkDelete, routeAddDefault } from '../../src/kernel/rtnetlink.js';
import { InvalidInputError } from '../../src/util/errors.js';

describe('input rtnetlink refuses before asking the kernel', () => {
  it('refuses interface names the kernel would: empty, over 15 bytes, "/", ":", whitespace, "." and ".."', () => {
    for (const bad of ['', 'a-sixteen-bytes!', 'é-fifteen-chars', 'a/b', 'eth0:1', 'a b', '.', '..']) {
      expect(() => linkAddBridge(bad), bad).toThrow(InvalidInputError);
    }
    expect(() => linkDelete('a-sixteen-bytes!')).toThrow(/"a-sixteen-bytes!" is 16 bytes; Linux allows 1 to 15/);
    // Both ends of a pair are checked.
    expect(() => linkAddVethPair('vh0', 'a-sixteen-bytes!', 3)).toThrow(InvalidInputError);
  });

  it('refuses an address that is none, and a prefix out of its family\'s range', () => {
    expect(() => addrAdd('eth0', '10.0.0.1/24', 24)).toThrow(expect.objectContaining({ field: 'address' }));
    expect(() => addrAdd('eth0', '10.0.0.1', 33)).toThrow(expect.objectContaining({ field: 'prefixLen' }));
    expect(() => addrAdd('eth0', 'fd00::1', 129)).toThrow(/0 to 128/);
    expect(() => routeAddDefault('gateway', 'eth0')).toThrow(expect.objectContaining({ field: 'gateway' }));
  });
});
