// Per-layer progress on a terminal (stderr), as `docker pull` shows it: one line per
// layer with the bytes done of the total and the rate, the block redrawn in place at most
// every 100 ms (and at once when a layer completes), so layers downloaded at the same
// time each keep their line. Without a terminal, nothing: the output is the result only.
import type { PullProgress } from '../image/store/pull-fn.js';
import { humanSize } from '../image/image-views.js';

export interface TransferLine {
  id: string;
  done: number;
  total: number;
  startedAt: number;
  /** When `done` reached `total` (the rate is frozen there). */
  finishedAt?: number;
}

/** `1234567890ab: 1.50MB / 3.00MB  12.0MB/s` (`done` in place of the rate once complete). */
export function formatTransferLine(l: TransferLine, now: number): string {
  const seconds = ((l.finishedAt ?? now) - l.startedAt) / 1000;
  const rate = l.done >= l.total ? 'done' : seconds > 0 ? `${humanSize(l.done / seconds)}/s` : '-';
  return `${l.id.slice('sha256:'.length, 'sha256:'.length + 12)}: ${humanSize(l.done)} / ${humanSize(l.total)}  ${rate}`;
}

/** Draws the lines on `out` (a terminal), redrawing the whole block in place. */
export class TransferProgress {
  private readonly lines = new Map<string, TransferLine>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: Pick<NodeJS.WriteStream, 'write'>,
    private readonly clock: () => number = Date.now,
  ) {}

  update(p: PullProgress): void {
    const now = this.clock();
    const line = this.lines.get(p.layer) ?? { id: p.layer, done: 0, total: p.total, startedAt: now };
    const completes = p.done >= p.total && line.finishedAt === undefined;
    Object.assign(line, { done: p.done, total: p.total }, completes ? { finishedAt: now } : {});
    this.lines.set(p.layer, line);
    if (completes) this.draw();
    else this.timer ??= setTimeout(() => this.draw(), 100).unref();
  }

  private draw(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.clock();
    const text = [...this.lines.values()].map((l) => `\x1b[2K${formatTransferLine(l, now)}\n`).join('');
    this.out.write((this.drawn > 0 ? `\x1b[${this.drawn}A` : '') + text);
    this.drawn = this.lines.size;
  }
}

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ((p: PullProgress) => void) | undefined {
  if (!stream.isTTY) return undefined;
  const progress = new TransferProgress(stream);
  return (p) => progress.update(p);
}
