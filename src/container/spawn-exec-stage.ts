// exec -t: the command on a pty allocated from the container's own devpts, started through
// the exec stage (exec-stage.ts: the container's process steps, and the `terminal` step
// that makes the replica its controlling terminal). The caller keeps the master.
import type { ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import { setWinsize, type WinSize } from '../../native-bindings/pty.js';
import { openPtyIn } from '../kernel/pty.js';
import type { ContainerRecord } from '../state/records.js';
import type { ExecRequest } from './exec-config.js';
import { spawnExecStage } from './exec-stage-launch.js';

export interface TerminalExec {
  /** The exec stage, then the command itself. */
  child: ChildProcess;
  /** The pty master, owned by the caller (close it to hang the session up). */
  master: number;
}

export function spawnTerminalExec(configPath: string, c: ContainerRecord, req: ExecRequest, winsize?: WinSize): TerminalExec {
  const pty = openPtyIn(`/proc/${c.pid}/ns/mnt`);
  try {
    // Before the command starts, so that its first look at the size is right.
    if (winsize) setWinsize(pty.master, winsize);
    // A failure is the stage's exit status, with its message on the terminal.
    const { child } = spawnExecStage(configPath, c, { ...req, tty: true }, [pty.replica, pty.replica, pty.replica]);
    return { child, master: pty.master };
  } catch (e) {
    closeSync(pty.master);
    throw e;
  } finally {
    closeSync(pty.replica);
  }
}
