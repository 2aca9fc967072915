// logs: read a container's CRI log file; -f follows it until the container ends.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { CriLogReader, readLogicalLines, renderLine } from '../../logs/cri-format.js';
import { loadPodRecord } from '../../pod/exec.js';
import type { StatePaths } from '../../state/paths.js';
import { InvalidInputError, NotFoundError, PodrunError } from '../../util/errors.js';

export interface LogsOptions {
  container?: string;
  follow: boolean;
  tail?: string;
  timestamps: boolean;
  previous: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readFrom(path: string, offset: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const size = statSync(path).size;
    if (size <= offset) return Buffer.alloc(0);
    const buf = Buffer.alloc(size - offset);
    const n = readSync(fd, buf, 0, buf.length, offset);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

export async function logs(state: StatePaths, pod: string, o: LogsOptions): Promise<void> {
  let tail: number | undefined;
  if (o.tail !== undefined) {
    if (!/^-?\d+$/.test(o.tail)) throw new InvalidInputError('--tail', `"${o.tail}": must be a whole number`);
    tail = Number(o.tail);
  }
  const rec = loadPodRecord(state, pod);
  const name = o.container ?? rec.pod.spec.containers[0].name;
  const c = rec.containers.find((x) => x.name === name);
  if (!c) throw new NotFoundError(`pod "${pod}": container "${name}" not found`);
  let instance = c.restartCount;
  if (o.previous) {
    if (instance === 0) throw new PodrunError(`pod "${pod}": container "${name}" has no previous instance`);
    instance -= 1;
  }
  const path = state.pod(pod).containerLog(name, instance);
  const first = readFrom(path, 0);
  let lines = readLogicalLines(first);
  if (tail !== undefined && tail >= 0) lines = tail === 0 ? [] : lines.slice(-tail);
  const out = (s: string) => s && process.stdout.write(s);
  if (!o.follow || o.previous) {
    out(lines.map((l) => renderLine(l, o.timestamps)).join(''));
    return;
  }
  // Follow: print the complete lines so far, then poll for growth until the container ends.
  const reader = new CriLogReader();
  let offset = first.length;
  const shown = reader.push(first);
  const startAt = tail !== undefined && tail >= 0 ? Math.max(0, shown.length - tail) : 0;
  out(shown.slice(startAt).map((l) => renderLine(l, o.timestamps)).join(''));
  for (;;) {
    const more = readFrom(path, offset);
    offset += more.length;
    out(reader.push(more).map((l) => renderLine(l, o.timestamps)).join(''));
    if (more.length === 0) {
      let cur;
      try {
        cur = loadPodRecord(state, pod).containers.find((x) => x.name === name);
      } catch {
        cur = undefined;
      }
      if (!cur || cur.state !== 'running' || cur.restartCount !== instance) {
        const rest = readFrom(path, offset);
        out([...reader.push(rest), ...reader.end()].map((l) => renderLine(l, o.timestamps)).join(''));
        return;
      }
      await sleep(100);
    }
  }
}
