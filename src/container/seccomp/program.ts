// A container's seccomp program, made by the supervisor when it writes the init config:
// the profile evaluated for the container's capabilities and compiled (filter.ts).
// The capabilities are those the container's process holds when it execs (CAP_ names).
import { release } from 'node:os';
import { StartError } from '../../util/errors.js';
import { compileFilter } from './filter.js';
import type { SeccompProfileFile } from './profile.js';
import { ARCHES, filterPlan } from './rules.js';

/** The BPF program, base64 (it travels in the init config's JSON). */
export function seccompProgram(profile: SeccompProfileFile, held: readonly string[]): string {
  const arch = ARCHES[process.arch];
  if (!arch) throw new StartError(`seccomp profiles are not supported on ${process.arch}`, 'StartError', 128);
  return compileFilter(filterPlan(profile, { ...arch, caps: new Set(held), kernel: release() })).toString('base64');
}
