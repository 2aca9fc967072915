// Pod address management: the lease file (e.g. ROOT/net/leases.json) and the flock that
// makes every read-decide-write one step, so that no two processes hand out one address.
// The decisions are lease-table.ts's; this module only reads, locks and writes.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { lockExclusive } from '../../native-bindings/libc.js';
import { readJson, writeJsonAtomic } from '../state/atomic.js';
import { type Lease, type PodAddresses, addressesOf, allocate, decodeLeaseFile, encodeLeaseFile, notALeaseFile } from './lease-table.js';
import { type NetRanges, type Pool, poolsOf } from './ranges.js';

export { type NetRanges, gateways, netRangesFromEnv } from './ranges.js';
export type { PodAddresses } from './lease-table.js';

export class AddressBook {
  private readonly pools: { 4: Pool; 6: Pool };

  /** `ranges` are validated here: an unusable one is an InvalidInputError naming its variable. */
  constructor(
    private readonly file: string,
    ranges: NetRanges,
  ) {
    this.pools = poolsOf(ranges);
  }

  /**
   * The uid's addresses: its lease if it has one, or else the lowest free pair, after the
   * leases of pods that are not live (isLive false) are reclaimed. Exhaustion is a
   * PodrunError naming the range and its variable, and writes nothing. isLive must hold
   * for a pod from before its allocate until its release (its state directory exists
   * first), or another pod's allocate reclaims the lease of a pod still being created.
   */
  allocate(uid: string, pod: string, isLive: (uid: string, pod: string) => boolean): PodAddresses {
    return this.locked((table) => {
      const { lease, table: next } = allocate(table, this.pools, uid, pod, isLive);
      if (next) writeJsonAtomic(this.file, encodeLeaseFile(next));
      return addressesOf(lease);
    });
  }

  /** Drops the uid's lease; a uid without one is no error. */
  release(uid: string): void {
    this.locked((table) => {
      const next = table.filter((l) => l.uid !== uid);
      if (next.length !== table.length) writeJsonAtomic(this.file, encodeLeaseFile(next));
    });
  }

  lookup(uid: string): PodAddresses | undefined {
    return this.locked((table) => {
      const lease = table.find((l) => l.uid === uid);
      return lease && addressesOf(lease);
    });
  }

  leases(): { uid: string; pod: string; ipv4: string; ipv6: string }[] {
    return this.locked((table) => table.map(({ uid, pod, ipv4, ipv6 }) => ({ uid, pod, ipv4, ipv6 })));
  }

  /** fn on the table read under the lock (a file beside the table: the table itself is replaced by rename). */
  private locked<T>(fn: (table: Lease[]) => T): T {
    mkdirSync(dirname(this.file), { recursive: true });
    const lockPath = `${this.file}.lock`;
    const fd = openSync(lockPath, 'a', 0o600);
    try {
      lockExclusive(fd, lockPath);
      return fn(this.read());
    } finally {
      closeSync(fd);
    }
  }

  private read(): Lease[] {
    let doc: unknown;
    try {
      doc = readJson<unknown>(this.file);
    } catch (e) {
      if (e instanceof SyntaxError) throw notALeaseFile(this.file, `not JSON: ${e.message}`);
      throw e;
    }
    return doc === undefined ? [] : decodeLeaseFile(doc, this.file);
  }
}
