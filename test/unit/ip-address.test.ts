// IP address text to netlink's bytes and back: the family from the text, RFC 5952's
// IPv6 form (what `ip` prints), and refusals that name the field.
import { describe, expect, it } from 'vitest';
import { formatIp, parseIp } from '../../src/kernel/ip-address.js';
import { InvalidInputError } from '../../src/util/errors.js';

describe('parseIp', () => {
  it('takes the family from the text', () => {
    expect(parseIp('10.88.0.1')).toEqual({ family: 4, bytes: Buffer.from([10, 88, 0, 1]) });
    expect(parseIp('fd00:10::2')).toEqual({ family: 6, bytes: Buffer.from('fd000010000000000000000000000002', 'hex') });
    expect(parseIp('::ffff:192.0.2.1').bytes).toEqual(Buffer.from('00000000000000000000ffffc0000201', 'hex'));
    expect(parseIp('1::').bytes).toEqual(Buffer.from('00010000000000000000000000000000', 'hex'));
  });

  it('refuses what is not one address, naming the field', () => {
    for (const bad of ['10.0.0.256', '10.0.0.1/24', 'fe80::1%eth0', 'host', '']) {
      expect(() => parseIp(bad, 'gateway')).toThrow(InvalidInputError);
      expect(() => parseIp(bad, 'gateway')).toThrow(/^gateway: /);
    }
  });
});

describe('formatIp', () => {
  it('prints IPv6 as ip does: lower case, no leading zeros, the longest zero run as ::', () => {
    const cases: [string, string][] = [
      ['FD00:0000:0000:0000:0000:0000:0000:0001', 'fd00::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['fe80:0:0:0:1:0:0:0', 'fe80::1:0:0:0'],
      ['0:0:0:0:0:0:0:0', '::'],
      ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ];
    for (const [text, printed] of cases) expect(formatIp(parseIp(text).bytes)).toBe(printed);
  });

  it('prints IPv4 dotted, and refuses a length that is no address', () => {
    expect(formatIp(Buffer.from([192, 0, 2, 10]))).toBe('192.0.2.10');
    expect(() => formatIp(Buffer.alloc(5))).toThrow(RangeError);
  });
});
