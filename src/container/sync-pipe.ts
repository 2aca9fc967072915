// The supervisor's side of a stage's sync pipe (fd 3 of the init and exec stages): closed
// with no message when the stage exec'd its command, else one JSON line, its failure.
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';

export interface InitFailure {
  error: string;
  exitCode: number;
  reason: string;
}

/** Resolves undefined once the stage exec'd (pipe closed, no message), else its failure. */
export function readSyncPipe(child: ChildProcess): Promise<InitFailure | undefined> {
  return new Promise((resolve) => {
    const sync = child.stdio[3] as Socket;
    let data = '';
    sync.on('data', (d: Buffer) => (data += d.toString()));
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
