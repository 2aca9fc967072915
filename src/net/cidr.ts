// IPv4 and IPv6 addresses and CIDRs as numbers: parsing, canonical formatting (dotted
// decimal; RFC 5952 for IPv6) and the network arithmetic IPAM needs. Pure: no I/O.
// Addresses are BigInts so that both families share one arithmetic.
import { PodrunError } from '../util/errors.js';

export type Family = 4 | 6;

export interface IpAddress {
  family: Family;
  value: bigint;
}

/** A CIDR as written: `address` may have host bits set (networkOf clears them). */
export interface Cidr extends IpAddress {
  prefix: number;
}

export function addressBits(family: Family): number {
  return family === 4 ? 32 : 128;
}

const DECIMAL_OCTET = /^(0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const p of parts) {
    // No leading zeros: "010" is octal to inet_aton and decimal to others.
    if (!DECIMAL_OCTET.test(p) || Number(p) > 255) return undefined;
    value = (value << 8n) | BigInt(p);
  }
  return value;
}

/** Hex groups (and an IPv4 tail worth two groups) as 16-bit numbers; undefined if malformed. */
function parseGroups(text: string, allowIpv4Tail: boolean): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (const [i, p] of parts.entries()) {
    if (allowIpv4Tail && i === parts.length - 1 && p.includes('.')) {
      const v4 = parseIpv4(p);
      if (v4 === undefined) return undefined;
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else if (HEX_GROUP.test(p)) {
      groups.push(parseInt(p, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0], halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(halves[1], true) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  // "::" stands for at least one zero group; without it there must be exactly eight.
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.reduce((v, g) => (v << 16n) | BigInt(g), 0n);
}

/** An IPv4 (dotted decimal) or IPv6 address; undefined if it is neither. */
export function parseIp(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { family: 4, value };
}

/** ADDRESS/PREFIX with a decimal prefix within the family's width; undefined if malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^([^/]+)\/(0|[1-9][0-9]{0,2})$/.exec(text);
  if (!m) return undefined;
  const ip = parseIp(m[1]);
  const prefix = Number(m[2]);
  if (!ip || prefix > addressBits(ip.family)) return undefined;
  return { ...ip, prefix };
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
}

/** RFC 5952: lower case, no leading zeros, the longest run (the first of equals) of two or more zero groups as "::". */
function formatIpv6(value: bigint): string {
  // RFC 5952 section 5: IPv4-mapped addresses keep their dotted tail.
  if (value >> 32n === 0xffffn) return `::ffff:${formatIpv4(value & 0xffffffffn)}`;
  const groups = [...Array(8).keys()].map((i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
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

export function formatIp(ip: IpAddress): string {
  return ip.family === 4 ? formatIpv4(ip.value) : formatIpv6(ip.value);
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr)}/${cidr.prefix}`;
}

function hostMask(family: Family, prefix: number): bigint {
  return (1n << BigInt(addressBits(family) - prefix)) - 1n;
}

/** The CIDR with its host bits cleared. */
export function networkOf(cidr: Cidr): Cidr {
  return { ...cidr, value: cidr.value & ~hostMask(cidr.family, cidr.prefix) };
}

export function hasHostBits(cidr: Cidr): boolean {
  return (cidr.value & hostMask(cidr.family, cidr.prefix)) !== 0n;
}

/** How many addresses the CIDR spans, network and broadcast included. */
export function sizeOf(cidr: Cidr): bigint {
  return hostMask(cidr.family, cidr.prefix) + 1n;
}

/** The n-th address of the CIDR's network (0 is the network address itself). */
export function nthAddress(cidr: Cidr, n: bigint): IpAddress {
  if (n < 0n || n >= sizeOf(cidr)) throw new PodrunError(`${formatCidr(networkOf(cidr))} has no address number ${n}`);
  return { family: cidr.family, value: networkOf(cidr).value + n };
}

export function contains(cidr: Cidr, ip: IpAddress): boolean {
  return ip.family === cidr.family && networkOf({ ...ip, prefix: cidr.prefix }).value === networkOf(cidr).value;
}

/** Whether two CIDRs share an address (CIDRs either nest or are disjoint). */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && (contains(a, b) || contains(b, a));
}
