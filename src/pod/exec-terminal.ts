// exec -t: the command on a new pty from the container's own devpts, in the exec stage
// (the container's process steps). Kept apart from exec.ts, so that the non-terminal
// exec's bundle (dist/exec.cjs) does not load it.
import type { WinSize } from '../../native-bindings/pty.js';
import { spawnTerminalExec, type TerminalExec } from '../container/spawn-exec-stage.js';
import type { StatePaths } from '../state/paths.js';
import { execTarget, type ExecOptions } from './exec.js';

export type { TerminalExec };

/** Starts the command; the caller relays the master and waits for the child. */
export function execWithTerminal(state: StatePaths, pod: string, argv: string[], o: ExecOptions & { winsize?: WinSize }): TerminalExec {
  const t = execTarget(state, pod, o);
  return spawnTerminalExec(t.configPath, t.container, argv, { env: o.env, cwd: o.workdir, user: t.user, winsize: o.winsize });
}
