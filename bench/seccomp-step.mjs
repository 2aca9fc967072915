#!/usr/bin/env node
// The init stage's seccomp cost, timed in fresh child processes (a loaded filter cannot be
// removed, so never in this one) with podrun's own code from dist/: opening libseccomp,
// evaluating RuntimeDefault for a process with every capability, and building + loading
// its filter (resolving names, adding rules for x86_64/x86/x32, seccomp_load). As root.
//   node bench/seccomp-step.mjs [N]        prints medians and ranges in ms (docs/seccomp.md)
import { execFileSync } from 'node:child_process';
import { release } from 'node:os';
import { fileURLToPath } from 'node:url';

if (process.argv[2] === '--child') {
  const { koffi } = await import('../dist/native-bindings/libc.js');
  const { openLibseccomp } = await import('../dist/native-bindings/libseccomp.js');
  const { RUNTIME_DEFAULT_PROFILE } = await import('../dist/src/container/seccomp/default-profile.js');
  const { ARCHES, filterPlan } = await import('../dist/src/container/seccomp/rules.js');
  const { loadFilter } = await import('../dist/src/container/seccomp/filter.js');
  const { capsFromMask } = await import('../dist/src/container/seccomp/caps.js');
  koffi(); // the init stage has koffi loaded already, for libc
  const t0 = performance.now();
  openLibseccomp();
  const t1 = performance.now();
  const plan = filterPlan(RUNTIME_DEFAULT_PROFILE, { ...ARCHES[process.arch], caps: capsFromMask('1ffffffffff'), kernel: release() });
  const t2 = performance.now();
  loadFilter(plan);
  const t3 = performance.now();
  console.log(JSON.stringify({ open: t1 - t0, plan: t2 - t1, load: t3 - t2, total: t3 - t0, rules: plan.rules.length }));
} else {
  const n = Number(process.argv[2] ?? 15);
  const runs = Array.from({ length: n }, () =>
    JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child'], { encoding: 'utf8' })),
  );
  const stat = (k) => {
    const v = runs.map((r) => r[k]).sort((a, b) => a - b);
    return `median ${v[Math.floor(v.length / 2)].toFixed(2)}, min ${v[0].toFixed(2)}, max ${v[v.length - 1].toFixed(2)}`;
  };
  console.log(`RuntimeDefault, every capability: ${runs[0].rules} rule entries, ${n} runs (ms)`);
  for (const k of ['open', 'plan', 'load', 'total']) console.log(`  ${k.padEnd(5)} ${stat(k)}`);
}
