// The lease table: its file format, checked on the way in, and the allocation decision
// (reclaim, then the lowest free address of each family). Pure: ipam.ts does the I/O.
import { PodrunError } from '../util/errors.js';
import { type Family, formatCidr, formatIp, parseIp } from './cidr.js';
import { type Pool, gatewayOf } from './ranges.js';

export interface Lease {
  uid: string;
  pod: string;
  ipv4: string;
  ipv6: string;
  /** The prefixes of the ranges the addresses came from (the range may have changed since). */
  prefix4: number;
  prefix6: number;
}

export interface PodAddresses {
  ipv4: string;
  ipv6: string;
  prefix4: number;
  prefix6: number;
  gateway4: string;
  gateway6: string;
}

const FORMAT = 'podrun-leases';
const VERSION = 1;

export function encodeLeaseFile(leases: Lease[]): unknown {
  return { format: FORMAT, version: VERSION, leases };
}

/** The error for a file that is not a lease table: it is never overwritten, as it may hold live pods' leases. */
export function notALeaseFile(file: string, why: string): PodrunError {
  return new PodrunError(`${file}: not a podrun lease file (${why}); repair or remove it (removing it forgets the addresses of live pods)`);
}

/** The leases of a parsed lease file; a PodrunError naming the file when it is not one. */
export function decodeLeaseFile(doc: unknown, file: string): Lease[] {
  const fail = (why: string) => notALeaseFile(file, why);
  const d = doc as { format?: unknown; version?: unknown; leases?: unknown } | null;
  if (typeof d !== 'object' || d === null || d.format !== FORMAT) throw fail(`no "format": "${FORMAT}"`);
  if (d.version !== VERSION) throw fail(`version ${JSON.stringify(d.version)}, this podrun reads ${VERSION}`);
  if (!Array.isArray(d.leases)) throw fail('"leases" is not a list');
  const seen = new Set<string>();
  return d.leases.map((entry: unknown, i: number) => {
    const lease = decodeLease(entry);
    if (!lease) throw fail(`lease ${i} is malformed`);
    for (const key of [`uid ${lease.uid}`, lease.ipv4, lease.ipv6]) {
      if (seen.has(key)) throw fail(`${key} is leased twice`);
      seen.add(key);
    }
    return lease;
  });
}

function decodeLease(entry: unknown): Lease | undefined {
  const e = entry as Record<string, unknown> | null;
  if (typeof e !== 'object' || e === null || typeof e.uid !== 'string' || !e.uid || typeof e.pod !== 'string') return undefined;
  const ipv4 = canonical(4, e.ipv4);
  const ipv6 = canonical(6, e.ipv6);
  const prefix4 = e.prefix4;
  const prefix6 = e.prefix6;
  if (!ipv4 || !ipv6 || !isPrefix(prefix4, 32) || !isPrefix(prefix6, 128)) return undefined;
  return { uid: e.uid, pod: e.pod, ipv4, ipv6, prefix4, prefix6 };
}

function canonical(family: Family, text: unknown): string | undefined {
  const ip = typeof text === 'string' ? parseIp(text) : undefined;
  return ip?.family === family ? formatIp(ip) : undefined;
}

function isPrefix(n: unknown, bits: number): n is number {
  return Number.isInteger(n) && (n as number) >= 0 && (n as number) <= bits;
}

export function addressesOf(lease: Lease): PodAddresses {
  const gateway = (family: Family, address: string, prefix: number) =>
    formatIp({ family, value: gatewayOf(family, parseIp(address)!.value, prefix) });
  return {
    ipv4: lease.ipv4,
    ipv6: lease.ipv6,
    prefix4: lease.prefix4,
    prefix6: lease.prefix6,
    gateway4: gateway(4, lease.ipv4, lease.prefix4),
    gateway6: gateway(6, lease.ipv6, lease.prefix6),
  };
}

export interface Allocation {
  lease: Lease;
  /** The table after the allocation; undefined when it is unchanged (the uid had a lease). */
  table?: Lease[];
}

/**
 * The uid's lease: the one it has, or a new one after the leases of pods that are not live
 * are dropped. Leases outside the current ranges (an older range) stay until released or
 * reclaimed, and their addresses are never handed out, as no pool contains them.
 */
export function allocate(
  table: Lease[],
  pools: { 4: Pool; 6: Pool },
  uid: string,
  pod: string,
  isLive: (uid: string, pod: string) => boolean,
): Allocation {
  const held = table.find((l) => l.uid === uid);
  if (held) return { lease: held };
  const kept = table.filter((l) => isLive(l.uid, l.pod));
  const lease: Lease = {
    uid,
    pod,
    ipv4: lowestFree(pools[4], kept.map((l) => l.ipv4)),
    ipv6: lowestFree(pools[6], kept.map((l) => l.ipv6)),
    prefix4: pools[4].network.prefix,
    prefix6: pools[6].network.prefix,
  };
  return { lease, table: [...kept, lease] };
}

/**
 * The lowest address of the pool that no lease holds. Lowest-free rather than CNI
 * host-local's next-after-last: addresses are predictable (the first pod gets .2, a
 * released address is the next one given), which is what the docs and tests can promise;
 * the price, a reused address meeting a stale neighbour entry on the host, lasts only
 * until the kernel re-resolves it, as the released pod's veth is gone.
 */
function lowestFree(pool: Pool, held: string[]): string {
  const used = new Set<bigint>();
  for (const text of held) {
    const { value } = parseIp(text)!;
    if (value >= pool.first && value <= pool.last) used.add(value);
  }
  // At most used.size + 1 steps, however large the range.
  for (let a = pool.first; a <= pool.last; a++) {
    if (!used.has(a)) return formatIp({ family: pool.family, value: a });
  }
  const n = used.size;
  throw new PodrunError(
    `no free IPv${pool.family} address in ${formatCidr(pool.network)} ` +
      `(${pool.variable}): ${n} ${n === 1 ? 'pod holds' : 'pods hold'} them all`,
  );
}
