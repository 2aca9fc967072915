// The terminal progress of pulls: byte and rate formatting, and the in-place redraw.
import { describe, expect, it, vi } from 'vitest';
import { formatBytes, formatTransferLine, TransferProgress } from '../../src/cli/transfer-progress.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('transfer progress', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [3 * 1024 * 1024, '3.0 MiB'],
    [5 * 1024 ** 4, '5.0 TiB'],
  ])('%d bytes is %s', (n, s) => expect(formatBytes(n)).toBe(s));

  it('shows done of total and the rate, frozen when the layer is complete', () => {
    expect(formatTransferLine({ id: D, done: 1024 * 1024, total: 4 * 1024 * 1024, startedAt: 0 }, 500)).toBe('sha256:abababababab   1.0 MiB / 4.0 MiB   2.0 MiB/s');
    expect(formatTransferLine({ id: D, done: 10, total: 10, startedAt: 0, finishedAt: 1000 }, 9000)).toBe('sha256:abababababab   10 B / 10 B   done');
    expect(formatTransferLine({ id: D, done: 0, total: 10, startedAt: 5 }, 5)).toBe('sha256:abababababab   0 B / 10 B   -');
  });

  it('redraws its block in place, at most every 100 ms', () => {
    vi.useFakeTimers();
    try {
      const writes: string[] = [];
      let now = 0;
      const p = new TransferProgress({ write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream, () => now);
      p.update('sha256:1', 0, 100);
      p.update('sha256:2', 0, 50);
      now = 1000;
      p.update('sha256:1', 100, 100);
      expect(writes).toEqual([]);
      vi.advanceTimersByTime(100);
      expect(writes).toHaveLength(1);
      expect(writes[0]).toBe('\x1b[2Ksha256:1   100 B / 100 B   done\n\x1b[2Ksha256:2   0 B / 50 B   0 B/s\n');
      p.update('sha256:2', 50, 50);
      p.finish();
      expect(writes[1]).toBe('\x1b[2A\x1b[2Ksha256:1   100 B / 100 B   done\n\x1b[2Ksha256:2   50 B / 50 B   done\n');
    } finally {
      vi.useRealTimers();
    }
  });
});
