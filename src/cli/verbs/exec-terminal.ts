// exec -t: the command on a pty from the container's devpts, relayed to the caller's
// terminal (or stdin/stdout) by this process, without the supervisor.
import type { ExecOptions } from '../../pod/exec.js';
import { startTerminalExec } from '../../pod/exec-terminal.js';
import { parseSignal } from '../../model/signals.js';
import type { StatePaths } from '../../state/paths.js';
import { callerTerminal, checkTerminalInput } from '../terminal.js';

export async function execTerminal(state: StatePaths, pod: string, argv: string[], o: ExecOptions): Promise<number> {
  checkTerminalInput(o.stdin);
  const term = callerTerminal(o.stdin);
  const input = (d: Buffer) => session.write(d);
  let session: ReturnType<typeof startTerminalExec>;
  try {
    session = startTerminalExec(state, pod, argv, { ...o, winsize: term.size() }, (d) => process.stdout.write(d));
    if (o.stdin) process.stdin.on('data', input);
    term.onResize((size) => session.resize(size));
    const stopped = new Promise<number>((resolve) =>
      term.onStop((sig) => {
        session.hangup();
        resolve(128 + parseSignal(sig).number);
      }),
    );
    return await Promise.race([session.exit, stopped]);
  } finally {
    if (o.stdin) {
      process.stdin.off('data', input);
      process.stdin.pause();
    }
    term.close();
  }
}
