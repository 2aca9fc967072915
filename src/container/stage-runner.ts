// Runs a stage's steps (the init stage's, the exec stage's) in a process of its own and
// reports a failure on the sync pipe (fd 3) as one JSON line before exiting with the
// failure's exit code; the supervisor reads it with readSyncPipe (sync-pipe.ts).
import { writeSync } from 'node:fs';
import { StartError } from '../util/errors.js';
import type { InitContext, InitStep } from './init-config.js';
import { SYNC_FD } from './process-steps.js';
import type { InitFailure } from './sync-pipe.js';

function fail(f: InitFailure): never {
  try {
    writeSync(SYNC_FD, JSON.stringify(f) + '\n');
  } catch {
    /* supervisor gone: the exit code still tells */
  }
  try {
    writeSync(2, `podrun: ${f.error}\n`);
  } catch {
    /* no stderr */
  }
  process.exit(f.exitCode);
}

/** Runs the steps in order; the last one execs, so this returns only by exiting. */
export function runStage(steps: readonly InitStep[], ctx: InitContext): void {
  try {
    for (const step of steps) step.setUp(ctx);
  } catch (e) {
    if (e instanceof StartError) fail({ error: e.message, exitCode: e.containerExitCode, reason: e.reason });
    fail({ error: `container ${ctx.cfg.containerName}: setup failed: ${(e as Error).message}`, exitCode: 128, reason: 'StartError' });
  }
}
