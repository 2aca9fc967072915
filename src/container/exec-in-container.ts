// Running a command inside a running container, held exactly as its main process is: its
// cgroup, namespaces (and so its root), environment, user and supplementary groups,
// capability sets, no_new_privs, seccomp filter and LSM labels, in a session of its own.
// Two ways in, because the process that asks differs:
// - `podrun exec` (enterContainer + spawnEntered, here): the short-lived CLI process takes
//   the container's privileges away from its own main thread, then spawns; the child
//   inherits all of it. No extra process start, so hardening costs exec almost nothing.
// - the supervisor (exec-stage-launch.ts), which must keep its own privileges: it spawns
//   the exec stage (exec-stage.ts), which does the same to itself and then execve()s the
//   command.
// Both run the init stage's own steps (process-steps.ts), never a copy of them.
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { closeSync } from 'node:fs';
import { cgroupOf, joinCgroupFd, joinCgroupInBackground, openCgroupProcs } from '../cgroup/cgroup2.js';
import { enterNamespaces } from '../kernel/namespaces.js';
import { readJson } from '../state/atomic.js';
import type { ContainerRecord } from '../state/records.js';
import { PodrunError } from '../util/errors.js';
import { nodeRequire } from '../util/node-require.js';
import { ownCapabilityNames } from './capabilities.js';
import { execConfig, type ExecRequest } from './exec-config.js';
import type { InitConfig, InitContext } from './init-config.js';
import { lsmStep } from './lsm.js';
import { oomScoreStep, PRIVILEGE_STEPS } from './process-steps.js';

export function containerConfig(configPath: string, c: ContainerRecord): InitConfig {
  const cfg = readJson<InitConfig>(configPath);
  // Without it, what the container's processes may do is unknown: refuse rather than guess.
  if (!cfg) throw new PodrunError(`container "${c.name}": its configuration ${configPath} is missing`, 'exec', 125);
  return cfg;
}

export const nsOf = (c: ContainerRecord, t: string) => `/proc/${c.pid}/ns/${t}`;

/** The calling process, inside its container for good, ready to spawn the command. */
export interface EnteredContainer {
  cfg: InitConfig;
  /** child_process's, loaded by enterContainer while the cgroup move is under way. */
  spawn: typeof import('node:child_process').spawn;
  /** Takes the calling process back to its own cgroup (call once the command is spawned). */
  leaveCgroup(): void;
}

/**
 * Moves the calling process into the container for good: its cgroup, namespaces, user
 * and privileges, on the main thread (the one that spawns). Only for a process that has
 * nothing else to do but spawn the command and wait for it (`podrun exec`).
 */
export async function enterContainer(configPath: string, c: ContainerRecord, req: ExecRequest): Promise<EnteredContainer> {
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
  // First, as the cgroup's files are not visible from inside the container's mount
  // namespace. The move is the slowest part of exec (it waits for an RCU grace period,
  // 8-20 ms), so it runs on a libuv thread while this one does everything else before the
  // spawn; the kernel checks it against the credentials the file was opened with, so the
  // privileges may go meanwhile.
  let joined: Promise<void>;
  try {
    joined = joinCgroupInBackground(c.cgroup);
  } catch (e) {
    closeSync(home);
    throw e;
  }
  try {
    // Loaded in the move's shadow too, not at import: ~2 ms (it loads net, stream...).
    const { spawn } = nodeRequire('node:child_process') as typeof import('node:child_process');
    const ctx: InitContext = { cfg: execConfig(containerConfig(configPath, c), req, ownCapabilityNames) };
    // This process keeps the container's score while it waits: it is the container's side.
    oomScoreStep.setUp(ctx);
    // The LSM attributes are /proc/thread-self's, which the container's /proc (another PID
    // namespace's) does not show for this process, and which the container could mount over.
    lsmStep.setUp(ctx);
    enterNamespaces({ net: nsOf(c, 'net'), ipc: nsOf(c, 'ipc'), uts: nsOf(c, 'uts'), pid: nsOf(c, 'pid'), mnt: nsOf(c, 'mnt') });
    for (const step of PRIVILEGE_STEPS) step.setUp(ctx);
    await joined;
    return { cfg: ctx.cfg, spawn, leaveCgroup };
  } catch (e) {
    // Not before the move has ended either way: a move still under way would land after the way back.
    await joined.catch(() => {});
    leaveCgroup();
    throw e;
  }
}

/** Spawns the entered container's command, leading a session of its own (setsid, no controlling terminal). */
export function spawnEntered(entered: EnteredContainer, stdio: StdioOptions): ChildProcess {
  const { cfg } = entered;
  try {
    return entered.spawn(cfg.argv[0], cfg.argv.slice(1), {
      cwd: cfg.cwd,
      env: Object.fromEntries(cfg.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
      stdio,
      detached: true,
    });
  } finally {
    entered.leaveCgroup();
  }
}
