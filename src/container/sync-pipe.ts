// The supervisor's side of a stage's sync pipe (fd 3 of the init and exec stages): closed
// with no message when the stage exec'd its command, else one JSON line, its failure.
// A container's init stage with a terminal sends a handoff first (terminal.ts) and waits
// for the answer.
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import type { TerminalHandoff } from './terminal.js';

export interface InitFailure {
  error: string;
  exitCode: number;
  reason: string;
}

/**
 * Resolves undefined once the stage exec'd (pipe closed, no message), else its failure.
 * A terminal handoff on the way is given to `onHandoff`, then answered.
 */
export function readSyncPipe(child: ChildProcess, onHandoff?: (h: TerminalHandoff) => void): Promise<InitFailure | undefined> {
  return new Promise((resolve) => {
    const sync = child.stdio[3] as Socket;
    let data = '';
    sync.on('data', (d: Buffer) => {
      data += d.toString();
      const nl = data.indexOf('\n');
      if (!onHandoff || nl < 0 || !data.startsWith('{"terminal"')) return;
      const line = data.slice(0, nl);
      data = data.slice(nl + 1);
      try {
        onHandoff(JSON.parse(line) as TerminalHandoff);
        sync.write('\n');
      } catch (e) {
        // No go-ahead: the stage gives up, and this is its failure.
        data = JSON.stringify({ error: `the container's terminal: ${(e as Error).message}`, exitCode: 128, reason: 'StartError' });
        sync.end();
      }
    });
    sync.on('error', () => {});
    sync.on('close', () => {
      if (!data.trim()) return resolve(undefined);
      try {
        resolve(JSON.parse(data.trim().split('\n')[0]) as InitFailure);
      } catch {
        resolve({ error: data.trim(), exitCode: 128, reason: 'StartError' });
      }
    });
  });
}
