// The caller's side of a terminal session (exec -t, attach): its window size and the
// changes to it (SIGWINCH), raw mode for -i restored however the session ends, and
// SIGTERM/SIGHUP/SIGINT ending the session rather than podrun alone.
import { isatty } from 'node:tty';
import { getWinsize, makeRaw, setTermios, type WinSize } from '../../native-bindings/pty.js';
import { PodrunError } from '../util/errors.js';

export interface CallerTerminal {
  /** The caller's window size (stdout's terminal, else stdin's), when it has one. */
  size(): WinSize | undefined;
  /** Calls `fn` with the new size on every SIGWINCH. */
  onResize(fn: (size: WinSize) => void): void;
  /** Calls `fn` once when podrun is told to stop (SIGTERM, SIGHUP; SIGINT when not raw). */
  onStop(fn: (signal: NodeJS.Signals) => void): void;
  /** Restores the caller's terminal and drops the handlers; idempotent. */
  close(): void;
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT'];

/**
 * Docker's rule for a terminal session: -t and -i together need stdin to be a terminal
 * ("the input device is not a TTY"); -t alone works on any stdin, as `docker exec -t` does.
 */
export function checkTerminalInput(stdin: boolean): void {
  if (stdin && !isatty(0)) throw new PodrunError('the input device is not a TTY');
}

export function callerTerminal(raw: boolean): CallerTerminal {
  // Raw only when stdin is a terminal: its line discipline would otherwise echo and edit
  // what the container's own terminal already does.
  const saved = raw && isatty(0) ? makeRaw(0) : undefined;
  const handlers: [NodeJS.Signals, () => void][] = [];
  let closed = false;
  const term: CallerTerminal = {
    size: () => (isatty(1) ? getWinsize(1) : undefined) ?? (isatty(0) ? getWinsize(0) : undefined),
    onResize(fn) {
      const h = () => {
        const s = term.size();
        if (s) fn(s);
      };
      process.on('SIGWINCH', h);
      handlers.push(['SIGWINCH', h]);
    },
    onStop(fn) {
      for (const sig of STOP_SIGNALS) {
        const h = () => fn(sig);
        process.on(sig, h);
        handlers.push([sig, h]);
      }
    },
    close() {
      if (closed) return;
      closed = true;
      for (const [sig, h] of handlers) process.off(sig, h);
      if (saved) setTermios(0, saved);
    },
  };
  return term;
}
