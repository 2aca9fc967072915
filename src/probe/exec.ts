// The exec handler of probes and hooks: runs a command in a running container with the
// container's restrictions, through the exec stage (CRI ExecSync), captures at most 10 KiB
// of output for events, and kills the command at its timeout (ExecProbeTimeout semantics).
import { spawnExecStage } from '../container/exec-stage-launch.js';
import { parseSignal } from '../model/signals.js';
import type { ContainerRecord } from '../state/records.js';

export const OUTPUT_LIMIT = 10 * 1024;
/** How long the exec stage may take to start the command (join, look up, restrict, execve). */
export const STAGE_START_LIMIT_MS = 10_000;

export interface ExecResult {
  /** The command's exit code; undefined when it could not run or timed out. */
  exitCode?: number;
  timedOut: boolean;
  output: string;
  error?: string;
}

/** Runs argv in the container; timeoutMs 0 = no limit (hooks). */
export function execInRunningContainer(
  configPath: string,
  c: ContainerRecord,
  argv: string[],
  timeoutMs: number,
): Promise<ExecResult> {
  return new Promise((resolve) => {
    let stage;
    try {
      stage = spawnExecStage(configPath, c, { argv }, ['ignore', 'pipe', 'pipe']);
    } catch (err) {
      resolve({ timedOut: false, output: '', error: (err as Error).message });
      return;
    }
    const { child } = stage;
    let output = '';
    const take = (d: Buffer) => {
      if (output.length < OUTPUT_LIMIT) output += d.toString('utf8', 0, Math.min(d.length, OUTPUT_LIMIT - output.length));
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    // The exec stage's own start (a Node process, slow on a loaded machine) is not the
    // command's time: timeoutSeconds counts from the command's execve, and the set-up has
    // a bound of its own.
    let timedOut = false;
    let stageStuck = false;
    let timer: NodeJS.Timeout | undefined = setTimeout(() => {
      stageStuck = true;
      child.kill('SIGKILL');
    }, STAGE_START_LIMIT_MS);
    void stage.started.then((failure) => {
      clearTimeout(timer);
      timer = undefined;
      if (failure || timeoutMs <= 0 || child.exitCode !== null || child.signalCode !== null) return;
      timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      // Node could not start the exec stage itself; the command's own failures come on its sync pipe.
      resolve({ timedOut: false, output, error: `${argv[0]}: exec stage: ${err.message}` });
    });
    child.on('close', async (code, sig) => {
      if (timer) clearTimeout(timer);
      const failure = await stage.started;
      if (stageStuck) resolve({ timedOut: false, output, error: `${argv[0]}: the exec stage did not start it within ${STAGE_START_LIMIT_MS / 1000}s` });
      else if (failure && !timedOut) resolve({ timedOut: false, output, error: failure.error });
      else if (timedOut) resolve({ timedOut: true, output, error: `command timed out after ${timeoutMs / 1000}s` });
      // Node reports either an exit code or the signal that ended the command.
      else resolve({ exitCode: code ?? 128 + parseSignal(sig!).number, timedOut: false, output });
    });
  });
}
