// The podrun CLI entry: maps errors to exit codes (0 ok, 1 runtime failure / not found,
// 2 invalid input; exec and run pass the command's status through, with 125/126/127 as
// Docker and Podman use them). `exec` takes a fast path that skips loading commander.
import { asPodrunError } from '../util/errors.js';
import { parseExecFast, runExec } from './exec-fast.js';
import { report } from './report.js';

export async function main(argv: string[]): Promise<void> {
  const fast = parseExecFast(argv.slice(2));
  if (fast) {
    process.exitCode = await runExec(fast);
    return;
  }
  // A reader that stops early (`podrun list -o json | head -1`) closes the pipe: end quietly
  // with SIGPIPE's shell status, as a C program killed by SIGPIPE would, not with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(141);
  });
  const [{ build }, { CommanderError }] = await Promise.all([import('./program.js'), import('commander')]);
  try {
    await build().parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander has printed its message already; help and version are not errors.
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    report(e);
    process.exitCode = asPodrunError(e).exitCode;
  }
}
