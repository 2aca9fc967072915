// A cgroup's usage figures, read from its cgroup v2 files: cpu.stat `usage_usec` (kept by
// the kernel for every cgroup, with or without the cpu controller), memory.current and
// memory.peak (memory controller; memory.peak since Linux 5.19) and pids.current (pids
// controller). A figure whose file is absent is null, never 0: on hosts whose cgroup2
// tree lacks a controller, the figure is unknown, not zero.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CgroupUsage {
  /** CPU time used by the group's processes since the group was made, in microseconds. */
  cpuUsageUsec: number | null;
  memoryCurrentBytes: number | null;
  memoryPeakBytes: number | null;
  pidsCurrent: number | null;
}

/** One key of a flat-keyed file (`usage_usec 123` lines); null if absent or malformed. */
export function flatKeyedValue(text: string, key: string): number | null {
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

/** A single-value file (`123\n`); null if malformed. */
export function singleValue(text: string): number | null {
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : null;
}

function readOrNull(cgroup: string, file: string): string | null {
  try {
    return readFileSync(join(cgroup, file), 'utf8');
  } catch {
    return null; // absent (no such controller here) or the group is gone
  }
}

export function readCgroupUsage(cgroup: string): CgroupUsage {
  const cpu = readOrNull(cgroup, 'cpu.stat');
  const one = (file: string) => {
    const t = readOrNull(cgroup, file);
    return t === null ? null : singleValue(t);
  };
  return {
    cpuUsageUsec: cpu === null ? null : flatKeyedValue(cpu, 'usage_usec'),
    memoryCurrentBytes: one('memory.current'),
    memoryPeakBytes: one('memory.peak'),
    pidsCurrent: one('pids.current'),
  };
}
