// Copies one stream of a container (its log FIFO) into the container's CRI log file.
import type { Readable } from 'node:stream';
import type { CriLogFile } from '../logs/log-file.js';
import { logLimitsFromEnv, type LogLimits } from '../logs/limits.js';
import { PodrunError } from '../util/errors.js';

/**
 * The supervisor's log limits (PODRUN_LOG_MAX_SIZE, PODRUN_LOG_MAX_FILES), read once
 * when it starts, since it imports this module before anything else runs: the
 * environment of the podrun command that started it. A bad value stops the supervisor
 * there, with one line naming the variable in ROOT/supervisor.log; found later, it
 * would fail a container that is already running.
 */
export const SUPERVISOR_LOG_LIMITS: LogLimits = (() => {
  try {
    return logLimitsFromEnv(process.env);
  } catch (err) {
    if (!(err instanceof PodrunError)) throw err;
    process.stderr.write(`podrun supervisor: ${err.message}\n`);
    process.exit(err.exitCode);
  }
})();

export class ContainerLogPump {
  readonly done: Promise<void>;

  constructor(
    private readonly src: Readable,
    stream: 'stdout' | 'stderr',
    file: CriLogFile,
  ) {
    this.done = new Promise((resolve) => {
      // The reader starts reading when it is created, at spawn. A container that exits
      // before its pump is attached (during the sync-pipe wait) has already emitted
      // 'end' and 'close' with nobody listening: an empty stream that is over.
      if (src.destroyed) {
        file.endStream(stream);
        resolve();
        return;
      }
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

/**
 * Pumps both streams of one container instance into its log file, closed when both end.
 * The file is rotated at the supervisor's limits unless it was given its own.
 */
export function pumpContainerLogs(
  s: { stdout: Readable; stderr: Readable },
  file: CriLogFile,
  limits: LogLimits = SUPERVISOR_LOG_LIMITS,
): ContainerLogPump[] {
  file.limits ??= limits;
  const pumps = [new ContainerLogPump(s.stdout, 'stdout', file), new ContainerLogPump(s.stderr, 'stderr', file)];
  void Promise.all(pumps.map((p) => p.done)).then(() => file.close());
  return pumps;
}
