#!/usr/bin/env node
// Seccomp's cost, timed in fresh child processes (an installed filter cannot be removed,
// so never in this one) with podrun's own code from dist/: what the supervisor does once
// per distinct profile and capability set (evaluate RuntimeDefault for a process with
// every capability; compile it with libseccomp for x86_64/x86/x32), and what the init
// stage does for every container (install the program). As root.
//   node bench/seccomp-step.mjs [N]        prints medians and ranges in ms (docs/seccomp.md)
import { execFileSync } from 'node:child_process';
import { release } from 'node:os';
import { fileURLToPath } from 'node:url';

if (process.argv[2] === '--child') {
  const { koffi } = await import('../dist/native-bindings/libc.js');
  const { RUNTIME_DEFAULT_PROFILE } = await import('../dist/src/container/seccomp/default-profile.js');
  const { ARCHES, filterPlan } = await import('../dist/src/container/seccomp/rules.js');
  const { compileFilter } = await import('../dist/src/container/seccomp/filter.js');
  const { seccompSetFilter } = await import('../dist/native-bindings/libc.js');
  const { CAPABILITY_NAMES } = await import('../dist/src/model/capabilities.js');
  koffi(); // both processes have koffi loaded already, for libc
  const t0 = performance.now();
  const plan = filterPlan(RUNTIME_DEFAULT_PROFILE, { ...ARCHES[process.arch], caps: new Set(CAPABILITY_NAMES), kernel: release() });
  const t1 = performance.now();
  const program = compileFilter(plan);
  const t2 = performance.now();
  seccompSetFilter(program);
  const t3 = performance.now();
  console.log(JSON.stringify({ plan: t1 - t0, compile: t2 - t1, install: t3 - t2, rules: plan.rules.length, instructions: program.length / 8 }));
} else {
  const n = Number(process.argv[2] ?? 15);
  const runs = Array.from({ length: n }, () =>
    JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child'], { encoding: 'utf8' })),
  );
  const stat = (k) => {
    const v = runs.map((r) => r[k]).sort((a, b) => a - b);
    return `median ${v[Math.floor(v.length / 2)].toFixed(2)}, min ${v[0].toFixed(2)}, max ${v[v.length - 1].toFixed(2)}`;
  };
  console.log(`RuntimeDefault, every capability: ${runs[0].rules} rule entries, ${runs[0].instructions} BPF instructions, ${n} runs (ms)`);
  for (const k of ['plan', 'compile', 'install']) console.log(`  ${k.padEnd(8)} ${stat(k)}`);
}
