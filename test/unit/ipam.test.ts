// Pod address management (src/net/ipam.ts): the ranges and their errors, the allocation
// order, idempotence, release and reuse, reclaim, exhaustion, a changed range, a corrupt
// lease file, and 20 processes allocating on one file at once.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCidr, overlaps } from '../../src/net/cidr.js';
import { AddressBook, type NetRanges, gateways, netRangesFromEnv } from '../../src/net/ipam.js';
import { InvalidInputError, PodrunError } from '../../src/util/errors.js';

const repo = join(__dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'podrun-ipam-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const DEFAULTS = netRangesFromEnv({});
let seq = 0;
/** A lease file of its own in a directory that does not exist yet. */
const leaseFile = () => join(tmp, `t${seq++}`, 'net', 'leases.json');
const alive = () => true;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('netRangesFromEnv', () => {
  it('has defaults, takes the variables as given, and reads an empty value as unset', () => {
    expect(DEFAULTS).toEqual({ ipv4: '10.89.0.0/16', ipv6: 'fd89::/64' });
    expect(netRangesFromEnv({ PODRUN_POD_IPV4_RANGE: '172.30.0.0/24', PODRUN_POD_IPV6_RANGE: 'FD12:3::/112' })).toEqual({
      ipv4: '172.30.0.0/24',
      ipv6: 'FD12:3::/112',
    });
    expect(netRangesFromEnv({ PODRUN_POD_IPV4_RANGE: '', PODRUN_POD_IPV6_RANGE: '' })).toEqual(DEFAULTS);
  });

  it('keeps the defaults clear of the machines own networks and of podman', () => {
    for (const used of ['192.0.2.0/24', 'fd00::/64', '10.88.0.0/16']) {
      for (const range of [DEFAULTS.ipv4, DEFAULTS.ipv6]) {
        expect(overlaps(parseCidr(range)!, parseCidr(used)!), `${range} and ${used}`).toBe(false);
      }
    }
  });

  it.each([
    ['PODRUN_POD_IPV4_RANGE', '10.89.0/16', '"10.89.0/16" is not an IPv4 range (ADDRESS/PREFIX, such as 10.89.0.0/16)'],
    ['PODRUN_POD_IPV4_RANGE', '10.89.0.0', '"10.89.0.0" is not an IPv4 range'],
    ['PODRUN_POD_IPV4_RANGE', '10.89.0.0/33', '"10.89.0.0/33" is not an IPv4 range'],
    ['PODRUN_POD_IPV4_RANGE', '10.89.0.1/16', '"10.89.0.1/16" has host bits set: the network is 10.89.0.0/16'],
    ['PODRUN_POD_IPV4_RANGE', 'fd89::/64', '"fd89::/64" is an IPv6 range, and PODRUN_POD_IPV4_RANGE takes an IPv4 one'],
    ['PODRUN_POD_IPV4_RANGE', '10.89.0.0/31', '"10.89.0.0/31" leaves no address for a pod: the prefix must be /30 or shorter'],
    ['PODRUN_POD_IPV6_RANGE', 'fd89:/64', '"fd89:/64" is not an IPv6 range (ADDRESS/PREFIX, such as fd89::/64)'],
    ['PODRUN_POD_IPV6_RANGE', 'fd89::1/64', '"fd89::1/64" has host bits set: the network is fd89::/64'],
    ['PODRUN_POD_IPV6_RANGE', '10.89.0.0/16', '"10.89.0.0/16" is an IPv4 range, and PODRUN_POD_IPV6_RANGE takes an IPv6 one'],
    ['PODRUN_POD_IPV6_RANGE', 'fd89::/127', '"fd89::/127" leaves no address for a pod: the prefix must be /126 or shorter'],
  ])('%s=%s is refused, naming the variable', (variable, value, message) => {
    const err = thrown(() => netRangesFromEnv({ [variable]: value }));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).field).toBe(variable);
    expect((err as Error).message).toContain(`${variable}: ${message}`);
  });

  it('takes the longest prefixes that leave a pod its address', () => {
    expect(() => netRangesFromEnv({ PODRUN_POD_IPV4_RANGE: '10.89.0.0/30', PODRUN_POD_IPV6_RANGE: 'fd89::/126' })).not.toThrow();
  });
});

