import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventRecorder, MAX_MESSAGE, recordEvent } from '../../src/events/recorder.js';
import { EventFollower, followEvents, mergeByTime, readEvents } from '../../src/events/reader.js';
import { FileTail } from '../../src/events/tail.js';
import type { PodEvent } from '../../src/events/types.js';
import { EVENTS_HEADER, eventLine } from '../../src/cli/verbs/events.js';
import { StatePaths } from '../../src/state/paths.js';

// Every temporary directory of this file, removed at the end.
const temps: string[] = [];
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

function newState(): StatePaths {
  return new StatePaths(tempDir('podrun-events-'));
}

function newPod(state: StatePaths, name: string) {
  const p = state.pod(name);
  mkdirSync(p.dir, { recursive: true });
  return p;
}

/** A clock from a fixed start, one millisecond per call. */
function clock(startMs = Date.parse('2025-06-01T10:00:00.000Z')): () => string {
  let t = startMs;
  return () => new Date(t++).toISOString();
}

const fileEvents = (path: string): PodEvent[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

const started = (container = 'app') => ({ type: 'Normal' as const, reason: 'Started', message: `Started container ${container}`, container });

describe('EventRecorder', () => {
  it('appends one JSON line per event with seq, time, pod and count', () => {
    const state = newState();
    const p = newPod(state, 'web');
    const r = new EventRecorder(p, { now: clock() });
    r.record({ type: 'Normal', reason: 'Created', message: 'Created container app', container: 'app' });
    r.record({ type: 'Normal', reason: 'SandboxChanged', message: 'Pod sandbox changed' });
    const text = readFileSync(p.events, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trimEnd().split('\n')).toEqual([
      '{"seq":1,"time":"2025-06-01T10:00:00.000Z","type":"Normal","reason":"Created","pod":"web","container":"app","message":"Created container app","count":1}',
      '{"seq":2,"time":"2025-06-01T10:00:00.001Z","type":"Normal","reason":"SandboxChanged","pod":"web","message":"Pod sandbox changed","count":1}',
    ]);
  });

  it('counts repeats of the same event, interleaved or not, and still writes each one', () => {
    const p = newPod(newState(), 'loop');
    const r = new EventRecorder(p);
    const backoff = { type: 'Warning' as const, reason: 'BackOff', message: 'Back-off restarting failed container app', container: 'app' };
    for (let i = 0; i < 3; i++) {
      r.record(started());
      r.record(backoff);
    }
    r.record({ ...backoff, container: 'other' });
    const evs = fileEvents(p.events);
    expect(evs.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(evs.filter((e) => e.reason === 'BackOff').map((e) => e.count)).toEqual([1, 2, 3, 1]);
    expect(evs.filter((e) => e.reason === 'Started').map((e) => e.count)).toEqual([1, 2, 3]);
  });

  it('cuts long messages', () => {
    const p = newPod(newState(), 'web');
    const ev = new EventRecorder(p).record({ type: 'Warning', reason: 'FailedPostStartHook', message: 'x'.repeat(5000) })!;
    expect(ev.message.length).toBe(MAX_MESSAGE);
    expect(ev.message.endsWith('...')).toBe(true);
    expect(fileEvents(p.events)[0].message).toBe(ev.message);
  });

  it('recovers seq and counts from the file after a restart', () => {
    const p = newPod(newState(), 'web');
    const a = new EventRecorder(p);
    for (let i = 0; i < 5; i++) a.record(started());
    const b = new EventRecorder(p); // a new supervisor process
    const ev = b.record(started())!;
    expect(ev.seq).toBe(6);
    expect(ev.count).toBe(6);
  });

  it('notices lines another writer appended and continues after them', () => {
    const p = newPod(newState(), 'web');
    const a = new EventRecorder(p);
    const b = new EventRecorder(p);
    a.record(started());
    b.record(started());
    expect(a.record(started())!.seq).toBe(3);
  });

  it('starts a torn last line (crash mid-write) afresh instead of appending to it', () => {
    const p = newPod(newState(), 'web');
    new EventRecorder(p).record(started());
    appendFileSync(p.events, '{"seq":2,"time":"2025-06-0');
    const ev = new EventRecorder(p).record(started())!;
    expect(ev.seq).toBe(2);
    expect(readEvents(new StatePaths(join(p.dir, '../..')), 'web').map((e) => e.seq)).toEqual([1, 2]);
  });

  it('keeps seq growing when the file is deleted under a live recorder, restarts it for a re-created pod', () => {
    const state = newState();
    const p = newPod(state, 'web');
    const r = new EventRecorder(p);
    r.record(started());
    r.record(started());
    rmSync(p.events);
    expect(r.record(started())!.seq).toBe(3);
    rmSync(p.dir, { recursive: true });
    newPod(state, 'web'); // rm, then create again with the same name
    const ev = r.record(started())!;
    expect(ev.seq).toBe(1);
    expect(ev.count).toBe(1);
  });

  it('drops events of a removed pod without re-creating its directory', () => {
    const state = newState();
    expect(recordEvent(state.pod('gone'), started())).toBeUndefined();
    expect(existsSync(state.pod('gone').dir)).toBe(false);
  });

  it('caps the file by events: rewrites it with the newest ones, seq going on', () => {
    const p = newPod(newState(), 'crashloop');
    const r = new EventRecorder(p, { maxEvents: 20 });
    for (let i = 1; i <= 100; i++) {
      r.record(started());
      const n = fileEvents(p.events).length;
      expect(n).toBeLessThanOrEqual(20);
    }
    const evs = fileEvents(p.events);
    expect(evs[evs.length - 1].seq).toBe(100);
    // contiguous newest: 15..20 lines kept after each rewrite
    expect(evs.map((e) => e.seq)).toEqual(Array.from({ length: evs.length }, (_, i) => 101 - evs.length + i));
    expect(evs.length).toBeGreaterThanOrEqual(15);
    // counts survive rewrites: they are the recorder's, not the file's
    expect(evs[evs.length - 1].count).toBe(100);
  });

  it('caps the file by bytes', () => {
    const p = newPod(newState(), 'big');
    const r = new EventRecorder(p, { maxBytes: 4096 });
    for (let i = 0; i < 200; i++) r.record({ type: 'Warning', reason: 'Unhealthy', message: `probe failed: ${'y'.repeat(200)} ${i}` });
    expect(readFileSync(p.events).length).toBeLessThanOrEqual(4096);
    expect(fileEvents(p.events).at(-1)!.seq).toBe(200);
  });

  it('recordEvent shares one recorder per pod', () => {
    const state = newState();
    const p = newPod(state, 'web');
    recordEvent(p, started());
    expect(recordEvent(state.pod('web'), started())).toMatchObject({ seq: 2, count: 2, pod: 'web' });
  });
});

describe('reading events', () => {
  it('merges pods by time; ties in pod name order; a pod keeps its own order', () => {
    const state = newState();
    const t = (s: number) => new Date(Date.parse('2025-06-01T10:00:00.000Z') + s * 1000).toISOString();
    const times: Record<string, number[]> = { b: [1, 3, 5], a: [2, 3, 4, 0 /* clock stepped back */, 6] };
    for (const [pod, ts] of Object.entries(times)) {
      const it = ts[Symbol.iterator]();
      const r = new EventRecorder(newPod(state, pod), { now: () => t(it.next().value as number) });
      for (let i = 0; i < ts.length; i++) r.record({ type: 'Normal', reason: `R${i + 1}`, message: '' });
    }
    const order = readEvents(state).map((e) => `${e.pod}${e.seq}`);
    expect(order).toEqual(['b1', 'a1', 'a2', 'b2', 'a3', 'a4', 'b3', 'a5']);
    expect(readEvents(state, 'a').map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(readEvents(newState())).toEqual([]);
  });

  it('mergeByTime keeps every event exactly once', () => {
    const ev = (pod: string, seq: number, time: string): PodEvent => ({ seq, time, pod, type: 'Normal', reason: 'X', message: '', count: 1 });
    const merged = mergeByTime([[ev('a', 1, '2'), ev('a', 2, '4')], [], [ev('b', 1, '1'), ev('b', 2, '3'), ev('b', 3, '5')]]);
    expect(merged.map((e) => e.pod + e.seq)).toEqual(['b1', 'a1', 'b2', 'a2', 'b3']);
  });

  it('FileTail holds a partial line until its newline and rereads a replaced file', () => {
    const dir = tempDir('podrun-tail-');
    const f = join(dir, 'f');
    const tail = new FileTail(f);
    expect(tail.read()).toEqual([]);
    writeFileSync(f, 'one\ntw');
    expect(tail.read()).toEqual(['one']);
    appendFileSync(f, 'o\n');
    expect(tail.read()).toEqual(['two']);
    writeFileSync(f + '.new', 'three\n');
    rmSync(f);
    writeFileSync(f, 'four\n'); // a new file (new inode), shorter than the offset
    expect(tail.read()).toEqual(['four']);
  });
});

describe('following events', () => {
  it('hands out each event once, across cap rewrites, without gaps', () => {
    const state = newState();
    const p = newPod(state, 'web');
    const r = new EventRecorder(p, { maxEvents: 8 });
    const f = new EventFollower(state, 'web');
    expect(f.poll()).toEqual([]);
    const seen: number[] = [];
    for (let round = 0; round < 30; round++) {
      // 1..5 events between polls: some polls straddle one rewrite (keep 6 of 8)
      for (let i = 0; i <= round % 5; i++) r.record(started());
      seen.push(...f.poll().map((e) => e.seq));
      expect(f.poll()).toEqual([]);
    }
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
    expect(seen.length).toBe(fileEvents(p.events).at(-1)!.seq);
    expect(f.done).toBe(false);
  });

  it('single pod: ends when the pod directory is removed', () => {
    const state = newState();
    const p = newPod(state, 'web');
    recordEvent(p, started());
    const f = new EventFollower(state, 'web');
    expect(f.poll().length).toBe(1);
    rmSync(p.dir, { recursive: true });
    expect(f.poll()).toEqual([]);
    expect(f.done).toBe(true);
  });

  it('all pods: picks up new pods, and a re-created pod from its first event', () => {
    const state = newState();
    const f = new EventFollower(state); // before even the pods directory exists
    expect(f.poll()).toEqual([]);
    const a = newPod(state, 'a');
    recordEvent(a, started());
    recordEvent(a, started());
    expect(f.poll().map((e) => e.pod + e.seq)).toEqual(['a1', 'a2']);
    rmSync(a.dir, { recursive: true });
    expect(f.poll()).toEqual([]);
    newPod(state, 'a');
    recordEvent(a, started());
    const b = newPod(state, 'b');
    recordEvent(b, started());
    expect(f.poll().map((e) => e.pod + e.seq).sort()).toEqual(['a1', 'b1']);
    expect(f.done).toBe(false);
  });

  it('followEvents delivers history and appends, and returns when the pod goes', async () => {
    const state = newState();
    const p = newPod(state, 'web');
    recordEvent(p, started());
    const got: number[] = [];
    const done = followEvents(state, 'web', (evs) => got.push(...evs.map((e) => e.seq)), { intervalMs: 10 });
    await new Promise((r) => setTimeout(r, 30));
    recordEvent(p, started());
    await new Promise((r) => setTimeout(r, 30));
    rmSync(p.dir, { recursive: true });
    await done;
    expect(got).toEqual([1, 2]);
  });

  it('followEvents of all pods stops on abort', async () => {
    const ac = new AbortController();
    const done = followEvents(newState(), undefined, () => {}, { signal: ac.signal, intervalMs: 10 });
    setTimeout(() => ac.abort(), 30);
    await done;
  });
});

describe('text line format', () => {
  it('TIME TYPE REASON OBJECT MESSAGE in fixed minimum widths', () => {
    const base = { seq: 1, time: '2025-06-01T10:00:00.123Z', pod: 'web', count: 1 };
    expect(EVENTS_HEADER).toBe('TIME                       TYPE      REASON                OBJECT                     MESSAGE\n');
    expect(eventLine({ ...base, type: 'Warning', reason: 'BackOff', container: 'server', message: 'Back-off restarting failed container server', count: 3 })).toBe(
      '2025-06-01T10:00:00.123Z   Warning   BackOff               pod/web/server             Back-off restarting failed container server (x3)\n',
    );
    const line = eventLine({ ...base, type: 'Normal', reason: 'SandboxChanged', message: 'line one\nline two\n' });
    expect(line).toBe('2025-06-01T10:00:00.123Z   Normal    SandboxChanged        pod/web                    line one line two\n');
    expect(line.split(/ {3,}/)).toEqual(['2025-06-01T10:00:00.123Z', 'Normal', 'SandboxChanged', 'pod/web', 'line one line two\n']);
  });
});
