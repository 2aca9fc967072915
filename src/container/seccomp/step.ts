// The init stage's `seccomp` step, the last before `exec`: installs the program the
// supervisor compiled (cfg.seccompFilter; absent = Unconfined) on this thread, the one
// that goes on to execve.
import { readFileSync } from 'node:fs';
import { prctl, seccompSetFilter } from '../../../native-bindings/libc.js';
import type { InitStep } from '../init-config.js';
import { capsFromMask } from './caps.js';

const PR_SET_NO_NEW_PRIVS = 38;

export const seccompStep: InitStep = {
  name: 'seccomp',
  setUp({ cfg }) {
    if (!cfg.seccompFilter) return;
    const status = readFileSync('/proc/self/status', 'utf8');
    const held = capsFromMask(/^CapEff:\s*([0-9a-f]+)/m.exec(status)![1]);
    // Without CAP_SYS_ADMIN the kernel installs a filter only under no_new_privs.
    if (!held.has('CAP_SYS_ADMIN') && !/^NoNewPrivs:\s*1/m.test(status)) prctl(PR_SET_NO_NEW_PRIVS, 1);
    seccompSetFilter(Buffer.from(cfg.seccompFilter, 'base64'));
  },
};
