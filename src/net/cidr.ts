// IPv4 and IPv6 addresses and CIDRs as numbers, for the network arithmetic IPAM needs.
// Pure: no I/O. Addresses are BigInts so that both families share one arithmetic; the
// text form (parsing, RFC 5952 formatting) is the kernel layer's, which netlink uses too.
import { formatIp as formatIpBytes, parseIp as parseIpBytes, type IpBytes } from '../kernel/ip-address.js';
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

/** An IPv4 (dotted decimal) or IPv6 address; undefined if it is neither. */
export function parseIp(text: string): IpAddress | undefined {
  let ip: IpBytes;
  try {
    ip = parseIpBytes(text);
  } catch {
    return undefined;
  }
  return { family: ip.family, value: BigInt(`0x${ip.bytes.toString('hex')}`) };
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

/** Canonical text: dotted decimal, RFC 5952 for IPv6 (the kernel layer's formatting). */
export function formatIp(ip: IpAddress): string {
  return formatIpBytes(Buffer.from(ip.value.toString(16).padStart(addressBits(ip.family) / 4, '0'), 'hex'));
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
