// The exec stage: a short-lived entry point for `exec -t` (and the API's exec with a
// terminal). The caller spawns it detached (so it leads a new session and process group)
// inside the container's cgroup and its net/IPC/UTS/PID namespaces, with the pty's
// replica as stdio, the sync socket as fd 3 and the container's mount namespace as fd 4.
// It reads its config (an InitConfig: the container's own, with the exec's command, env,
// cwd and user) from the sync socket, enters the mount namespace, makes the replica its
// controlling terminal, and runs the same process steps as the container's init stage
// (no_new_privs, seccomp, capabilities, user) before execve. Failures go back on fd 3 as
// the init stage's do; a successful execve closes it.
import { readSync } from 'node:fs';
import { closeFd } from '../../native-bindings/libc.js';
import { enterNamespace } from '../kernel/namespaces.js';
import type { InitConfig, InitStep } from './init-config.js';
import { commandStep, execStep, runProcessSteps, userStep, workdirStep } from './init-stage.js';
import { lsmStep } from './lsm.js';
import { boundingSetStep, capabilitiesStep, noNewPrivsStep } from './privileges.js';
import { seccompPrivilegedStep, seccompStep } from './seccomp/step.js';
import { execTerminalStep } from './terminal.js';

const SYNC_FD = 3;
const MNT_FD = 4;

/** One JSON line from the sync socket (the parent writes it right after the spawn). */
function readConfig(): InitConfig {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(65536);
  for (;;) {
    const n = readSync(SYNC_FD, buf);
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
    if (buf[n - 1] === 0x0a) break;
  }
  return JSON.parse(Buffer.concat(chunks).toString()) as InitConfig;
}

const joinMountNamespaceStep: InitStep = {
  name: 'mount-namespace',
  setUp() {
    enterNamespace(MNT_FD, 'mnt', 'the container mount namespace');
    closeFd(MNT_FD);
  },
};

const EXEC_STAGE_STEPS: readonly InitStep[] = [
  joinMountNamespaceStep,
  execTerminalStep,
  commandStep,
  workdirStep,
  lsmStep,
  noNewPrivsStep,
  seccompPrivilegedStep,
  boundingSetStep,
  userStep,
  capabilitiesStep,
  seccompStep,
  execStep,
];

runProcessSteps({ cfg: readConfig() }, EXEC_STAGE_STEPS);
