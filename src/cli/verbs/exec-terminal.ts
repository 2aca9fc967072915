// exec -t: the command on a pty from the container's devpts, relayed to the caller's
// terminal (or stdin/stdout) by this process, without the supervisor. Closing the master
// hangs the session up (SIGHUP to the command), which is how every ending that is not
// the command's own (a signal to podrun, a failure here) takes the command with it.
import tty from 'node:tty';
import type { ChildProcess } from 'node:child_process';
import { setWinsize } from '../../../native-bindings/pty.js';
import { parseSignal } from '../../model/signals.js';
import type { ExecOptions } from '../../pod/exec.js';
import { execWithTerminal } from '../../pod/exec-terminal.js';
import type { StatePaths } from '../../state/paths.js';
import { callerTerminal, checkTerminalInput, type CallerTerminal } from '../terminal.js';

/** How long output still buffered in the pty may take to arrive after the command exited. */
const DRAIN_MS = 200;

export async function execTerminal(state: StatePaths, pod: string, argv: string[], o: ExecOptions): Promise<number> {
  checkTerminalInput(o.stdin);
  const term = callerTerminal(o.stdin);
  try {
    const ex = execWithTerminal(state, pod, argv, { ...o, winsize: term.size() });
    return await relay(ex.master, ex.child, term, o.stdin);
  } finally {
    term.close();
  }
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

/** Copies the master to stdout and (with -i) stdin to the master; resolves with the exit status. */
async function relay(masterFd: number, child: ChildProcess, term: CallerTerminal, stdin: boolean): Promise<number> {
  const master = new tty.ReadStream(masterFd);
  // EIO: every replica is closed, the session's output is all read.
  const drained = new Promise<void>((resolve) => {
    master.on('error', () => resolve());
    master.on('end', () => resolve());
  });
  master.on('data', (d: Buffer) => process.stdout.write(d));
  const input = (d: Buffer) => master.write(d);
  if (stdin) process.stdin.on('data', input);
  term.onResize((size) => setWinsize(masterFd, size));
  const stopped = new Promise<{ code: number; byCommand: boolean }>((resolve) =>
    term.onStop((sig) => resolve({ code: 128 + parseSignal(sig).number, byCommand: false })),
  );
  try {
    const ended = await Promise.race([exitStatus(child).then((code) => ({ code, byCommand: true })), stopped]);
    if (ended.byCommand) await settleWithin(drained, DRAIN_MS);
    return ended.code;
  } finally {
    if (stdin) {
      process.stdin.off('data', input);
      process.stdin.pause();
    }
    // Closes the master (and so hangs up whatever still runs on the pty).
    master.destroy();
  }
}
