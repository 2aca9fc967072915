#!/usr/bin/env node
// The network sandbox step alone, timed in-process as the supervisor runs it (bench.mjs
// starts this with the supervisor's node flags, inside its own network namespace): the
// step's set-up of a bridged pod and of a pod with `podrun.io/network: none`, each on a
// fresh pinned network namespace, interleaved, while one more bridged pod keeps the bridge
// (as a running pod does). Prints {"bridge": [ms...], "none": [ms...]} and undoes everything.
//   node network-step.mjs STATE_ROOT N
import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { withNamespaces } from '../dist/src/kernel/namespaces.js';
import { validatePod } from '../dist/src/manifest/parse.js';
import { networkStep } from '../dist/src/pod/sandbox-network.js';
import { PodPaths } from '../dist/src/state/paths.js';
import { MNT_DETACH, MS, mount, umount2 } from '../dist/native-bindings/libc.js';

const [root, n] = [process.argv[2], Number(process.argv[3])];
const made = [];

function pod(name, annotations) {
  const p = validatePod({ apiVersion: 'v1', kind: 'Pod', metadata: { name, annotations }, spec: { containers: [{ name: 'c', image: '/', command: ['true'] }] } });
  p.metadata.uid = randomUUID();
  const paths = new PodPaths(join(root, 'pods', name));
  mkdirSync(paths.nsDir, { recursive: true });
  closeSync(openSync(paths.ns('net'), 'w'));
  withNamespaces({ create: ['net'] }, () => mount('/proc/thread-self/ns/net', paths.ns('net'), null, MS.BIND));
  made.push(paths);
  return { pod: p, paths, cgroup: '', rec: { state: 'creating', cgroup: '', hostname: name, namespaces: {} } };
}

function timed(ctx) {
  const t0 = process.hrtime.bigint();
  networkStep.setUp(ctx);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const out = { bridge: [], none: [] };
try {
  networkStep.setUp(pod('anchor', {}));
  for (let i = 0; i < n; i++) {
    out.bridge.push(timed(pod(`bridge-${i}`, {})));
    out.none.push(timed(pod(`none-${i}`, { 'podrun.io/network': 'none' })));
  }
} finally {
  for (const paths of made.reverse()) {
    networkStep.undo({ paths, cgroup: undefined });
    umount2(paths.ns('net'), MNT_DETACH);
    rmSync(paths.dir, { recursive: true, force: true });
  }
}
process.stdout.write(JSON.stringify(out) + '\n');
