// A container's seccomp program, made by the supervisor when it writes the init config:
// the profile evaluated for the container's capabilities and compiled (filter.ts).
// The capabilities are cfg.capabilities.effective when the init config has them;
// otherwise what the container's process will hold: as root, the supervisor's own (the
// init stage inherits them), as another user none (setresuid away from 0 clears them).
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { StartError } from '../../util/errors.js';
import { capName, capsFromMask } from './caps.js';
import { compileFilter } from './filter.js';
import type { SeccompProfileFile } from './profile.js';
import { ARCHES, filterPlan } from './rules.js';

/** Set by the capabilities step's config when it is there; read by name so either can land first. */
export type ConfiguredCapabilities = { capabilities?: { effective: string[] } };

function ownCaps(): Set<string> {
  return capsFromMask(/^CapEff:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
}

/** The BPF program, base64 (it travels in the init config's JSON). */
export function seccompProgram(profile: SeccompProfileFile, uid: number, configured?: string[]): string {
  const arch = ARCHES[process.arch];
  if (!arch) throw new StartError(`seccomp profiles are not supported on ${process.arch}`, 'StartError', 128);
  const caps = configured ? new Set(configured.map(capName)) : uid === 0 ? ownCaps() : new Set<string>();
  return compileFilter(filterPlan(profile, { ...arch, caps, kernel: release() })).toString('base64');
}
