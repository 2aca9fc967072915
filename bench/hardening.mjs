// The bench's hardening rows (issue 9: hardening adds at most 5 ms, median, to a
// container's start and to exec). Measured side by side in the same run:
// - start: `podrun run` of the bench's one-container pod, interleaved with the same pod
//   with `privileged: true`, where every hardening step does nothing (all capabilities, no
//   no_new_privs, no seccomp filter, no masks, no device filter). Privileged copies the
//   host's /dev instead, so the difference understates the cost; hence also:
// - the steps alone, in fresh processes (hardening-steps.mjs): the device filter and the
//   privilege steps for the default container's config, beside the same for the
//   privileged one;
// - exec: `podrun exec` into a default container interleaved with exec into a privileged
//   container of the same pod.
import { join } from 'node:path';
import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';

export const TARGET_HARDENING_MS = 5;

function podManifest(name, rootfs, containers) {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: containers.map(([cname, securityContext]) => ({
        name: cname,
        image: rootfs,
        command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'],
        ...(securityContext ? { securityContext } : {}),
      })),
    },
  });
}

/** Runs the hardening measurements; returns their stats for the table. */
export async function benchHardening({ run, stats, podrun, root, tmp, n, rootfs, repo, log, fmt }) {
  const file = (name, containers) => {
    const p = join(tmp, `${name}.json`);
    writeFileSync(p, podManifest(name, rootfs, containers));
    return p;
  };
  const PRIV = { privileged: true };
  const start = { def: [], priv: [] };
  for (let i = 0; i < n; i++) {
    start.def.push((await run(podrun('run', '-f', file(`bench-hd-${i}`, [['main']])))).ms);
    start.priv.push((await run(podrun('run', '-f', file(`bench-hp-${i}`, [['main', PRIV]])))).ms);
  }
  await run(podrun('rm', '-f', ...Array.from({ length: n }, (_, i) => [`bench-hd-${i}`, `bench-hp-${i}`]).flat()));

  await run(podrun('run', '-f', file('bench-hard', [['def'], ['priv', PRIV]])));
  const execOf = (c) => podrun('exec', '-c', c, 'bench-hard', '--', '/bin/true');
  for (let i = 0; i < 2; i++) await run(execOf('def')), await run(execOf('priv'));
  const exec = { def: [], priv: [] };
  for (let i = 0; i < n; i++) {
    exec.def.push((await run(execOf('def'))).ms);
    exec.priv.push((await run(execOf('priv'))).ms);
  }

  const scratch = join('/sys/fs/cgroup/unified', `podrun-bench-${process.pid}`);
  mkdirSync(scratch);
  let steps;
  try {
    const cfg = (c) => join(root, 'pods', 'bench-hard', 'containers', c, 'init.json');
    const stepsOf = async (c) => JSON.parse((await run([process.execPath, join(repo, 'bench', 'hardening-steps.mjs'), cfg(c), scratch, String(n)])).stdout);
    steps = { def: await stepsOf('def'), priv: await stepsOf('priv') };
  } finally {
    rmdirSync(scratch);
  }
  await run(podrun('rm', '-f', 'bench-hard'));

  const h = {
    start: { def: stats(start.def), priv: stats(start.priv) },
    exec: { def: stats(exec.def), priv: stats(exec.priv) },
    steps: {
      deviceFilter: stats(steps.def.deviceFilter),
      privileges: stats(steps.def.privileges),
      privPrivileges: stats(steps.priv.privileges),
    },
  };
  // What hardening adds, from the steps alone: the device filter, and what the privilege
  // steps cost beyond running them with nothing to drop (privileged).
  h.stepsExecCost = h.steps.privileges.median - h.steps.privPrivileges.median;
  h.stepsStartCost = h.steps.deviceFilter.median + h.stepsExecCost;
  h.startCost = h.start.def.median - h.start.priv.median;
  h.execCost = h.exec.def.median - h.exec.priv.median;
  log(`  hardening, start: default ${fmt(h.start.def.median)} ms, privileged ${fmt(h.start.priv.median)} ms (medians, interleaved): ${fmt(h.startCost)} ms`);
  log(`  hardening, exec: default ${fmt(h.exec.def.median)} ms, privileged ${fmt(h.exec.priv.median)} ms (medians, interleaved): ${fmt(h.execCost)} ms`);
  log(`  hardening steps alone: device filter ${fmt(h.steps.deviceFilter.median, 2)} ms, privilege steps ${fmt(h.steps.privileges.median, 2)} ms (privileged: ${fmt(h.steps.privPrivileges.median, 2)} ms): start +${fmt(h.stepsStartCost, 2)} ms, exec +${fmt(h.stepsExecCost, 2)} ms`);
  return h;
}

/** The rows printTable adds for them. */
export function hardeningTable(h, fmt) {
  const verdict = (x) => (x <= TARGET_HARDENING_MS ? 'PASS' : 'MISS');
  const row = (what, st) => `| ${what} | ${fmt(st.median, 2)} | ${fmt(st.p90, 2)} | ${fmt(st.min, 2)} | | |`;
  return [
    '',
    '| Hardening (default container vs the same with `privileged: true`, interleaved) | median ms | p90 ms | min ms | target | result |',
    '|---|---:|---:|---:|---|---|',
    row('`podrun run -f` (1 busybox container), default hardening', h.start.def),
    row('`podrun run -f`, same pod with `privileged: true`', h.start.priv),
    `| cost to a container's start (difference of medians) | ${fmt(h.startCost, 2)} | | | <= ${TARGET_HARDENING_MS} ms | ${verdict(h.startCost)} |`,
    row('`podrun exec POD -- /bin/true`, default container', h.exec.def),
    row('`podrun exec`, privileged container of the same pod', h.exec.priv),
    `| cost to exec (difference of medians) | ${fmt(h.execCost, 2)} | | | <= ${TARGET_HARDENING_MS} ms | ${verdict(h.execCost)} |`,
    row('steps alone, fresh process: device filter (load, attach the supervisor\'s program)', h.steps.deviceFilter),
    row('steps alone: no_new_privs, bounding set, user, capabilities, seccomp (default)', h.steps.privileges),
    row('steps alone: the same for the privileged container (nothing to drop)', h.steps.privPrivileges),
    `| cost to a start, steps alone (device filter + privilege steps - privileged's) | ${fmt(h.stepsStartCost, 2)} | | | <= ${TARGET_HARDENING_MS} ms | ${verdict(h.stepsStartCost)} |`,
    `| cost to exec, steps alone (privilege steps - privileged's) | ${fmt(h.stepsExecCost, 2)} | | | <= ${TARGET_HARDENING_MS} ms | ${verdict(h.stepsExecCost)} |`,
  ];
}
