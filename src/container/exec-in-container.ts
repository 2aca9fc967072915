// Running a command inside a running container, held exactly as its main process is: its
// cgroup, namespaces (and so its root), environment, user and supplementary groups,
// capability sets, no_new_privs, seccomp filter and LSM labels, in a session of its own.
// Two ways in, because the process that asks differs:
// - `podrun exec` (enterContainer + spawnEntered): the short-lived CLI process takes the
//   container's privileges away from its own main thread, then spawns; the child inherits
//   all of it. No extra process start, so hardening costs exec almost nothing.
// - the supervisor (spawnExecStage), which must keep its own privileges: it spawns the exec
//   stage (exec-stage.ts), which does the same to itself and then execve()s the command,
//   so the supervisor's child is the command (a probe timeout kills the command itself).
// Both run the init stage's own steps (process-steps.ts), never a copy of them.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cgroupOf, joinCgroup, joinCgroupFd, openCgroupProcs } from '../cgroup/cgroup2.js';
import { enterNamespaces, withNamespaces } from '../kernel/namespaces.js';
import { readJson } from '../state/atomic.js';
import type { ContainerRecord } from '../state/records.js';
import { PodrunError } from '../util/errors.js';
import { ownCapabilityNames } from './capabilities.js';
import { execConfig, type ExecRequest } from './exec-config.js';
import type { InitConfig, InitContext } from './init-config.js';
import { lsmStep } from './lsm.js';
import { oomScoreStep, PRIVILEGE_STEPS } from './process-steps.js';
import { readSyncPipe, type InitFailure } from './sync-pipe.js';

/**
 * The exec stage's entry: dist/exec-stage.cjs, its CommonJS bundle (Makefile), unless
 * missing or older than the ESM build it was made from; else the ESM build itself. Resolved
 * when used: dist/exec.cjs, which `podrun exec` runs, has no import.meta.url.
 */
function execStagePath(): string {
  const esm = fileURLToPath(new URL('./exec-stage.js', import.meta.url));
  const bundle = fileURLToPath(new URL('../../exec-stage.cjs', import.meta.url));
  const mtime = (p: string) => statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? -1;
  return mtime(bundle) >= mtime(esm) ? bundle : esm;
}

/** What the exec stage is told (its one argument, as JSON). */
export interface ExecStageRequest extends ExecRequest {
  /** The container's InitConfig. */
  config: string;
  /** The container's mount namespace, which the stage enters itself (node must start on the host's root). */
  mnt: string;
}

function containerConfig(configPath: string, c: ContainerRecord): InitConfig {
  const cfg = readJson<InitConfig>(configPath);
  // Without it, what the container's processes may do is unknown: refuse rather than guess.
  if (!cfg) throw new PodrunError(`container "${c.name}": its configuration ${configPath} is missing`, 'exec', 125);
  return cfg;
}

const nsOf = (c: ContainerRecord, t: string) => `/proc/${c.pid}/ns/${t}`;

/** The calling process, inside its container for good, ready to spawn the command. */
export interface EnteredContainer {
  cfg: InitConfig;
  /** Takes the calling process back to its own cgroup (call once the command is spawned). */
  leaveCgroup(): void;
}

/**
 * Moves the calling process into the container for good: its cgroup, namespaces, user
 * and privileges, on the main thread (the one that spawns). Only for a process that has
 * nothing else to do but spawn the command and wait for it (`podrun exec`).
 */
export function enterContainer(configPath: string, c: ContainerRecord, req: ExecRequest): EnteredContainer {
  const ctx: InitContext = { cfg: execConfig(containerConfig(configPath, c), req, ownCapabilityNames) };
  // Opened while privileged: the way back out of the container's cgroup, so that this
  // process's own memory and threads are not the container's while it waits.
  const home = openCgroupProcs(cgroupOf('self'));
  let left = false;
  const leaveCgroup = () => {
    if (left) return;
    left = true;
    try {
      joinCgroupFd(home);
    } finally {
      closeSync(home);
    }
  };
  try {
    // The cgroup's files are not visible from inside the container's mount namespace.
    joinCgroup(c.cgroup);
    // This process keeps the container's score while it waits: it is the container's side.
    oomScoreStep.setUp(ctx);
    // The LSM attributes are /proc/thread-self's, which the container's /proc (another PID
    // namespace's) does not show for this process, and which the container could mount over.
    lsmStep.setUp(ctx);
    enterNamespaces({ net: nsOf(c, 'net'), ipc: nsOf(c, 'ipc'), uts: nsOf(c, 'uts'), pid: nsOf(c, 'pid'), mnt: nsOf(c, 'mnt') });
    for (const step of PRIVILEGE_STEPS) step.setUp(ctx);
  } catch (e) {
    leaveCgroup();
    throw e;
  }
  return { cfg: ctx.cfg, leaveCgroup };
}

/** Spawns the entered container's command, leading a session of its own (setsid, no controlling terminal). */
export function spawnEntered(entered: EnteredContainer, stdio: StdioOptions): ChildProcess {
  const { cfg } = entered;
  try {
    return spawn(cfg.argv[0], cfg.argv.slice(1), {
      cwd: cfg.cwd,
      env: Object.fromEntries(cfg.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
      stdio,
      detached: true,
    });
  } finally {
    entered.leaveCgroup();
  }
}

type StageStdio = 'ignore' | 'inherit' | 'pipe' | number;

export interface ExecStageProcess {
  /** The exec stage, and once it exec'd, the command itself. */
  child: ChildProcess;
  /** Undefined once the command runs; the stage's failure (not found, bad workdir...) otherwise. */
  started: Promise<InitFailure | undefined>;
}

/**
 * For the supervisor: spawns the exec stage in the container's PID namespace (and its
 * net, IPC and UTS ones), in a session of its own; the stage does the rest and becomes the
 * command. stdio's fourth entry is the stage's sync pipe.
 */
export function spawnExecStage(configPath: string, c: ContainerRecord, req: ExecRequest, stdio: [StageStdio, StageStdio, StageStdio]): ExecStageProcess {
  containerConfig(configPath, c); // the stage reads it; refused here, the error is clearer
  const request: ExecStageRequest = { ...req, config: configPath, mnt: nsOf(c, 'mnt') };
  const child = withNamespaces({ enter: { net: nsOf(c, 'net'), ipc: nsOf(c, 'ipc'), uts: nsOf(c, 'uts'), pid: nsOf(c, 'pid') } }, () =>
    spawn(process.execPath, [execStagePath(), JSON.stringify(request)], { stdio: [...stdio, 'pipe'], detached: true }),
  );
  return { child, started: readSyncPipe(child) };
}
