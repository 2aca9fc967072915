// Builds and loads a seccomp filter from an evaluated profile with libseccomp, which
// compiles it to BPF for every listed architecture (docs/seccomp.md says why libseccomp).
// Syscall names this kernel's architecture does not have are skipped, as runc does.
import { resolveSyscall, SeccompFilter } from '../../../native-bindings/libseccomp.js';
import type { FilterPlan } from './rules.js';

/** Loads the filter on the calling thread (the one that goes on to execve). */
export function loadFilter(plan: FilterPlan): void {
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
    filter.load();
  } finally {
    filter.release();
  }
}
