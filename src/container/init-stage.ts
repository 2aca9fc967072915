// The container init stage: a short-lived second entry point the supervisor spawns
// already inside the pod's net/IPC/UTS namespaces and the container's new PID namespace.
// It runs INIT_STEPS in order: join the container cgroup, make a private mount namespace,
// build the root (mounting /proc, which only a task inside the PID namespace can do right),
// mask and seal /proc and /sys paths, pivot_root, find the command, set no_new_privs and
// the capability sets around the drop to the requested user, and execve() it, replacing
// itself. Nothing a step does outlives the container's namespaces and processes, so no
// step has an undo: a failure ends this process, and its namespaces go with it.
// Errors go to fd 3 (the sync pipe) as one JSON line; a successful execve closes fd 3
// (close-on-exec), which is how the supervisor learns that the command started.
import { readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { clearCloexec, execve, setCloexec, setUser } from '../../native-bindings/libc.js';
import { joinCgroup } from '../cgroup/cgroup2.js';
import { setOomScoreAdj } from '../kernel/oom-score.js';
import { StartError } from '../util/errors.js';
import type { InitConfig, InitContext, InitStep } from './init-config.js';
import { maskedPathsStep, readOnlyPathsStep } from './proc-paths.js';
import { boundingSetStep, capabilitiesStep, noNewPrivsStep } from './privileges.js';
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
import { seccompPrivilegedStep, seccompStep } from './seccomp/step.js';

const SYNC_FD = 3;

export interface InitFailure {
  error: string;
  exitCode: number;
  reason: string;
}

function fail(f: InitFailure): never {
  try {
    writeSync(SYNC_FD, JSON.stringify(f) + '\n');
  } catch {
    /* supervisor gone: the exit code still tells */
  }
  try {
    writeSync(2, `podrun: ${f.error}\n`);
  } catch {
    /* no stderr */
  }
  process.exit(f.exitCode);
}

function isExecutable(path: string): boolean {
  try {
    const st = statSync(path);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

const notFound = (message: string) => new StartError(message, 'StartError', 127);
const notExecutable = (cmd: string) => new StartError(`${cmd}: permission denied (not an executable file)`, 'StartError', 126);

/** PATH lookup inside the new root; 127 when not found, 126 when not executable. */
function lookPath(cmd: string, env: string[]): string {
  if (cmd.includes('/')) {
    try {
      statSync(cmd);
    } catch {
      throw notFound(`${cmd}: no such file or directory`);
    }
    if (!isExecutable(cmd)) throw notExecutable(cmd);
    return cmd;
  }
  const pathVar = env.find((e) => e.startsWith('PATH='))?.slice(5) ?? '';
  let sawNonExec = false;
  for (const dir of pathVar.split(':')) {
    if (!dir) continue;
    const p = join(dir, cmd);
    if (isExecutable(p)) return p;
    try {
      statSync(p);
      sawNonExec = true;
    } catch {
      /* keep looking */
    }
  }
  if (sawNonExec) throw notExecutable(cmd);
  throw notFound(`${cmd}: executable file not found in $PATH`);
}

/** A failure of the command itself (setuid, execve): named after it, exit code 128. */
function commandError(cfg: InitConfig, e: unknown): StartError {
  return new StartError(`${cfg.argv[0]}: ${(e as Error).message}`, 'StartError', 128);
}

const cgroupStep: InitStep = {
  name: 'cgroup',
  setUp: ({ cfg }) => joinCgroup(cfg.cgroup),
};

/** Before anything else runs in the container, so that all its processes inherit it. */
const oomScoreStep: InitStep = {
  name: 'oom-score-adj',
  setUp: ({ cfg }) => {
    if (cfg.oomScoreAdj !== undefined) setOomScoreAdj(cfg.oomScoreAdj);
  },
};

const commandStep: InitStep = {
  name: 'command',
  setUp(ctx) {
    ctx.executable = lookPath(ctx.cfg.argv[0], ctx.cfg.env);
  },
};

const workdirStep: InitStep = {
  name: 'workdir',
  setUp({ cfg }) {
    try {
      process.chdir(cfg.cwd);
    } catch {
      throw new StartError(`workingDir ${cfg.cwd}: no such directory in the container`, 'StartError', 128);
    }
  },
};

const userStep: InitStep = {
  name: 'user',
  setUp({ cfg }) {
    try {
      if (cfg.uid !== 0 || cfg.gid !== 0 || cfg.groups.length) setUser(cfg.uid, cfg.gid, cfg.groups);
    } catch (e) {
      throw commandError(cfg, e);
    }
  },
};

const execStep: InitStep = {
  name: 'exec',
  setUp({ cfg, executable }) {
    try {
      for (const fd of [0, 1, 2]) clearCloexec(fd);
      setCloexec(SYNC_FD);
      execve(executable!, cfg.argv, cfg.env);
    } catch (e) {
      throw commandError(cfg, e);
    }
  },
};

/** The container's set-up, in order. `exec` is last: on success it never returns. */
const INIT_STEPS: readonly InitStep[] = [
  cgroupStep,
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
  lsmStep,
  noNewPrivsStep,
  seccompPrivilegedStep,
  boundingSetStep,
  userStep,
  capabilitiesStep,
  seccompStep,
  execStep,
];

function main(): void {
  const ctx: InitContext = { cfg: JSON.parse(readFileSync(process.argv[2], 'utf8')) as InitConfig };
  try {
    for (const step of INIT_STEPS) step.setUp(ctx);
  } catch (e) {
    if (e instanceof StartError) fail({ error: e.message, exitCode: e.containerExitCode, reason: e.reason });
    fail({ error: `container ${ctx.cfg.containerName}: setup failed: ${(e as Error).message}`, exitCode: 128, reason: 'StartError' });
  }
}

main();
