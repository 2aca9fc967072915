// stats: per container CPU (cumulative and the rate over the last interval), memory
// current and peak, PIDs, from the cgroup files (src/pod/pod-stats.ts). Read straight
// from the pod records and cgroups, without a round trip. Two samples an interval apart
// give the rate, so the first figures come after one interval. --watch repeats: on a
// terminal it redraws one table in place (like top, on the alternate screen); otherwise
// it prints one table per interval, or one JSON object per line with -o json.
import { setTimeout as sleep } from 'node:timers/promises';
import type { StatePaths } from '../../state/paths.js';
import type { SupervisorClient } from '../client.js';
import { containerStats, samplePods, type ContainerSample, type ContainerStats } from '../../pod/pod-stats.js';
import { InvalidInputError, NotFoundError } from '../../util/errors.js';
import { formatTable, printJson } from '../output.js';

export interface StatsOptions {
  output?: string;
  watch: boolean;
  interval?: string;
}

/** What `stats -o json` prints (one per line with --watch). */
export interface StatsDocument {
  time: string;
  intervalSeconds: number;
  containers: ContainerStats[];
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 -> "1.5KiB"; null -> "-". */
export function formatBytes(n: number | null): string {
  if (n === null) return '-';
  let i = 0;
  let v = n;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v}B` : `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)}${UNITS[i]}`;
}

/** CPU time as top's TIME+ (minutes:seconds.hundredths): 83_450_000 µs -> "1:23.45". */
export function formatCpuTime(usec: number | null): string {
  if (usec === null) return '-';
  const hundredths = Math.floor(usec / 10_000);
  const min = Math.floor(hundredths / 6000);
  const sec = (hundredths % 6000) / 100;
  return `${min}:${sec.toFixed(2).padStart(5, '0')}`;
}

/** The rate as Docker's CPU %: 100% = one CPU busy. */
export function formatCpuPercent(cores: number | null): string {
  return cores === null ? '-' : `${(cores * 100).toFixed(1)}%`;
}

export const STATS_HEADER = ['POD', 'CONTAINER', 'CPU %', 'CPU TIME', 'MEMORY', 'MEM PEAK', 'PIDS'];

export function statsRows(stats: ContainerStats[]): string[][] {
  return stats.map((s) => [
    s.pod,
    s.container,
    formatCpuPercent(s.cpu.rateCores),
    formatCpuTime(s.cpu.usageUsec),
    formatBytes(s.memory.currentBytes),
    formatBytes(s.memory.peakBytes),
    s.pids.current === null ? '-' : String(s.pids.current),
  ]);
}

export function parseInterval(v: string | undefined): number {
  if (v === undefined) return 1;
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || n <= 0) throw new InvalidInputError('--interval', `"${v}": must be a number of seconds > 0`);
  return n;
}

// The alternate screen (left as it was on exit), cursor hidden; home + clear each redraw.
const ENTER = '\x1b[?1049h\x1b[?25l';
const LEAVE = '\x1b[?25h\x1b[?1049l';
const REDRAW = '\x1b[H\x1b[2J';

export async function stats(state: StatePaths, client: SupervisorClient, pod: string | undefined, o: StatsOptions): Promise<void> {
  if (o.output !== undefined && o.output !== 'json') throw new InvalidInputError('--output', `"${o.output}": must be json`);
  const intervalSeconds = parseInterval(o.interval);
  // Bad options change nothing (no supervisor started); then the records are made current.
  await client.ensure();
  const json = o.output === 'json';
  const inPlace = o.watch && !json && process.stdout.isTTY === true;
  let prev: ContainerSample[] = samplePods(state, pod);
  if (inPlace) {
    process.stdout.write(ENTER);
    const leave = () => {
      process.stdout.write(LEAVE);
      process.exit(0);
    };
    process.once('SIGINT', leave);
    process.once('SIGTERM', leave);
  }
  for (let first = true; first || o.watch; first = false) {
    await sleep(intervalSeconds * 1000);
    let cur: ContainerSample[];
    try {
      cur = samplePods(state, pod);
    } catch (e) {
      // Watching one pod ends with the pod, as `events -f POD` does.
      if (e instanceof NotFoundError && !first) break;
      throw e;
    }
    const doc: StatsDocument = { time: new Date().toISOString(), intervalSeconds, containers: containerStats(cur, prev) };
    prev = cur;
    if (json && o.watch) process.stdout.write(JSON.stringify(doc) + '\n');
    else if (json) printJson(doc);
    else {
      const table = formatTable(STATS_HEADER, statsRows(doc.containers));
      process.stdout.write(inPlace ? REDRAW + table : (first ? '' : '\n') + table);
    }
  }
  if (inPlace) process.stdout.write(LEAVE);
}
