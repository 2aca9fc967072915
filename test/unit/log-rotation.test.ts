// Size-based rotation of container log files and reading across it: limits from the
// environment, rotated file names, the writer (whole records, max files, size
// accounting), the cursor that reads an instance in order, and the line printer.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatRfc3339Nano, parseCriLine, readLogicalLines } from '../../src/logs/cri-format.js';
import { DEFAULT_LOG_LIMITS, logLimitsFromEnv, type LogLimits } from '../../src/logs/limits.js';
import { LinePrinter } from '../../src/logs/line-printer.js';
import { LogCursor } from '../../src/logs/log-cursor.js';
import { CriLogFile, LogRotationError } from '../../src/logs/log-file.js';
import { compareRotated, formatStamp, nextRotated, parseRotatedName, rotatedFiles, type RotatedFile } from '../../src/logs/rotation.js';
import { InvalidInputError } from '../../src/util/errors.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podrun-rotation-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;
/** A fresh `.../ctr/0.log` path. */
const newLog = () => path.join(tmp, `c${dirs++}`, 'ctr', '0.log');

function fakeClock(): () => string {
  let n = 1_475_713_029_669_794_202n;
  return () => formatRfc3339Nano(n++);
}

/** Whole seconds from 2024-01-02T03:04:05Z, advancing `step` ms per call. */
function wallClock(step = 0): () => Date {
  let t = Date.UTC(2024, 0, 2, 3, 4, 5);
  return () => new Date((t += step) - step);
}

function logFile(file: string, limits?: LogLimits, extra: Partial<ConstructorParameters<typeof CriLogFile>[1]> = {}): CriLogFile {
  return new CriLogFile(file, { now: fakeClock(), rotationClock: wallClock(), limits, ...extra });
}

/** The instance's files in read order, rotated first. */
const filesOf = (file: string) => [...rotatedFiles(file).map((r) => r.path), ...(fs.existsSync(file) ? [file] : [])];

const readAll = (file: string) => {
  const c = new LogCursor(file);
  const chunks: Buffer[] = [];
  c.read((b) => chunks.push(b));
  c.close();
  return Buffer.concat(chunks).toString('utf8');
};

const contents = (text: string) => readLogicalLines(text).map((l) => l.content);
const numbered = (from: number, to: number, pad = '') => Array.from({ length: to - from }, (_, i) => `line ${from + i}${pad}`);

describe('limits from the environment', () => {
  it('defaults to the kubelet values', () => {
    expect(logLimitsFromEnv({})).toEqual({ maxSize: 10 * 1024 * 1024, maxFiles: 5 });
    expect(logLimitsFromEnv({ PODRUN_LOG_MAX_SIZE: '', PODRUN_LOG_MAX_FILES: '' })).toEqual(DEFAULT_LOG_LIMITS);
  });

  it('takes byte counts and quantities', () => {
    expect(logLimitsFromEnv({ PODRUN_LOG_MAX_SIZE: '16Ki', PODRUN_LOG_MAX_FILES: '2' })).toEqual({ maxSize: 16384, maxFiles: 2 });
    expect(logLimitsFromEnv({ PODRUN_LOG_MAX_SIZE: '1000' }).maxSize).toBe(1000);
    expect(logLimitsFromEnv({ PODRUN_LOG_MAX_SIZE: '1.5Ki' }).maxSize).toBe(1536);
    expect(logLimitsFromEnv({ PODRUN_LOG_MAX_SIZE: '1M' }).maxSize).toBe(1_000_000);
  });

  it.each([
    ['PODRUN_LOG_MAX_SIZE', 'abc'],
    ['PODRUN_LOG_MAX_SIZE', '10MB'],
    ['PODRUN_LOG_MAX_SIZE', '0'],
    ['PODRUN_LOG_MAX_SIZE', '-1Ki'],
    ['PODRUN_LOG_MAX_FILES', '1'],
    ['PODRUN_LOG_MAX_FILES', '3.5'],
    ['PODRUN_LOG_MAX_FILES', 'five'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    let err: unknown;
    try {
      logLimitsFromEnv({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).field).toBe(name);
    expect((err as Error).message).toMatch(new RegExp(`^${name}: "${value.replace('.', '\\.')}": must be`));
    expect((err as InvalidInputError).exitCode).toBe(2);
  });
});

describe('rotated file names', () => {
  const file = '/x/logs/ctr/1.log';

  it('stamps YYYYMMDD-hhmmss in UTC', () => {
    expect(formatStamp(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 999)))).toBe('20240102-030405');
  });

  it('adds a sequence for rotations in the same second, and never goes back in time', () => {
    const t = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
    const a = nextRotated(file, undefined, t);
    expect(a.path).toBe('/x/logs/ctr/1.log.20240102-030405');
    const b = nextRotated(file, a, t);
    expect(b.path).toBe('/x/logs/ctr/1.log.20240102-030405-1');
    expect(nextRotated(file, b, t).path).toBe('/x/logs/ctr/1.log.20240102-030405-2');
    // The clock stepped back an hour: still after the newest one.
    const back = nextRotated(file, b, new Date(t.getTime() - 3_600_000));
    expect(back.path).toBe('/x/logs/ctr/1.log.20240102-030405-2');
    expect(compareRotated(back, b)).toBeGreaterThan(0);
    expect(nextRotated(file, b, new Date(t.getTime() + 1000)).path).toBe('/x/logs/ctr/1.log.20240102-030406');
  });

  it('parses only the rotations of its own instance, ordered by time then sequence as numbers', () => {
    expect(parseRotatedName(file, '1.log.20240102-030405-10')).toMatchObject({ stamp: '20240102-030405', seq: 10 });
    for (const other of ['11.log.20240102-030405', '1.log', '1.log.tmp', '1.log.20240102-0304', '1.log.20240102-030405.gz', '0.log.20240102-030405']) {
      expect(parseRotatedName(file, other)).toBeNull();
    }
    const names = ['1.log.20240102-030405-10', '1.log.20240102-030405-9', '1.log.20240102-030406', '1.log.20240102-030405'];
    const sorted = names.map((n) => parseRotatedName(file, n) as RotatedFile).sort(compareRotated);
    expect(sorted.map((r) => path.basename(r.path))).toEqual([
      '1.log.20240102-030405',
      '1.log.20240102-030405-9',
      '1.log.20240102-030405-10',
      '1.log.20240102-030406',
    ]);
  });
});

