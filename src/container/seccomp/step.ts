// The init stage's seccomp steps: install the program the supervisor compiled
// (cfg.seccompFilter; absent = Unconfined) on this thread, the one that goes on to execve.
// Without no_new_privs the kernel takes a filter only from a task that holds
// CAP_SYS_ADMIN, so, as runc does, the filter goes on before the capabilities are dropped
// when no_new_privs is off, and last, just before exec, when it is on (the filter then
// has to allow only what exec needs).
import { seccompSetFilter } from '../../../native-bindings/libc.js';
import type { InitConfig, InitStep } from '../init-config.js';

function install(cfg: InitConfig): void {
  if (cfg.seccompFilter) seccompSetFilter(Buffer.from(cfg.seccompFilter, 'base64'));
}

/** Before `bounding-set`, while the init stage still holds CAP_SYS_ADMIN: for containers without no_new_privs. */
export const seccompPrivilegedStep: InitStep = {
  name: 'seccomp-privileged',
  setUp({ cfg }) {
    if (!cfg.noNewPrivs) install(cfg);
  },
};

/** Just before `exec`: for containers with no_new_privs. */
export const seccompStep: InitStep = {
  name: 'seccomp',
  setUp({ cfg }) {
    if (cfg.noNewPrivs) install(cfg);
  },
};
