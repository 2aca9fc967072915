// Per-blob progress on a terminal, as `docker pull` shows it: one line per layer with the
// bytes done of the total and the rate, redrawn in place at most every 100 ms. Only on a
// terminal (stderr): without one, commands print nothing but their result.

export interface TransferLine {
  id: string;
  done: number;
  total: number;
  startedAt: number;
  /** When `done` reached `total` (the rate is frozen there). */
  finishedAt?: number;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 -> "1.5 KiB" */
export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${UNITS[u]}`;
}

/** `sha256:1234567890ab   1.5 MiB / 3.0 MiB   12.0 MiB/s` (or `done` when complete). */
export function formatTransferLine(l: TransferLine, now: number): string {
  const seconds = ((l.finishedAt ?? now) - l.startedAt) / 1000;
  const rate = seconds > 0 ? `${formatBytes(Math.round(l.done / seconds))}/s` : '-';
  const state = l.done >= l.total ? 'done' : rate;
  return `${l.id.slice(0, 'sha256:'.length + 12)}   ${formatBytes(l.done)} / ${formatBytes(l.total)}   ${state}`;
}

/** Draws the lines on `out` (a TTY stream), redrawing the block in place. */
export class TransferProgress {
  private readonly lines = new Map<string, TransferLine>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly out: NodeJS.WriteStream, private readonly clock: () => number = Date.now) {}

  update(id: string, done: number, total: number): void {
    const now = this.clock();
    const line = this.lines.get(id) ?? { id, done: 0, total, startedAt: now };
    line.done = done;
    line.total = total;
    if (done >= total && line.finishedAt === undefined) line.finishedAt = now;
    this.lines.set(id, line);
    this.timer ??= setTimeout(() => this.draw(), 100);
  }

  /** The final state, drawn once more; the block stays on the screen. */
  finish(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.lines.size > 0) this.draw();
  }

  private draw(): void {
    this.timer = undefined;
    const now = this.clock();
    const text = [...this.lines.values()].map((l) => `\x1b[2K${formatTransferLine(l, now)}\n`).join('');
    this.out.write((this.drawn > 0 ? `\x1b[${this.drawn}A` : '') + text);
    this.drawn = this.lines.size;
  }
}
