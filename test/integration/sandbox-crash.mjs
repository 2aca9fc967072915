// Driver of test/integration/sandbox-steps.test.ts: a stand-in supervisor that dies by
// SIGKILL in the middle of a sandbox set-up or teardown, and the one that cleans up after it.
//   node sandbox-crash.mjs setup POD_DIR UID K      set up the first K steps, print the record, die
//   node sandbox-crash.mjs teardown POD_DIR UID J   set up all, undo the last J steps, print, die
//   node sandbox-crash.mjs destroy POD_DIR UID      destroySandbox, as a new supervisor does
import { mkdirSync, writeSync } from 'node:fs';
import { validatePod } from '../../dist/src/manifest/parse.js';
import { SANDBOX_STEPS, destroySandbox, podCgroupPath } from '../../dist/src/pod/sandbox.js';
import { PodPaths } from '../../dist/src/state/paths.js';
import { undoAll } from '../../dist/src/util/steps.js';

const [mode, dir, uid, n] = process.argv.slice(2);
const paths = new PodPaths(dir);
const cgroup = podCgroupPath(uid);

function setUp(k) {
  const pod = validatePod({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'crash' },
    spec: {
      // A hostPort, so that the host-ports step has rules to add and undo.
      containers: [{ name: 'c', image: '/', command: ['true'], ports: [{ containerPort: 80, hostPort: 18080 }] }],
      volumes: [
        { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
        { name: 'disk', emptyDir: {} },
      ],
    },
  });
  pod.metadata.uid = uid;
  mkdirSync(dir, { recursive: true });
  const rec = { state: 'creating', cgroup, hostname: 'crash', namespaces: { net: paths.ns('net'), ipc: paths.ns('ipc'), uts: paths.ns('uts') } };
  const ctx = { pod, paths, cgroup, rec };
  for (const s of SANDBOX_STEPS.slice(0, k)) s.setUp(ctx);
  return rec;
}

function crash(rec) {
  writeSync(1, JSON.stringify(rec) + '\n');
  process.kill(process.pid, 'SIGKILL');
}

if (mode === 'setup') crash(setUp(Number(n)));
else if (mode === 'teardown') {
  const rec = setUp(SANDBOX_STEPS.length);
  undoAll(SANDBOX_STEPS.slice(SANDBOX_STEPS.length - Number(n)), { paths, cgroup });
  crash(rec);
} else if (mode === 'destroy') destroySandbox(paths, cgroup);
else throw new Error(`unknown mode ${mode}`);