describe('CriLogFile rotation', () => {
  const limits = { maxSize: 300, maxFiles: 3 };

  it('keeps at most maxFiles files, each within maxSize and made of whole records', () => {
    const file = newLog();
    const lf = logFile(file, limits);
    // 200 lines of ~55-byte records, written in uneven chunks that cut lines anywhere.
    const text = numbered(0, 200).join('\n') + '\n';
    for (let i = 0; i < text.length; i += 37) lf.write('stdout', Buffer.from(text.slice(i, i + 37)));
    lf.close();
    const files = filesOf(file);
    expect(files).toHaveLength(3);
    expect(path.basename(files[0]!)).toMatch(/^0\.log\.20240102-030405-\d+$/);
    for (const f of files) {
      const body = fs.readFileSync(f, 'utf8');
      expect(body.length).toBeGreaterThan(0);
      expect(body.length).toBeLessThanOrEqual(limits.maxSize);
      expect(body.endsWith('\n')).toBe(true);
      for (const rec of body.slice(0, -1).split('\n')) expect(parseCriLine(rec), rec).not.toBeNull();
    }
    // What is left is the end of the output, in order, without a gap.
    const kept = contents(readAll(file));
    expect(kept.at(-1)).toBe('line 199');
    const first = Number(kept[0]!.split(' ')[1]);
    expect(kept.length).toBeGreaterThan(6);
    expect(kept).toEqual(numbered(first, 200));
  });

  it('counts the bytes it writes, from the size of the file it reopens', () => {
    const file = newLog();
    const a = logFile(file, { maxSize: 1000, maxFiles: 2 });
    a.write('stdout', Buffer.from('hello\n'));
    expect(a.currentSize).toBe(fs.statSync(file).size);
    a.close();
    // A re-adopting supervisor appends: it counts what is already there.
    const b = logFile(file, { maxSize: 1000, maxFiles: 2 });
    expect(b.currentSize).toBe(fs.statSync(file).size);
    const rec = Buffer.from(`${'x'.repeat(50)}\n`);
    while (filesOf(file).length === 1) {
      b.write('stdout', rec);
      expect(b.currentSize).toBe(fs.statSync(file).size);
    }
    b.close();
    // Rotated exactly when the next record would not fit.
    const [rotated] = rotatedFiles(file);
    const size = fs.statSync(rotated!.path).size;
    const recordSize = 36 + 51; // time, stream, tag, spaces + content and newline
    expect(size).toBeLessThanOrEqual(1000);
    expect(size + recordSize).toBeGreaterThan(1000);
  });

  it('never splits a record: one larger than maxSize goes alone into its own file', () => {
    const file = newLog();
    const lf = logFile(file, { maxSize: 100, maxFiles: 10 });
    lf.write('stdout', Buffer.from('short\n'));
    lf.write('stdout', Buffer.from(`${'L'.repeat(500)}\nafter\n`));
    lf.close();
    const bodies = filesOf(file).map((f) => contents(fs.readFileSync(f, 'utf8')));
    expect(bodies).toEqual([['short'], ['L'.repeat(500)], ['after']]);
  });

  it('does not rotate without limits', () => {
    const file = newLog();
    const lf = logFile(file);
    for (let i = 0; i < 100; i++) lf.write('stdout', Buffer.from(`${'y'.repeat(100)}\n`));
    lf.close();
    expect(filesOf(file)).toEqual([file]);
  });

  it('reports a failed rotation and keeps writing to the current file', () => {
    const file = newLog();
    const errors: Error[] = [];
    const broken = () => {
      throw new Error('no clock');
    };
    const lf = logFile(file, { maxSize: 100, maxFiles: 2 }, { onError: (e) => errors.push(e), rotationClock: broken });
    for (let i = 0; i < 4; i++) lf.write('stdout', Buffer.from(`${'z'.repeat(40)} ${i}\n`));
    lf.close();
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toBeInstanceOf(LogRotationError);
    expect(errors[0]!.message).toContain(`rotation of ${file} failed`);
    expect(contents(fs.readFileSync(file, 'utf8')).map((l) => l.slice(-1))).toEqual(['0', '1', '2', '3']);
  });
});