describe('gateways', () => {
  it('are the first host address of each range', () => {
    expect(gateways(DEFAULTS)).toEqual({ gateway4: '10.89.0.1', gateway6: 'fd89::1', prefix4: 16, prefix6: 64 });
    expect(gateways({ ipv4: '172.30.4.0/22', ipv6: 'fd12:3::100/120' })).toEqual({
      gateway4: '172.30.4.1',
      gateway6: 'fd12:3::101',
      prefix4: 22,
      prefix6: 120,
    });
  });

  it('refuse a bad range as netRangesFromEnv does', () => {
    expect(() => gateways({ ipv4: '10.89.0.1/16', ipv6: 'fd89::/64' })).toThrow('PODRUN_POD_IPV4_RANGE: "10.89.0.1/16" has host bits set');
  });
});

describe('AddressBook', () => {
  it('hands out the lowest free addresses from the second host address on, with the gateway', () => {
    const book = new AddressBook(leaseFile(), DEFAULTS);
    expect(book.allocate('u1', 'a', alive)).toEqual({
      ipv4: '10.89.0.2',
      ipv6: 'fd89::2',
      prefix4: 16,
      prefix6: 64,
      gateway4: '10.89.0.1',
      gateway6: 'fd89::1',
    });
    expect(book.allocate('u2', 'b', alive)).toMatchObject({ ipv4: '10.89.0.3', ipv6: 'fd89::3' });
    expect(book.leases()).toEqual([
      { uid: 'u1', pod: 'a', ipv4: '10.89.0.2', ipv6: 'fd89::2' },
      { uid: 'u2', pod: 'b', ipv4: '10.89.0.3', ipv6: 'fd89::3' },
    ]);
  });

  it('crosses an octet boundary: inside a /23, x.255 and x.0 are pod addresses', () => {
    const book = new AddressBook(leaseFile(), { ipv4: '10.89.0.0/23', ipv6: 'fd89::/64' });
    const got = [...Array(256).keys()].map((i) => book.allocate(`u${i}`, `p${i}`, alive).ipv4);
    expect(got.slice(-3)).toEqual(['10.89.0.255', '10.89.1.0', '10.89.1.1']);
    expect(new Set(got).size).toBe(256);
  });

  it('is idempotent per uid, and does not rewrite the file for it', () => {
    const file = leaseFile();
    const book = new AddressBook(file, DEFAULTS);
    const first = book.allocate('u1', 'a', alive);
    const before = readFileSync(file, 'utf8');
    const isLive = () => {
      throw new Error('a held lease needs no reclaim');
    };
    expect(book.allocate('u1', 'a', isLive)).toEqual(first);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(book.leases()).toHaveLength(1);
  });

  it('keeps leases in the file: another AddressBook (a restarted supervisor) sees them', () => {
    const file = leaseFile();
    const first = new AddressBook(file, DEFAULTS).allocate('u1', 'a', alive);
    const again = new AddressBook(file, DEFAULTS);
    expect(again.lookup('u1')).toEqual(first);
    expect(again.allocate('u2', 'b', alive).ipv4).toBe('10.89.0.3');
    expect(existsSync(`${file}.lock`)).toBe(true);
  });

  it('releases a lease, reuses its addresses first, and takes an unknown uid as a no-op', () => {
    const file = leaseFile();
    const book = new AddressBook(file, DEFAULTS);
    book.release('nobody');
    expect(existsSync(file)).toBe(false);
    book.allocate('u1', 'a', alive);
    book.allocate('u2', 'b', alive);
    book.release('u1');
    book.release('u1');
    expect(book.lookup('u1')).toBeUndefined();
    expect(book.allocate('u3', 'c', alive)).toMatchObject({ ipv4: '10.89.0.2', ipv6: 'fd89::2' });
    expect(book.leases().map((l) => l.uid)).toEqual(['u2', 'u3']);
  });

  it('reclaims the leases of pods that are not live before allocating', () => {
    const book = new AddressBook(leaseFile(), DEFAULTS);
    book.allocate('u1', 'a', alive);
    book.allocate('u2', 'b', alive);
    const asked: string[] = [];
    const got = book.allocate('u3', 'c', (uid, pod) => {
      asked.push(`${uid}/${pod}`);
      return pod !== 'a';
    });
    expect(asked).toEqual(['u1/a', 'u2/b']);
    expect(got).toMatchObject({ ipv4: '10.89.0.2', ipv6: 'fd89::2' });
    expect(book.leases().map((l) => l.uid)).toEqual(['u2', 'u3']);
  });

  it('refuses a pod when a /30 is full, naming the range and its variable, and writes nothing', () => {
    const file = leaseFile();
    const book = new AddressBook(file, { ipv4: '10.89.0.0/30', ipv6: 'fd89::/64' });
    expect(book.allocate('u1', 'a', alive).ipv4).toBe('10.89.0.2');
    const before = readFileSync(file, 'utf8');
    const err = thrown(() => book.allocate('u2', 'b', alive));
    expect(err).toBeInstanceOf(PodrunError);
    expect((err as PodrunError).kind).toBe('runtime');
    expect((err as Error).message).toBe('no free IPv4 address in 10.89.0.0/30 (PODRUN_POD_IPV4_RANGE): 1 pod holds them all');
    expect(readFileSync(file, 'utf8')).toBe(before);
    // A dead pod's address is free again.
    expect(book.allocate('u2', 'b', () => false).ipv4).toBe('10.89.0.2');
  });

  it('gives two pods a /126, the all-zero host being the anycast address', () => {
    const book = new AddressBook(leaseFile(), { ipv4: '10.89.0.0/16', ipv6: 'fd89::/126' });
    expect(book.allocate('u1', 'a', alive).ipv6).toBe('fd89::2');
    expect(book.allocate('u2', 'b', alive).ipv6).toBe('fd89::3');
    expect(() => book.allocate('u3', 'c', alive)).toThrow(
      'no free IPv6 address in fd89::/126 (PODRUN_POD_IPV6_RANGE): 2 pods hold them all',
    );
  });

  it('keeps a lease from an older range with its own prefix and gateway, and never hands its address out', () => {
    const file = leaseFile();
    const old = new AddressBook(file, DEFAULTS).allocate('u1', 'a', alive);
    const moved = new AddressBook(file, { ipv4: '172.30.0.0/24', ipv6: 'fd12::/120' });
    expect(moved.lookup('u1')).toEqual(old);
    expect(moved.allocate('u2', 'b', alive)).toEqual({
      ipv4: '172.30.0.2',
      ipv6: 'fd12::2',
      prefix4: 24,
      prefix6: 120,
      gateway4: '172.30.0.1',
      gateway6: 'fd12::1',
    });
    // A range that takes in the old lease's address skips it.
    const shrunk = new AddressBook(file, { ipv4: '10.89.0.0/30', ipv6: 'fd89::/126' });
    expect(() => shrunk.allocate('u3', 'c', alive)).toThrow('no free IPv4 address in 10.89.0.0/30 (PODRUN_POD_IPV4_RANGE): 1 pod holds them all');
    moved.release('u1');
    expect(shrunk.allocate('u3', 'c', alive)).toMatchObject({ ipv4: '10.89.0.2', prefix4: 30, gateway4: '10.89.0.1' });
  });

  const lease = { uid: 'u1', pod: 'a', ipv4: '10.89.0.2', ipv6: 'fd89::2', prefix4: 16, prefix6: 64 };
  it.each([
    ['an empty file', '', 'not JSON'],
    ['a torn write', '{"format": "podrun-leases", "vers', 'not JSON'],
    ['a foreign file', '{"leases": []}', 'no "format": "podrun-leases"'],
    ['a list', '[]', 'no "format": "podrun-leases"'],
    ['another version', '{"format": "podrun-leases", "version": 2, "leases": []}', 'version 2, this podrun reads 1'],
    ['no lease list', '{"format": "podrun-leases", "version": 1, "leases": {}}', '"leases" is not a list'],
    ['a lease without uid', JSON.stringify({ format: 'podrun-leases', version: 1, leases: [{ ...lease, uid: '' }] }), 'lease 0 is malformed'],
    ['an IPv6 address as IPv4', JSON.stringify({ format: 'podrun-leases', version: 1, leases: [{ ...lease, ipv4: 'fd89::3' }] }), 'lease 0 is malformed'],
    ['a bad prefix', JSON.stringify({ format: 'podrun-leases', version: 1, leases: [{ ...lease, prefix6: 129 }] }), 'lease 0 is malformed'],
    [
      'one address twice',
      JSON.stringify({ format: 'podrun-leases', version: 1, leases: [lease, { ...lease, uid: 'u2', ipv4: '10.89.0.3', ipv6: 'FD89::0:2' }] }),
      'fd89::2 is leased twice',
    ],
    ['one uid twice', JSON.stringify({ format: 'podrun-leases', version: 1, leases: [lease, { ...lease, ipv4: '10.89.0.3', ipv6: 'fd89::3' }] }), 'uid u1 is leased twice'],
  ])('refuses %s, naming the file, and leaves it as it is', (_, text, why) => {
    const file = leaseFile();
    new AddressBook(file, DEFAULTS).release('x');
    writeFileSync(file, text);
    const book = new AddressBook(file, DEFAULTS);
    for (const op of [() => book.allocate('u9', 'z', alive), () => book.release('u1'), () => book.lookup('u1'), () => book.leases()]) {
      const err = thrown(op);
      expect(err).toBeInstanceOf(PodrunError);
      expect((err as Error).message).toContain(`${file}: not a podrun lease file (`);
      expect((err as Error).message).toContain(why);
    }
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('reads a hand-edited file in any case and answers in canonical form', () => {
    const file = leaseFile();
    new AddressBook(file, DEFAULTS).release('x');
    writeFileSync(file, JSON.stringify({ format: 'podrun-leases', version: 1, leases: [{ ...lease, ipv6: 'FD89:0::2' }] }));
    const book = new AddressBook(file, DEFAULTS);
    expect(book.lookup('u1')?.ipv6).toBe('fd89::2');
    expect(book.allocate('u2', 'b', alive).ipv6).toBe('fd89::3');
  });
});

describe('AddressBook under concurrency', () => {
  // Each child is this repository's ipam.ts bundled from source (so never a stale dist/);
  // koffi, left outside the bundle, is found through NODE_PATH.
  const child = join(tmp, 'ipam-child.cjs');
  // CommonJS as dist/exec.cjs (Makefile): libc.ts then loads koffi with the bundle's require.
  buildSync({
    entryPoints: [join(__dirname, 'ipam-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    external: ['koffi'],
    define: { 'import.meta.url': 'undefined' },
    outfile: child,
    logLevel: 'warning',
  });

  /** Starts a child allocating for `uid`; `ready` settles once it waits for the go. */
  function start(file: string, uid: string, ranges: NetRanges) {
    const proc = spawn(process.execPath, [child, file, uid], {
      env: { ...process.env, NODE_PATH: join(repo, 'node_modules'), PODRUN_POD_IPV4_RANGE: ranges.ipv4, PODRUN_POD_IPV6_RANGE: ranges.ipv6 },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (err += d));
    const ready = new Promise<void>((resolve, reject) => {
      proc.stdout.on('data', () => out.startsWith('ready\n') && resolve());
      proc.on('exit', () => reject(new Error(`child ${uid} ended before it was ready: ${err}`)));
    });
    const done = new Promise<{ ipv4: string; ipv6: string }>((resolve, reject) =>
      proc.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.slice('ready\n'.length))) : reject(new Error(`child ${uid}: exit ${code}: ${err}`)))),
    );
    return { proc, ready, done };
  }

  it('gives 20 processes allocating at the same moment 20 distinct pairs, all in the file', async () => {
    const file = leaseFile();
    // A /27 and a /123 have 29 and 30 addresses for pods: a lost update would show.
    const ranges = { ipv4: '10.89.0.0/27', ipv6: 'fd89::/123' };
    const children = [...Array(20).keys()].map((i) => start(file, `u${i}`, ranges));
    let got: { ipv4: string; ipv6: string }[];
    try {
      await Promise.all(children.map((c) => c.ready));
      for (const c of children) c.proc.stdin.end('go\n');
      got = await Promise.all(children.map((c) => c.done));
    } finally {
      // A failed or timed-out run leaves no child behind.
      for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    }
    expect(new Set(got.map((a) => a.ipv4)).size).toBe(20);
    expect(new Set(got.map((a) => a.ipv6)).size).toBe(20);
    const leases = new AddressBook(file, ranges).leases();
    expect(leases.map((l) => l.uid).sort()).toEqual(children.map((_, i) => `u${i}`).sort());
    expect(leases.map((l) => `${l.ipv4} ${l.ipv6}`).sort()).toEqual(got.map((a) => `${a.ipv4} ${a.ipv6}`).sort());
  });
});
