// The init steps that act on the process itself rather than on the container's root: join
// the cgroup, find the command, enter the working directory, take the container's
// privileges away, execve. The init stage runs them after building the root; the exec
// stage (exec-stage.ts) and `podrun exec` (exec-in-container.ts) run the same ones, so an
// exec'd command is held exactly as the container's main process is.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { clearCloexec, execve, setUser } from '../../native-bindings/libc.js';
import { cloexecFrom } from '../../native-bindings/pty.js';
import { joinCgroup } from '../cgroup/cgroup2.js';
import { setOomScoreAdj } from '../kernel/oom-score.js';
import { StartError } from '../util/errors.js';
import type { InitConfig, InitStep } from './init-config.js';
import { boundingSetStep, capabilitiesStep, noNewPrivsStep } from './privileges.js';
import { seccompPrivilegedStep, seccompStep } from './seccomp/step.js';

/** The pipe a stage reports a set-up failure on; close-on-exec, so a successful execve closes it. */
export const SYNC_FD = 3;

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

export const cgroupStep: InitStep = {
  name: 'cgroup',
  setUp: ({ cfg }) => joinCgroup(cfg.cgroup),
};

/** Right after joining the cgroup, before anything else runs there, so that all its processes inherit it. */
export const oomScoreStep: InitStep = {
  name: 'oom-score-adj',
  setUp: ({ cfg }) => {
    if (cfg.oomScoreAdj !== undefined) setOomScoreAdj(cfg.oomScoreAdj);
  },
};

export const commandStep: InitStep = {
  name: 'command',
  setUp(ctx) {
    ctx.executable = lookPath(ctx.cfg.argv[0], ctx.cfg.env);
  },
};

export const workdirStep: InitStep = {
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

export const execStep: InitStep = {
  name: 'exec',
  setUp({ cfg, executable }) {
    try {
      for (const fd of [0, 1, 2]) clearCloexec(fd);
      // Only stdio reaches the command: the sync pipe and whatever fd this process
      // inherited without FD_CLOEXEC (from the supervisor or the exec's caller) close.
      cloexecFrom(SYNC_FD);
      execve(executable!, cfg.argv, cfg.env);
    } catch (e) {
      throw commandError(cfg, e);
    }
  },
};

/**
 * Everything that takes the container's privileges away from the calling thread, in
 * order, after the LSM labels (lsmStep) and before execve: no_new_privs, the seccomp filter
 * where it must go on while CAP_SYS_ADMIN is still held, the bounding set, the user and
 * groups (keeping the permitted set), the capability sets, the seccomp filter where it
 * goes on last. A child forked afterwards inherits all of it.
 */
export const PRIVILEGE_STEPS: readonly InitStep[] = [
  noNewPrivsStep,
  seccompPrivilegedStep,
  boundingSetStep,
  userStep,
  capabilitiesStep,
  seccompStep,
];
