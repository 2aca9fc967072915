// Private working directories inside the store (same filesystem, so a finished blob or
// layer moves in with rename). Each name carries its owner's PID and start time
// (`purpose.PID.START.RANDOM`): a directory whose owner is gone (kill -9) is reclaimed
// by the next store operation that looks, and never one whose owner is alive.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isSameLiveProcess, readProcStat } from '../../kernel/procfs.js';

let ownStart: number | undefined;

function ownStartTime(): number {
  return (ownStart ??= readProcStat(process.pid)?.startTime ?? 0);
}

export function createTempDir(tmpRoot: string, purpose: string): string {
  const safe = purpose.replace(/[^a-z0-9-]/gi, '-') || 'tmp';
  return mkdtempSync(join(tmpRoot, `${safe}.${process.pid}.${ownStartTime()}.`));
}

/** Whether the directory's owner still runs; names that are not ours count as dead. */
export function ownerAlive(name: string): boolean {
  const parts = name.split('.');
  if (parts.length < 4) return false;
  const pid = Number(parts[parts.length - 3]);
  const start = Number(parts[parts.length - 2]);
  return Number.isSafeInteger(pid) && pid > 0 && isSameLiveProcess(pid, start);
}

/** Removes the directories of dead owners; returns the names of the live ones and how many went. */
export function reclaimTempDirs(tmpRoot: string): { live: string[]; reclaimed: number } {
  const live: string[] = [];
  let reclaimed = 0;
  for (const name of readdirSync(tmpRoot)) {
    if (ownerAlive(name)) live.push(name);
    else {
      rmSync(join(tmpRoot, name), { recursive: true, force: true });
      reclaimed++;
    }
  }
  return { live, reclaimed };
}
