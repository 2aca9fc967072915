import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CriLineWriter,
  CriLogReader,
  MAX_LINE_SIZE,
  formatRfc3339Nano,
  parseCriLine,
  readLogicalLines,
  renderLogs,
  rfc3339Nano,
} from '../../src/logs/cri-format.js';
import { CriLogFile, readLog } from '../../src/logs/log-file.js';

/** A clock that ticks one nanosecond per call, for exact expectations. */
function fakeClock(): () => string {
  let n = 1_475_713_029_669_794_202n; // 2016-10-06T00:17:09.669794202Z
  return () => formatRfc3339Nano(n++);
}

const T0 = '2016-10-06T00:17:09.669794202Z';
const T1 = '2016-10-06T00:17:09.669794203Z';
const T2 = '2016-10-06T00:17:09.669794204Z';

function w(stream: 'stdout' | 'stderr', now = fakeClock()): CriLineWriter {
  return new CriLineWriter(stream, { now });
}

describe('timestamps', () => {
  it('formats RFC 3339 with 9 fixed digits in UTC', () => {
    expect(formatRfc3339Nano(1_475_713_029_669_794_202n)).toBe(T0);
    expect(formatRfc3339Nano(1_000_000_000n * 1_700_000_000n + 5n)).toBe('2023-11-14T22:13:20.000000005Z');
  });

  it('rfc3339Nano is close to the wall clock and never goes backwards', () => {
    const a = rfc3339Nano();
    const b = rfc3339Nano();
    expect(a).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    expect(b >= a).toBe(true);
    expect(Math.abs(Date.parse(a) - Date.now())).toBeLessThan(5_000);
  });
});

describe('CriLineWriter', () => {
  it('writes full lines as F records, one timestamp per chunk', () => {
    const out = w('stdout').write(Buffer.from('hello\nworld\n')).toString();
    expect(out).toBe(`${T0} stdout F hello\n${T0} stdout F world\n`);
  });

  it('always writes the space after the tag, even for an empty line', () => {
    expect(w('stderr').write(Buffer.from('\n')).toString()).toBe(`${T0} stderr F \n`);
  });

  it('holds a line across a chunk boundary and writes it once', () => {
    const wr = w('stdout');
    expect(wr.write(Buffer.from('hel')).length).toBe(0);
    expect(wr.write(Buffer.from('lo wo')).length).toBe(0);
    expect(wr.write(Buffer.from('rld\nnext')).toString()).toBe(`${T0} stdout F hello world\n`);
    expect(wr.flush().toString()).toBe(`${T1} stdout P next\n`);
    expect(wr.flush().length).toBe(0);
  });

  it('splits a 40 KiB line into P, P, F records of at most 16 KiB', () => {
    const line = 'x'.repeat(40 * 1024);
    const recs = w('stdout').write(Buffer.from(line + '\n')).toString().split('\n').slice(0, -1);
    expect(recs.map((r) => r.split(' ')[2])).toEqual(['P', 'P', 'F']);
    const parsed = recs.map((r) => parseCriLine(r)!);
    expect(parsed.map((p) => p.content.length)).toEqual([MAX_LINE_SIZE, MAX_LINE_SIZE, 40 * 1024 - 2 * MAX_LINE_SIZE]);
    expect(renderLogs(recs.join('\n') + '\n')).toBe(line + '\n');
  });

  it('a line of exactly 16 KiB stays one F record', () => {
    const out = w('stdout').write(Buffer.from('y'.repeat(MAX_LINE_SIZE) + '\n')).toString();
    expect(out.split('\n').length).toBe(2);
    expect(parseCriLine(out.slice(0, -1))!.partial).toBe(false);
  });

  it('splits long lines arriving in small chunks, without waiting for the newline', () => {
    const wr = w('stdout');
    let out = '';
    for (let i = 0; i < 20; i++) out += wr.write(Buffer.from('z'.repeat(1024))).toString();
    expect(out.split('\n').slice(0, -1).map((r) => parseCriLine(r)!.partial)).toEqual([true]);
    out += wr.write(Buffer.from('\n')).toString();
    expect(renderLogs(out)).toBe('z'.repeat(20 * 1024) + '\n');
  });

  it('does not cut a UTF-8 character in two when splitting', () => {
    const line = 'é'.repeat(MAX_LINE_SIZE); // 2 bytes each
    const text = new CriLineWriter('stdout', { now: fakeClock(), maxLineSize: 1001 }).write(Buffer.from(line + '\n')).toString();
    expect(text).not.toContain('\uFFFD');
    expect(renderLogs(text)).toBe(line + '\n');
  });
});

