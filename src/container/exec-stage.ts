// The exec stage: the supervisor's way to run an exec probe or hook in a running container
// without restricting itself (exec-stage-launch.ts). Spawned in the container's PID, net,
// IPC and UTS namespaces, it joins the container's cgroup, sets the LSM labels, joins the
// mount namespace, makes a pty its controlling terminal for exec -t (terminal.ts), then
// runs the init stage's own process steps: find the command, enter
// the working directory, no_new_privs, seccomp, bounding set, user and groups,
// capabilities, execve.
// A failure is reported on fd 3 as the init stage reports one.
import { enterNamespaces } from '../kernel/namespaces.js';
import { readJson } from '../state/atomic.js';
import { ownCapabilityNames } from './capabilities.js';
import { execConfig } from './exec-config.js';
import type { ExecStageRequest } from './exec-stage-launch.js';
import type { InitConfig, InitStep } from './init-config.js';
import { lsmStep } from './lsm.js';
import { cgroupStep, commandStep, execStep, oomScoreStep, PRIVILEGE_STEPS, workdirStep } from './process-steps.js';
import { runStage } from './stage-runner.js';
import { execTerminalStep } from './terminal.js';

const req = JSON.parse(process.argv[2]) as ExecStageRequest;

const enterMountNamespaceStep: InitStep = {
  name: 'enter-mount-namespace',
  setUp: () => enterNamespaces({ mnt: req.mnt }),
};

// lsm writes /proc/thread-self/attr while this process still sees the host's /proc: in
// the container's mount namespace, a container with CAP_SYS_ADMIN could mount over it.
const EXEC_STEPS: readonly InitStep[] = [cgroupStep, oomScoreStep, lsmStep, enterMountNamespaceStep, execTerminalStep, commandStep, workdirStep, ...PRIVILEGE_STEPS, execStep];

runStage(EXEC_STEPS, { cfg: execConfig(readJson<InitConfig>(req.config)!, req, ownCapabilityNames) });
