// Process identity from /proc: a PID alone is never trusted, the start time
// (field 22 of /proc/PID/stat, clock ticks since boot) is recorded beside it.
import { readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  startTime: number;
}

export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm may contain spaces and parentheses: parse after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: rest[0], ppid: Number(rest[1]), startTime: Number(rest[19]) };
}

/** True when `pid` is the same live (non-zombie) process that started at `startTime`. */
export function isSameLiveProcess(pid: number, startTime: number): boolean {
  const st = readProcStat(pid);
  return !!st && st.startTime === startTime && st.state !== 'Z' && st.state !== 'X';
}

/** True when the process exists at all (a zombie counts) with that start time. */
export function processExists(pid: number, startTime: number): boolean {
  const st = readProcStat(pid);
  return !!st && st.startTime === startTime;
}

/** The calling process's effective capability mask (CapEff of /proc/self/status). */
export function ownEffectiveCapabilities(): bigint {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? BigInt(`0x${m[1]}`) : 0n;
}
