// Per-layer progress on a terminal (stderr): bytes done of total and the rate, one line
// per layer redrawn in place. Without a terminal, nothing: the output is the result only.
import type { PullProgress } from '../image/store/pull-fn.js';
import { humanSize } from '../image/image-views.js';

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ((p: PullProgress) => void) | undefined {
  if (!stream.isTTY) return undefined;
  const started = new Map<string, number>();
  let last = '';
  let lastDraw = 0;
  return (p) => {
    const now = Date.now();
    if (!started.has(p.layer)) {
      if (last) stream.write('\n');
      started.set(p.layer, now);
      last = p.layer;
    }
    if (p.done < p.total && now - lastDraw < 100) return;
    lastDraw = now;
    const secs = Math.max((now - started.get(p.layer)!) / 1000, 0.001);
    const line = `${p.layer.slice(7, 19)}: ${humanSize(p.done)} / ${humanSize(p.total)}  ${humanSize(p.done / secs)}/s`;
    stream.write(`\r\x1b[K${line}`);
    if (p.done >= p.total) {
      stream.write('\n');
      last = '';
    }
  };
}
