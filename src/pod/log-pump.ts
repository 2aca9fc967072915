// Copies one stream of a container (its log FIFO) into the container's CRI log file.
import type { Socket } from 'node:net';
import type { CriLogFile } from '../logs/log-file.js';

export class ContainerLogPump {
  readonly done: Promise<void>;

  constructor(
    private readonly src: Socket,
    stream: 'stdout' | 'stderr',
    file: CriLogFile,
  ) {
    this.done = new Promise((resolve) => {
      src.on('data', (chunk: Buffer) => file.write(stream, chunk));
      src.on('error', () => {});
      src.on('close', () => {
        file.endStream(stream);
        resolve();
      });
    });
  }

  close(): void {
    this.src.destroy();
  }
}

/** Pumps both streams of one container instance into one log file, closed when both end. */
export function pumpContainerLogs(s: { stdout: Socket; stderr: Socket }, file: CriLogFile): ContainerLogPump[] {
  const pumps = [new ContainerLogPump(s.stdout, 'stdout', file), new ContainerLogPump(s.stderr, 'stderr', file)];
  void Promise.all(pumps.map((p) => p.done)).then(() => file.close());
  return pumps;
}
