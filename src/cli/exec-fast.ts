// A commander-free parser for the one verb whose start-up time is a product feature:
// `exec` is called in loops by harnesses, and loading commander costs ~20 ms. Anything
// it does not recognise (help, bundled short flags, unknown options) returns undefined
// and the full parser takes over, so behaviour stays the same.
import type { ExecOptions } from '../pod/exec.js';

export interface FastExec {
  root?: string;
  pod: string;
  argv: string[];
  opts: ExecOptions;
  tty: boolean;
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
  let tty = false;
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
    else if (a === '-t' || a === '--tty') tty = true;
    else if (valueFlags[a] && i + 1 < args.length) valueFlags[a](args[++i]);
    else if (a.startsWith('-')) return undefined;
    else break;
  }
  const pod = args[i++];
  if (!pod) return undefined;
  if (args[i] === '--') i++;
  const argv = args.slice(i);
  if (argv.length === 0) return undefined;
  return { root, pod, argv, opts, tty };
}
