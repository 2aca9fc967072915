// The `terminal` process step: the command's pseudo-terminal, made its controlling
// terminal. The stage that runs it is a session leader without one (spawned detached),
// so after TIOCSCTTY the command's process group is the terminal's foreground group and
// ctrl-c (SIGINT from the line discipline) reaches it.
//
// In the exec stage the caller already allocated the pty from the container's devpts and
// passed the replica as stdio. In a container's init stage (`tty: true`) the pty comes
// from the container's own devpts, after pivot_root; the master is handed to the
// supervisor, which copies it out of this process with pidfd_getfd while this step waits
// on the sync socket for its go-ahead (the master is close-on-exec: the command never
// holds it).
import { closeSync, readSync, writeSync } from 'node:fs';
import { dup2, setControllingTerminal } from '../../native-bindings/pty.js';
import { openPty } from '../kernel/pty.js';
import type { InitStep } from './init-config.js';

const SYNC_FD = 3;

/** What the init stage sends on the sync socket before it waits for the supervisor's go-ahead. */
export interface TerminalHandoff {
  terminal: { masterFd: number };
}

export const execTerminalStep: InitStep = {
  name: 'terminal',
  setUp({ cfg }) {
    if (cfg.tty) setControllingTerminal(0);
  },
};

export const containerTerminalStep: InitStep = {
  name: 'terminal',
  setUp({ cfg }) {
    if (!cfg.tty) return;
    const pty = openPty('/dev/pts');
    setControllingTerminal(pty.replica);
    // With stdin: false the pty is stdin all the same, as with Docker; nobody writes to it.
    for (const fd of [0, 1, 2]) dup2(pty.replica, fd);
    closeSync(pty.replica);
    const handoff: TerminalHandoff = { terminal: { masterFd: pty.master } };
    writeSync(SYNC_FD, JSON.stringify(handoff) + '\n');
    // One byte back: the supervisor holds its copy of the master.
    if (readSync(SYNC_FD, Buffer.alloc(1)) !== 1) throw new Error('the supervisor did not take the terminal');
    closeSync(pty.master);
  },
};
