#!/usr/bin/env node
// The hardening steps alone, timed in fresh child processes with podrun's own code from
// dist/ (they restrict the process that runs them, so never this one): the device filter
// (build, load and attach the BPF program to a scratch cgroup, as the init stage does for
// every container) and the privilege steps the init stage and `podrun exec` both run
// (no_new_privs, bounding set, user, capabilities, seccomp install), for a container's
// InitConfig. As root.
//   node bench/hardening-steps.mjs CONFIG.json SCRATCH_CGROUP [N]   prints the samples as JSON
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

if (process.argv[2] === '--child') {
  const { koffi } = await import('../dist/native-bindings/libc.js');
  const { deviceFilterStep } = await import('../dist/src/container/device-filter-step.js');
  const { PRIVILEGE_STEPS } = await import('../dist/src/container/process-steps.js');
  koffi(); // the init stage and exec have koffi loaded already, for libc
  const cfg = JSON.parse(readFileSync(process.argv[3], 'utf8'));
  const t0 = performance.now();
  deviceFilterStep.setUp({ cfg: { ...cfg, cgroup: process.argv[4] } });
  const t1 = performance.now();
  for (const step of PRIVILEGE_STEPS) step.setUp({ cfg });
  const t2 = performance.now();
  console.log(JSON.stringify({ deviceFilter: t1 - t0, privileges: t2 - t1 }));
} else {
  const [config, cgroup] = process.argv.slice(2, 4);
  const n = Number(process.argv[4] ?? 15);
  const self = fileURLToPath(import.meta.url);
  const runs = Array.from({ length: n }, () => JSON.parse(execFileSync(process.execPath, [self, '--child', config, cgroup], { encoding: 'utf8' })));
  console.log(JSON.stringify({ deviceFilter: runs.map((r) => r.deviceFilter), privileges: runs.map((r) => r.privileges) }));
}
