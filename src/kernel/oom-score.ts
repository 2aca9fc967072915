// /proc/self/oom_score_adj. Without CAP_SYS_RESOURCE the kernel refuses (EACCES) a value
// below the lowest one a privileged ancestor set (oom_score_adj_min, not readable), which
// on hosts like the CI machines keeps even root at 0 or above. So the wanted value is
// clamped to what the host permits: the lowest accepted value between it and the current
// one, found by bisection (each refused write is a cheap syscall).
import { readFileSync, writeFileSync } from 'node:fs';
import { asPodrunError } from '../util/errors.js';

const FILE = '/proc/self/oom_score_adj';

function tryWrite(v: number): boolean {
  try {
    writeFileSync(FILE, String(v));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EACCES') return false;
    throw asPodrunError(e);
  }
}

export function ownOomScoreAdj(): number {
  return Number(readFileSync(FILE, 'utf8').trim());
}

/**
 * Sets this process's oom_score_adj to `wanted`, or the nearest value the kernel allows;
 * returns it. Going back to a value this process had is always allowed.
 */
export function setOomScoreAdj(wanted: number): number {
  if (tryWrite(wanted)) return wanted;
  // Refused: wanted is below the floor, and the current value is at or above it.
  let ok = ownOomScoreAdj();
  let low = wanted; // refused
  while (ok - low > 1) {
    const mid = Math.floor((low + ok) / 2);
    if (tryWrite(mid)) ok = mid;
    else low = mid;
  }
  tryWrite(ok);
  return ok;
}
