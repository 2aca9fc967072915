// A commander-free parser and runner for the one verb whose start-up time is a product
// feature: `exec` is called in loops by harnesses, and loading commander costs ~20 ms.
// Anything the parser does not recognise (help, bundled short flags, unknown options)
// returns undefined and the full parser takes over, so behaviour stays the same.
// This module is also the entry of dist/exec.cjs, the CommonJS bundle bin/podrun runs
// exec from (Node 20's ESM loader costs ~20 ms of start-up; see bench/README.md).
import type { ExecOptions } from '../pod/exec.js';
import { PodrunError } from '../util/errors.js';
import { report } from './report.js';

export interface FastExec {
  root?: string;
  pod: string;
  argv: string[];
  opts: ExecOptions;
}

export function parseExecFast(args: string[]): FastExec | undefined {
  let i = 0;
  let root: string | undefined;
  if (args[i] === '--root') {
    root = args[i + 1];
    i += 2;
  }
  if (args[i] !== 'exec') return undefined;
  i++;
  const opts: ExecOptions = { env: [], stdin: false };
  const valueFlags: Record<string, (v: string) => void> = {
    '-c': (v) => (opts.container = v),
    '--container': (v) => (opts.container = v),
    '-e': (v) => opts.env.push(v),
    '--env': (v) => opts.env.push(v),
    '-w': (v) => (opts.workdir = v),
    '--workdir': (v) => (opts.workdir = v),
    '-u': (v) => (opts.user = v),
    '--user': (v) => (opts.user = v),
  };
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === '-i' || a === '--stdin') opts.stdin = true;
    // A terminal session is the full CLI's (cli/verbs/exec-terminal.ts): not a hot path.
    else if (a === '-t' || a === '--tty') return undefined;
    else if (valueFlags[a] && i + 1 < args.length) valueFlags[a](args[++i]);
    else if (a.startsWith('-')) return undefined;
    else break;
  }
  const pod = args[i++];
  if (!pod) return undefined;
  if (args[i] === '--') i++;
  const argv = args.slice(i);
  if (argv.length === 0) return undefined;
  return { root, pod, argv, opts };
}

/** Runs a parsed exec; resolves with podrun's exit status (the command's, or 125/126/127). */
export async function runExec(fast: FastExec): Promise<number> {
  try {
    // Loaded here, inside the try: failing to load them (koffi, ...) is podrun's failure too.
    const [{ execInContainer }, { StatePaths, resolveRoot }] = await Promise.all([import('../pod/exec.js'), import('../state/paths.js')]);
    return await execInContainer(new StatePaths(resolveRoot(fast.root)), fast.pod, fast.argv, fast.opts);
  } catch (e) {
    report(e);
    // A failure of podrun itself (not of the command) is 125, as Docker and Podman say.
    return e instanceof PodrunError ? e.exitCode : 125;
  }
}
