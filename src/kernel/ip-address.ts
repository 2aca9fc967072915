// IP address text to the bytes netlink carries and back (pure). The family comes from
// the text, so callers pass "10.0.0.1" or "fd00::1" and never a family number.
import { isIPv4, isIPv6 } from 'node:net';
import { InvalidInputError } from '../util/errors.js';

export interface IpBytes {
  family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: Buffer;
}

/** Parses an IPv4 or IPv6 address (no prefix, no zone); anything else is refused. */
export function parseIp(text: string, field = 'address'): IpBytes {
  if (isIPv4(text)) return { family: 4, bytes: Buffer.from(text.split('.').map(Number)) };
  if (isIPv6(text) && !text.includes('%')) return { family: 6, bytes: ipv6Bytes(text) };
  throw new InvalidInputError(field, `"${text}" is not an IPv4 or IPv6 address`);
}

/** The 16 bytes of a text isIPv6 accepted: groups around one "::", maybe a dotted IPv4 tail. */
function ipv6Bytes(text: string): Buffer {
  const groups = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((g) => {
          if (!g.includes('.')) return [parseInt(g, 16)];
          const [a, b, c, d] = g.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head, tail] = text.split('::');
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** The text of 4 or 16 address bytes; IPv6 in RFC 5952's form (as `ip` prints it). */
export function formatIp(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length !== 16) throw new RangeError(`an IP address has 4 or 16 bytes, not ${bytes.length}`);
  // RFC 5952 section 5: an IPv4-mapped address keeps its dotted tail.
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes.readUInt16BE(10) === 0xffff) return `::ffff:${formatIp(bytes.subarray(12))}`;
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  // The longest run of two or more zero groups (the first of equal ones) becomes "::".
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (best.at < 0) return hex(groups);
  return `${hex(groups.slice(0, best.at))}::${hex(groups.slice(best.at + best.len))}`;
}
