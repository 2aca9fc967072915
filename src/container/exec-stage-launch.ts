// The supervisor's way into a running container (exec probes, hooks, exec -t): it must keep
// its own privileges, so it spawns the exec stage (exec-stage.ts), which takes on the
// container's restrictions itself and then execve()s the command, so the supervisor's
// child is the command (a probe timeout kills the command itself).
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withNamespaces } from '../kernel/namespaces.js';
import type { ContainerRecord } from '../state/records.js';
import type { ExecRequest } from './exec-config.js';
import { containerConfig, nsOf } from './exec-in-container.js';
import { readSyncPipe, type InitFailure } from './sync-pipe.js';

/**
 * The exec stage's entry: dist/exec-stage.cjs, its CommonJS bundle (Makefile), unless
 * missing or older than the ESM build it was made from; else the ESM build itself.
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

type StageStdio = 'ignore' | 'inherit' | 'pipe' | number;

export interface ExecStageProcess {
  /** The exec stage, and once it exec'd, the command itself. */
  child: ChildProcess;
  /** Undefined once the command runs; the stage's failure (not found, bad workdir...) otherwise. */
  started: Promise<InitFailure | undefined>;
}

/**
 * Spawns the exec stage in the container's PID namespace (and its net, IPC and UTS ones),
 * in a session of its own; the stage does the rest and becomes the command. stdio's
 * fourth entry is the stage's sync pipe.
 */
export function spawnExecStage(configPath: string, c: ContainerRecord, req: ExecRequest, stdio: [StageStdio, StageStdio, StageStdio]): ExecStageProcess {
  containerConfig(configPath, c); // the stage reads it; refused here, the error is clearer
  const request: ExecStageRequest = { ...req, config: configPath, mnt: nsOf(c, 'mnt') };
  const child = withNamespaces({ enter: { net: nsOf(c, 'net'), ipc: nsOf(c, 'ipc'), uts: nsOf(c, 'uts'), pid: nsOf(c, 'pid') } }, () =>
    spawn(process.execPath, [execStagePath(), JSON.stringify(request)], { stdio: [...stdio, 'pipe'], detached: true }),
  );
  return { child, started: readSyncPipe(child) };
}