describe('LogCursor', () => {
  it('reads an instance in order: rotated files, then the current one', () => {
    const file = newLog();
    const lf = logFile(file, { maxSize: 200, maxFiles: 100 });
    for (const l of numbered(0, 50)) lf.write('stdout', Buffer.from(`${l}\n`));
    lf.close();
    expect(filesOf(file).length).toBeGreaterThan(5);
    expect(contents(readAll(file))).toEqual(numbered(0, 50));
    expect(readAll(path.join(tmp, 'missing', '0.log'))).toBe('');
  });

  it('follows a file across rotations without losing or repeating a line', () => {
    const file = newLog();
    const lf = logFile(file, { maxSize: 150, maxFiles: 3 });
    const cursor = new LogCursor(file);
    const got: Buffer[] = [];
    for (let i = 0; i < 300; i++) {
      // Partial lines too: a record boundary is not a chunk boundary.
      lf.write('stdout', Buffer.from(`line ${i}\n`.slice(0, 3)));
      lf.write('stdout', Buffer.from(`line ${i}\n`.slice(3)));
      // Read every few writes: several rotations (and prunings) fall between two reads.
      if (i % 4 === 0) cursor.read((b) => got.push(b));
    }
    lf.close();
    cursor.read((b) => got.push(b));
    cursor.close();
    expect(contents(Buffer.concat(got).toString())).toEqual(numbered(0, 300));
  });

  it('survives a rename with no new file yet, then reads the new file from its start', () => {
    const file = newLog();
    const lf = logFile(file);
    lf.write('stdout', Buffer.from('one\n'));
    const cursor = new LogCursor(file);
    const got: Buffer[] = [];
    cursor.read((b) => got.push(b));
    lf.write('stdout', Buffer.from('two\n'));
    fs.renameSync(file, `${file}.20240102-030405`); // as a rotation does, before its reopen
    cursor.read((b) => got.push(b));
    lf.reopen();
    lf.write('stdout', Buffer.from('three\n'));
    cursor.read((b) => got.push(b));
    lf.close();
    cursor.read((b) => got.push(b));
    cursor.close();
    expect(contents(Buffer.concat(got).toString())).toEqual(['one', 'two', 'three']);
  });

  it('when it falls behind past maxFiles, goes on with the oldest file left, in order', () => {
    const file = newLog();
    const lf = logFile(file, { maxSize: 100, maxFiles: 2 });
    const cursor = new LogCursor(file);
    const got: Buffer[] = [];
    lf.write('stdout', Buffer.from('line 0\n'));
    cursor.read((b) => got.push(b)); // holds the first file open
    for (const l of numbered(1, 40)) lf.write('stdout', Buffer.from(`${l}\n`));
    lf.close();
    cursor.read((b) => got.push(b));
    cursor.close();
    const seen = contents(Buffer.concat(got).toString()).map((l) => Number(l.split(' ')[1]));
    // The held file was read to its end; what was pruned after it is lost; the rest follows in order.
    expect(seen.slice(0, 2)).toEqual([0, 1]);
    expect(seen.at(-1)).toBe(39);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]!);
    expect(seen.length).toBeLessThan(40);
  });
});

describe('LinePrinter', () => {
  const line = (t: string, stream: string, tag: string, s: string) => `${t} ${stream} ${tag} ${s}\n`;
  const T = '2024-01-02T03:04:05.000000001Z';

  it('keeps the last N lines of what was there, then prints live', () => {
    let out = '';
    const p = new LinePrinter((s) => (out += s), { tail: 2 });
    for (let i = 0; i < 5000; i++) p.push(Buffer.from(line(T, 'stdout', 'F', `l${i}`)));
    expect(out).toBe('');
    p.live();
    expect(out).toBe('l4998\nl4999\n');
    p.push(Buffer.from(line(T, 'stderr', 'F', 'live')));
    expect(out).toBe('l4998\nl4999\nlive\n');
  });

  it('ends an instance without joining its open line to the next instance', () => {
    let out = '';
    const p = new LinePrinter((s) => (out += s), { timestamps: true });
    p.push(Buffer.from(line(T, 'stdout', 'P', 'half')));
    p.endInstance();
    p.push(Buffer.from(line(T, 'stdout', 'F', 'next')));
    p.end();
    expect(out).toBe(`${T} half${T} next\n`);
  });

  it('tail 0 prints nothing of the past', () => {
    let out = '';
    const p = new LinePrinter((s) => (out += s), { tail: 0 });
    p.push(Buffer.from(line(T, 'stdout', 'F', 'old')));
    p.end();
    expect(out).toBe('');
  });
});
