// The pod address ranges: read from the environment, validated, and turned into the pool
// of addresses a pod may get. Pure: the environment is passed in.
import { InvalidInputError } from '../util/errors.js';
import { type Cidr, type Family, formatCidr, formatIp, hasHostBits, networkOf, nthAddress, parseCidr, sizeOf } from './cidr.js';

/** The CIDRs as given (PODRUN_POD_IPV4_RANGE, PODRUN_POD_IPV6_RANGE). */
export interface NetRanges {
  ipv4: string;
  ipv6: string;
}

export const RANGE_VARIABLE: Record<Family, string> = { 4: 'PODRUN_POD_IPV4_RANGE', 6: 'PODRUN_POD_IPV6_RANGE' };

// Neither collides with 192.0.2.0/24 or fd00::/64, which the hosts use; 10.88.0.0/16 is
// podman's default, so a machine with both keeps them apart.
export const DEFAULT_RANGES: NetRanges = { ipv4: '10.89.0.0/16', ipv6: 'fd89::/64' };

// The network address, the gateway, one pod and (IPv4) the broadcast need a /30;
// IPv6 has no broadcast, but its all-zero host is the subnet-router anycast: /126.
const LONGEST_PREFIX: Record<Family, number> = { 4: 30, 6: 126 };

/** A validated range and the addresses in it that pods get. */
export interface Pool {
  family: Family;
  /** The variable that sets the range, for messages. */
  variable: string;
  network: Cidr;
  gateway: bigint;
  /** The lowest and highest address a pod may get. */
  first: bigint;
  last: bigint;
}

/** The ranges from PODRUN_POD_IPV4_RANGE and PODRUN_POD_IPV6_RANGE (an empty value is unset). */
export function netRangesFromEnv(env: NodeJS.ProcessEnv): NetRanges {
  const ranges: NetRanges = {
    ipv4: env[RANGE_VARIABLE[4]] || DEFAULT_RANGES.ipv4,
    ipv6: env[RANGE_VARIABLE[6]] || DEFAULT_RANGES.ipv6,
  };
  poolsOf(ranges);
  return ranges;
}

/** The pool of one family's range; InvalidInputError naming the variable when it is not usable. */
export function poolOf(family: Family, text: string): Pool {
  const variable = RANGE_VARIABLE[family];
  const fail = (why: string) => new InvalidInputError(variable, `${JSON.stringify(text)} ${why}`);
  const cidr = parseCidr(text);
  if (!cidr) throw fail(`is not an IPv${family} range (ADDRESS/PREFIX, such as ${DEFAULT_RANGES[family === 4 ? 'ipv4' : 'ipv6']})`);
  if (cidr.family !== family) throw fail(`is an IPv${cidr.family} range, and ${variable} takes an IPv${family} one`);
  const network = networkOf(cidr);
  if (hasHostBits(cidr)) throw fail(`has host bits set: the network is ${formatCidr(network)}`);
  if (cidr.prefix > LONGEST_PREFIX[family]) {
    throw fail(`leaves no address for a pod: the prefix must be /${LONGEST_PREFIX[family]} or shorter`);
  }
  const size = sizeOf(network);
  return {
    family,
    variable,
    network,
    gateway: nthAddress(network, 1n).value,
    first: nthAddress(network, 2n).value,
    last: nthAddress(network, family === 4 ? size - 2n : size - 1n).value,
  };
}

export function poolsOf(ranges: NetRanges): { 4: Pool; 6: Pool } {
  return { 4: poolOf(4, ranges.ipv4), 6: poolOf(6, ranges.ipv6) };
}

/** The bridge's addresses: the first host address of each range. */
export function gateways(ranges: NetRanges): { gateway4: string; gateway6: string; prefix4: number; prefix6: number } {
  const pools = poolsOf(ranges);
  return {
    gateway4: formatIp({ family: 4, value: pools[4].gateway }),
    gateway6: formatIp({ family: 6, value: pools[6].gateway }),
    prefix4: pools[4].network.prefix,
    prefix6: pools[6].network.prefix,
  };
}

/** The gateway of the network an address with this prefix is in (a lease from an older range). */
export function gatewayOf(family: Family, address: bigint, prefix: number): bigint {
  return nthAddress(networkOf({ family, value: address, prefix }), 1n).value;
}
