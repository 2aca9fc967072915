#!/usr/bin/env node
// The per-pod network set-up through podrun's rtnetlink module against the same through
// `ip` (execa), as the choice between them was made (docs/networking-kernel.md). Root;
// `make build` first. It re-runs itself under `unshare --net --mount`: the bench's "host"
// is a network namespace of its own, and /run/netns a tmpfs of its own mount namespace,
// so nothing it makes outlives it, not even after a kill -9.
//
//   node bench/netlink.mjs [--json]        (BENCH_NETLINK_N iterations per way, default 30)
//
// Each iteration makes a fresh pod netns (not timed) and times the sequence: a veth pair
// with its peer created in the pod netns as eth0, master, host end up, lo and eth0 up, an
// IPv4 and an IPv6 address (nodad), two default routes. The ways are interleaved.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const N = Math.max(1, Number(process.env.BENCH_NETLINK_N ?? 30) | 0);
const JSON_OUT = process.argv.includes('--json');
const INSIDE = 'PODRUN_BENCH_NETLINK_INSIDE';

if (!process.env[INSIDE]) {
  const r = spawnSync('unshare', ['--net', '--mount', '--propagation', 'private', process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [INSIDE]: '1' },
  });
  process.exit(r.status ?? 1);
}

const dist = join(REPO, 'dist', 'src', 'kernel');
if (!existsSync(join(dist, 'rtnetlink.js'))) throw new Error('dist/ missing: run `make build` first');
const nl = await import(join(dist, 'rtnetlink.js'));
const { withNamespaces } = await import(join(dist, 'namespaces.js'));

const sh = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
};
// Only this mount namespace sees the tmpfs, and the netns pins made on it (the directory
// itself is the machine's, where `ip netns` keeps it).
mkdirSync('/run/netns', { recursive: true });
sh('mount', ['-t', 'tmpfs', 'podrun-bench-netns', '/run/netns']);

const BRIDGE = 'benchbr0';
const GW4 = '10.213.0.1';
const GW6 = 'fd13:213::1';
nl.linkAddBridge(BRIDGE);
nl.linkSetUp(BRIDGE);
nl.addrAdd(BRIDGE, GW4, 16);
nl.addrAdd(BRIDGE, GW6, 64, { noDad: true });

const pod4 = (i) => `10.213.${(i >> 8) & 255}.${(i & 255) + 2}`;
const pod6 = (i) => `fd13:213::${(i + 2).toString(16)}`;

const ways = {
  netlink(ns, veth, i) {
    const pin = `/run/netns/${ns}`;
    const fd = openSync(pin, 'r');
    try {
      nl.linkAddVethPair(veth, 'eth0', fd);
    } finally {
      closeSync(fd);
    }
    nl.linkSetMaster(veth, BRIDGE);
    nl.linkSetUp(veth);
    withNamespaces({ enter: { net: pin } }, () => {
      nl.linkSetUp('lo');
      nl.linkSetUp('eth0');
      nl.addrAdd('eth0', pod4(i), 16);
      nl.addrAdd('eth0', pod6(i), 64, { noDad: true });
      nl.routeAddDefault(GW4, 'eth0');
      nl.routeAddDefault(GW6, 'eth0');
    });
  },
  /** One `ip` per change, as a driver calling iproute2 would without batching. */
  async ip(ns, veth, i) {
    for (const args of [
      ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns],
      ['link', 'set', veth, 'master', BRIDGE],
      ['link', 'set', veth, 'up'],
      ['-n', ns, 'link', 'set', 'lo', 'up'],
      ['-n', ns, 'link', 'set', 'eth0', 'up'],
      ['-n', ns, 'addr', 'add', `${pod4(i)}/16`, 'dev', 'eth0'],
      ['-n', ns, 'addr', 'add', `${pod6(i)}/64`, 'dev', 'eth0', 'nodad'],
      ['-n', ns, 'route', 'add', 'default', 'via', GW4, 'dev', 'eth0'],
      ['-n', ns, '-6', 'route', 'add', 'default', 'via', GW6, 'dev', 'eth0'],
    ]) {
      await execa('ip', args);
    }
  },
  /** The fewest processes iproute2 allows: one batch in the host netns, one in the pod's. */
  async ipBatch(ns, veth, i) {
    await execa('ip', ['-batch', '-'], { input: `link add ${veth} type veth peer name eth0 netns ${ns}\nlink set ${veth} master ${BRIDGE}\nlink set ${veth} up\n` });
    await execa('ip', ['-n', ns, '-batch', '-'], {
      input: [
        'link set lo up',
        'link set eth0 up',
        `addr add ${pod4(i)}/16 dev eth0`,
        `addr add ${pod6(i)}/64 dev eth0 nodad`,
        `route add default via ${GW4} dev eth0`,
        `route add ::/0 via ${GW6} dev eth0`,
        '',
      ].join('\n'),
    });
  },
};

const times = Object.fromEntries(Object.keys(ways).map((w) => [w, []]));
let serial = 0;
for (let round = 0; round < N; round++) {
  for (const [way, run] of Object.entries(ways)) {
    const i = serial++;
    const ns = `bench-pod-${i}`;
    const veth = `vbench${i}`;
    sh('ip', ['netns', 'add', ns]);
    const t0 = performance.now();
    await run(ns, veth, i);
    times[way].push(performance.now() - t0);
    // The host end goes at once; the pod netns's own end of the pair would only go with the netns, later.
    nl.linkDelete(veth);
    sh('ip', ['netns', 'del', ns]);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const result = Object.fromEntries(Object.entries(times).map(([w, xs]) => [w, { medianMs: +median(xs).toFixed(3), firstMs: +xs[0].toFixed(3), n: xs.length }]));
if (JSON_OUT) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const label = { netlink: 'rtnetlink (src/kernel/rtnetlink.ts)', ip: 'ip via execa, one per change (9)', ipBatch: 'ip via execa, -batch (2 processes)' };
  for (const [w, r] of Object.entries(result)) {
    process.stdout.write(`${label[w].padEnd(40)} median ${r.medianMs.toFixed(2).padStart(7)} ms   (first ${r.firstMs.toFixed(2)} ms, N=${r.n})\n`);
  }
}
