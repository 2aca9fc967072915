// exec -t: the command on a new pty from the container's own devpts, in the exec stage
// (the container's process steps), and the relay of its master, shared by the CLI (which
// runs it itself) and the supervisor's API. Closing the master hangs the session up
// (SIGHUP to the command): every ending that is not the command's own takes it along.
// Kept apart from exec.ts, so that the non-terminal exec's bundle (dist/exec.cjs) does
// not load it.
import type { ChildProcess } from 'node:child_process';
import tty from 'node:tty';
import { setWinsize, type WinSize } from '../../native-bindings/pty.js';
import { spawnTerminalExec } from '../container/spawn-exec-stage.js';
import { parseSignal } from '../model/signals.js';
import type { StatePaths } from '../state/paths.js';
import { execTarget, type ExecOptions } from './exec.js';

/** How long output still buffered in the pty may take to arrive after the command exited. */
const DRAIN_MS = 200;

export interface TerminalSession {
  /** What the user types. */
  write(chunk: Buffer): void;
  resize(size: WinSize): void;
  /** Ends the session from this side: the command gets SIGHUP. */
  hangup(): void;
  /** The command's exit status (128+N for signal N), once its output is read. */
  readonly exit: Promise<number>;
}

/** Starts the command; `output` gets everything the terminal shows. */
export function startTerminalExec(
  state: StatePaths,
  pod: string,
  argv: string[],
  o: ExecOptions & { winsize?: WinSize },
  output: (chunk: Buffer) => void,
): TerminalSession {
  const t = execTarget(state, pod, o);
  const ex = spawnTerminalExec(t.configPath, t.container, { argv, env: o.env, cwd: o.workdir, user: t.user }, o.winsize);
  const master = new tty.ReadStream(ex.master);
  // EIO: every replica is closed, the session's output is all read.
  const drained = new Promise<void>((resolve) => {
    master.on('error', () => resolve());
    master.on('end', () => resolve());
  });
  master.on('data', output);
  const exit = exitStatus(ex.child).then(async (code) => {
    await settleWithin(drained, DRAIN_MS);
    master.destroy();
    return code;
  });
  return {
    write: (chunk) => void master.write(chunk),
    resize: (size) => {
      if (!master.destroyed) setWinsize(ex.master, size);
    },
    hangup: () => master.destroy(),
    exit,
  };
}

function settleWithin(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]).finally(() => clearTimeout(timer));
}

function exitStatus(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.on('exit', (code, sig) => resolve(sig ? 128 + parseSignal(sig).number : (code ?? 0)));
  });
}
