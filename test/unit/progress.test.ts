// The terminal progress of pulls and imports: the line of a layer, and the block of lines
// redrawn in place (layers downloaded at once each keep their line).
import { describe, expect, it, vi } from 'vitest';
import { formatTransferLine, TransferProgress } from '../../src/cli/progress.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('transfer progress', () => {
  it('shows done of total and the rate, frozen as done when the layer is complete', () => {
    expect(formatTransferLine({ id: D, done: 1_000_000, total: 4_000_000, startedAt: 0 }, 500)).toBe('abababababab: 1.00MB / 4.00MB  2.00MB/s');
    expect(formatTransferLine({ id: D, done: 10, total: 10, startedAt: 0, finishedAt: 1000 }, 9000)).toBe('abababababab: 10B / 10B  done');
    expect(formatTransferLine({ id: D, done: 0, total: 10, startedAt: 5 }, 5)).toBe('abababababab: 0B / 10B  -');
  });

  it('redraws its block in place at most every 100 ms, and at once when a layer completes', () => {
    vi.useFakeTimers();
    try {
      const writes: string[] = [];
      let now = 0;
      const p = new TransferProgress({ write: (s: string) => writes.push(s) > 0 }, () => now);
      const a = `sha256:${'1'.repeat(64)}`;
      const b = `sha256:${'2'.repeat(64)}`;
      p.update({ layer: a, done: 0, total: 100 });
      p.update({ layer: b, done: 0, total: 50 });
      now = 1000;
      p.update({ layer: a, done: 40, total: 100 });
      expect(writes).toEqual([]);
      vi.advanceTimersByTime(100);
      expect(writes).toEqual(['\x1b[2K111111111111: 40B / 100B  40B/s\n\x1b[2K222222222222: 0B / 50B  0B/s\n']);
      p.update({ layer: b, done: 50, total: 50 });
      expect(writes[1]).toBe('\x1b[2A\x1b[2K111111111111: 40B / 100B  40B/s\n\x1b[2K222222222222: 50B / 50B  done\n');
      vi.advanceTimersByTime(1000);
      expect(writes).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
