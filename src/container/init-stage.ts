// The container init stage: a short-lived second entry point the supervisor spawns
// already inside the pod's net/IPC/UTS namespaces and the container's new PID namespace.
// It runs INIT_STEPS in order: join the container cgroup and give it its device filter,
// make a private mount namespace, build the root (mounting /proc, which only a task inside
// the PID namespace can do right), mask and seal /proc and /sys paths, pivot_root, find
// the command, set no_new_privs and the capability sets around the drop to the requested
// user, and execve() it, replacing itself. Nothing a step does outlives the container's
// namespaces and processes, but for the device filter, which its cgroup holds (the next
// instance replaces it, the cgroup's removal releases it); so no step has an undo: a
// failure ends this process, and its namespaces go with it.
// Errors go to fd 3 (the sync pipe) as one JSON line; a successful execve closes fd 3
// (close-on-exec), which is how the supervisor learns that the command started.
import { readFileSync } from 'node:fs';
import { deviceFilterStep } from './device-filter-step.js';
import type { InitConfig, InitStep } from './init-config.js';
import { maskedPathsStep, readOnlyPathsStep } from './proc-paths.js';
import { cgroupStep, commandStep, execStep, oomScoreStep, PRIVILEGE_STEPS, workdirStep } from './process-steps.js';
import {
  devStep,
  etcFilesStep,
  mountNamespaceStep,
  pivotRootStep,
  procStep,
  readOnlyRootStep,
  rootfsStep,
  sysStep,
  volumesStep,
} from './rootfs.js';
import { lsmStep } from './lsm.js';
import { runStage } from './stage-runner.js';
import { containerTerminalStep } from './terminal.js';

/** The container's set-up, in order. `exec` is last: on success it never returns. */
const INIT_STEPS: readonly InitStep[] = [
  cgroupStep,
  deviceFilterStep,
  oomScoreStep,
  mountNamespaceStep,
  rootfsStep,
  procStep,
  devStep,
  sysStep,
  etcFilesStep,
  volumesStep,
  maskedPathsStep,
  readOnlyPathsStep,
  readOnlyRootStep,
  pivotRootStep,
  commandStep,
  workdirStep,
  containerTerminalStep,
  lsmStep,
  ...PRIVILEGE_STEPS,
  execStep,
];

runStage(INIT_STEPS, { cfg: JSON.parse(readFileSync(process.argv[2], 'utf8')) as InitConfig });
