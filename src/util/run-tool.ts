// Runs a host tool (nft, ip) to completion and returns its output. node's spawnSync is all
// these few synchronous calls need; execa would load a dozen modules into the supervisor.
import { spawnSync } from 'node:child_process';
import { PodrunError } from './errors.js';

export interface ToolResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

export function runTool(cmd: string, args: string[], input?: string): ToolResult {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8' });
  if (r.error) throw new PodrunError(`cannot run ${cmd}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`);
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr };
}
