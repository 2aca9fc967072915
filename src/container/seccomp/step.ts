// The init stage's `seccomp` step, the last before `exec`: evaluates the container's
// profile (cfg.seccomp; absent = Unconfined) and loads it. Capability conditions are
// decided against cfg.capabilities.effective when the init config has it, otherwise
// against what the process has now (after `user`): a non-root user has none.
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { prctl } from '../../../native-bindings/libc.js';
import { openLibseccomp } from '../../../native-bindings/libseccomp.js';
import { StartError } from '../../util/errors.js';
import type { InitConfig, InitStep } from '../init-config.js';
import { capName, capsFromMask } from './caps.js';
import { loadFilter } from './filter.js';
import { ARCHES, filterPlan } from './rules.js';

const PR_SET_NO_NEW_PRIVS = 38;

/** Set by the capabilities step when it is there; read by name so either can land first. */
type ConfiguredCapabilities = { capabilities?: { effective: string[] } };

/** Before `pivot-root`: the library is the host's, not the image's. */
export const seccompLibraryStep: InitStep = {
  name: 'seccomp-library',
  setUp({ cfg }) {
    if (cfg.seccomp) openLibseccomp();
  },
};

export const seccompStep: InitStep = {
  name: 'seccomp',
  setUp({ cfg }) {
    if (!cfg.seccomp) return;
    const arch = ARCHES[process.arch];
    if (!arch) throw new StartError(`seccomp profiles are not supported on ${process.arch}`, 'StartError', 128);
    const status = readFileSync('/proc/self/status', 'utf8');
    const held = capsFromMask(/^CapEff:\s*([0-9a-f]+)/m.exec(status)![1]);
    const configured = (cfg as InitConfig & ConfiguredCapabilities).capabilities?.effective;
    const caps = configured ? new Set(configured.map(capName)) : held;
    // Without CAP_SYS_ADMIN the kernel loads a filter only under no_new_privs.
    if (!held.has('CAP_SYS_ADMIN') && !/^NoNewPrivs:\s*1/m.test(status)) prctl(PR_SET_NO_NEW_PRIVS, 1);
    loadFilter(filterPlan(cfg.seccomp, { ...arch, caps, kernel: release() }));
  },
};
