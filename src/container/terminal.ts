// The `terminal` process step: the command's pseudo-terminal. In the exec stage the
// caller already allocated the pty from the container's devpts and passed the replica
// as stdio; the stage, a session leader without a controlling terminal (spawned
// detached), makes it its controlling terminal, so the command's process group is the
// terminal's foreground group and ctrl-c (SIGINT from the line discipline) reaches it.
import { setControllingTerminal } from '../../native-bindings/pty.js';
import type { InitStep } from './init-config.js';

export const execTerminalStep: InitStep = {
  name: 'terminal',
  setUp({ cfg }) {
    if (cfg.tty) setControllingTerminal(0);
  },
};
