// Compiles an evaluated profile to a seccomp BPF program with libseccomp, for every listed
// architecture, in the supervisor; the init stage only installs the program
// (docs/seccomp.md: compiling takes ~8 ms, installing well under 1 ms). Syscall names this
// kernel's architecture does not have are skipped, as runc does.
import { resolveSyscall, SeccompFilter } from '../../../native-bindings/libseccomp.js';
import type { FilterPlan } from './rules.js';

// Containers mostly share a few plans (RuntimeDefault as root, as a user): compile each once.
const compiled = new Map<string, Buffer>();

export function compileFilter(plan: FilterPlan): Buffer {
  const key = JSON.stringify(plan);
  const hit = compiled.get(key);
  if (hit) return hit;
  const filter = new SeccompFilter(plan.defaultAction);
  try {
    for (const arch of plan.arches.slice(1)) filter.addArch(arch);
    for (const rule of plan.rules) {
      const args = rule.args.map((a) => ({ arg: a.index, op: a.op, datum_a: BigInt(a.value), datum_b: BigInt(a.valueTwo) }));
      for (const name of rule.names) {
        const nr = resolveSyscall(name);
        if (nr !== undefined) filter.addRule(rule.action, nr, args, name);
      }
    }
    const program = filter.exportBpf();
    compiled.set(key, program);
    return program;
  } finally {
    filter.release();
  }
}