describe('parseCriLine', () => {
  it('parses records, extra tags and containerd-trimmed times', () => {
    expect(parseCriLine(`${T0} stdout F hello world`)).toEqual({ time: T0, stream: 'stdout', partial: false, content: 'hello world' });
    expect(parseCriLine(`${T0} stderr P:x  two spaces`)).toEqual({ time: T0, stream: 'stderr', partial: true, content: ' two spaces' });
    expect(parseCriLine('2016-10-06T00:17:09.6697942Z stdout F a')?.content).toBe('a');
    expect(parseCriLine(`${T0} stdout F `)?.content).toBe('');
  });

  it('rejects malformed records', () => {
    expect(parseCriLine(`${T0} stdout F`)).toBeNull(); // no space after the tag
    expect(parseCriLine(`${T0} stdin F x`)).toBeNull();
    expect(parseCriLine(`${T0} stdout X x`)).toBeNull();
    expect(parseCriLine(`yesterday stdout F x`)).toBeNull();
    expect(parseCriLine('')).toBeNull();
  });
});

describe('reading logs', () => {
  const log = [
    `${T0} stdout F one`,
    `${T0} stderr F err one`,
    `${T1} stdout P tw`,
    `${T1} stderr F err two`,
    `${T2} stdout F o`,
    `${T2} stdout F `,
    'garbage line',
    `${T2} stderr P no newline`,
    '',
  ].join('\n');

  it('round-trips writer output', () => {
    const clock = fakeClock();
    const out = w('stdout', clock);
    const err = w('stderr', clock);
    const text = [
      out.write(Buffer.from('a\n\nb')),
      err.write(Buffer.from('e1\n')),
      out.write(Buffer.from('c\n')),
      err.write(Buffer.from('tail')),
      out.flush(),
      err.flush(),
    ]
      .map((b) => b.toString())
      .join('');
    expect(readLogicalLines(text).map((l) => [l.stream, l.content, l.complete])).toEqual([
      ['stdout', 'a', true],
      ['stdout', '', true],
      ['stderr', 'e1', true],
      ['stdout', 'bc', true],
      ['stderr', 'tail', false],
    ]);
  });

  it('interleaves both streams in order and joins fragments per stream', () => {
    expect(renderLogs(log)).toBe('one\nerr one\nerr two\ntwo\n\nno newline');
  });

  it('prefixes the time of the first record with --timestamps', () => {
    expect(renderLogs(log, { timestamps: true })).toBe(
      `${T0} one\n${T0} err one\n${T1} err two\n${T1} two\n${T2} \n${T2} no newline`,
    );
  });

  it('--tail keeps the last N logical lines', () => {
    expect(renderLogs(log, { tail: 2 })).toBe('\nno newline');
    expect(renderLogs(log, { tail: 3, timestamps: true })).toBe(`${T1} two\n${T2} \n${T2} no newline`);
    expect(renderLogs(log, { tail: 0 })).toBe('');
    expect(renderLogs(log, { tail: -1 })).toBe(renderLogs(log));
    expect(renderLogs(log, { tail: 100 })).toBe(renderLogs(log));
  });

  it('CriLogReader takes input in arbitrary pieces, even inside a UTF-8 character', () => {
    const bytes = Buffer.from(`${T0} stdout P caf\n${T0} stdout F é ok\n${T1} stderr F x\n`);
    const r = new CriLogReader();
    const got = [];
    for (let i = 0; i < bytes.length; i += 7) got.push(...r.push(bytes.subarray(i, i + 7)));
    got.push(...r.end());
    expect(got.map((l) => l.content)).toEqual(['café ok', 'x']);
  });
});

describe('CriLogFile', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podrun-log-test-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('appends records and reads them back', () => {
    const file = path.join(dir, 'ctr', '0.log');
    expect(readLog(file)).toBe('');
    const lf = new CriLogFile(file, { now: fakeClock() });
    lf.write('stdout', Buffer.from('hello\nwor'));
    lf.write('stderr', Buffer.from('oops\n'));
    lf.write('stdout', Buffer.from('ld\npartial'));
    lf.close();
    const text = readLog(file);
    expect(text).toBe(
      `${T0} stdout F hello\n${T1} stderr F oops\n${T2} stdout F world\n2016-10-06T00:17:09.669794205Z stdout P partial\n`,
    );
    expect(renderLogs(text)).toBe('hello\noops\nworld\npartial');
    // Appends, never truncates; a trailing P record joins what follows (CRI rule).
    const again = new CriLogFile(file, { now: fakeClock() });
    again.write('stdout', Buffer.from('more\nlast\n'));
    again.close();
    expect(renderLogs(readLog(file), { tail: 2 })).toBe('partialmore\nlast\n');
  });
});
