// The step runner (src/util/steps.ts) with recording fake steps, and the pure parts of
// the sandbox's steps.
import { describe, expect, it } from 'vitest';
import { setUpAll, undoAll, type UndoableStep } from '../../src/util/steps.js';
import { memoryVolumeOptions } from '../../src/pod/sandbox-volumes.js';

/**
 * A fake machine: each step "creates" its name in `made` and undoes by deleting it,
 * reading only `made` (as a real undo reads only the disk), so it is idempotent.
 */
interface World {
  made: Set<string>;
  log: string[];
}

interface FakeOpts {
  failSetUp?: boolean;
  /** Creates its thing, then fails: a step that fails half-way. */
  failAfterMaking?: boolean;
  failUndo?: boolean;
}

function step(name: string, o: FakeOpts = {}): UndoableStep<World, World> {
  return {
    name,
    setUp(w) {
      w.log.push(`setUp ${name}`);
      if (o.failSetUp) throw new Error(`${name} failed`);
      w.made.add(name);
      if (o.failAfterMaking) throw new Error(`${name} failed half-way`);
    },
    undo(w) {
      w.log.push(`undo ${name}`);
      if (o.failUndo) throw new Error(`undo of ${name} failed`);
      w.made.delete(name);
    },
  };
}

const world = (): World => ({ made: new Set(), log: [] });
const noUndoErrors = (step: string, err: unknown) => {
  throw new Error(`unexpected undo error in ${step}: ${String(err)}`);
};

describe('setUpAll', () => {
  it('runs every step once, in order, and undoes nothing when all succeed', () => {
    const w = world();
    setUpAll([step('a'), step('b'), step('c')], w, noUndoErrors);
    expect(w.log).toEqual(['setUp a', 'setUp b', 'setUp c']);
    expect([...w.made]).toEqual(['a', 'b', 'c']);
  });

  it('on a failure, stops, undoes the failing step and those done in reverse, and rethrows its error', () => {
    const w = world();
    const boom = step('c', { failAfterMaking: true });
    expect(() => setUpAll([step('a'), step('b'), boom, step('d')], w, noUndoErrors)).toThrow('c failed half-way');
    expect(w.log).toEqual(['setUp a', 'setUp b', 'setUp c', 'undo c', 'undo b', 'undo a']);
    expect(w.made.size).toBe(0);
  });

  it('undoes a step that failed before making anything (its undo finds nothing)', () => {
    const w = world();
    expect(() => setUpAll([step('a'), step('b', { failSetUp: true })], w, noUndoErrors)).toThrow('b failed');
    expect(w.log).toEqual(['setUp a', 'setUp b', 'undo b', 'undo a']);
    expect(w.made.size).toBe(0);
  });

  it('a failing first step is undone alone', () => {
    const w = world();
    expect(() => setUpAll([step('a', { failSetUp: true }), step('b')], w, noUndoErrors)).toThrow('a failed');
    expect(w.log).toEqual(['setUp a', 'undo a']);
  });

  it('an undo that fails stops the rollback, is reported, and the set-up error is the one thrown', () => {
    const w = world();
    const reported: [string, string][] = [];
    const steps = [step('a'), step('b', { failUndo: true }), step('c', { failSetUp: true })];
    expect(() => setUpAll(steps, w, (s, e) => reported.push([s, (e as Error).message]))).toThrow('c failed');
    expect(reported).toEqual([['b', 'undo of b failed']]);
    // a is left for undoAll to retry, never undone before b.
    expect(w.log).toEqual(['setUp a', 'setUp b', 'setUp c', 'undo c', 'undo b']);
    expect([...w.made]).toEqual(['a', 'b']);
  });
});

describe('undoAll', () => {
  const steps = () => [step('a'), step('b'), step('c'), step('d')];

  it('undoes every step in reverse, also those never set up', () => {
    const w = world();
    setUpAll(steps().slice(0, 2), w, noUndoErrors);
    w.log.length = 0;
    undoAll(steps(), w);
    expect(w.log).toEqual(['undo d', 'undo c', 'undo b', 'undo a']);
    expect(w.made.size).toBe(0);
  });

  it('finishes a set-up that crashed after any step, and is idempotent', () => {
    for (let done = 0; done <= 4; done++) {
      const w = world();
      for (const s of steps().slice(0, done)) s.setUp(w); // then the "crash"
      expect(w.made.size).toBe(done);
      undoAll(steps(), w);
      expect(w.made.size, `after ${done} steps`).toBe(0);
      undoAll(steps(), w); // a second teardown (a crash mid-teardown, then a retry)
      expect(w.made.size).toBe(0);
    }
  });

  it('stops at the first failing undo and throws it, leaving the earlier steps in place', () => {
    const w = world();
    const all = [step('a'), step('b', { failUndo: true }), step('c')];
    setUpAll(all, w, noUndoErrors);
    expect(() => undoAll(all, w)).toThrow('undo of b failed');
    expect([...w.made]).toEqual(['a', 'b']);
    expect(w.log.slice(3)).toEqual(['undo c', 'undo b']);
  });
});

describe('Memory emptyDir tmpfs options', () => {
  it('sizes the tmpfs by sizeLimitBytes, never by re-parsing the quantity', () => {
    expect(memoryVolumeOptions({ medium: 'Memory', sizeLimit: '64Mi', sizeLimitBytes: 64 * 1024 * 1024 })).toBe('mode=1777,size=67108864');
    // "400m" is 0.4 bytes, rounded up to 1 by the parser as Kubernetes rounds it.
    expect(memoryVolumeOptions({ medium: 'Memory', sizeLimit: '400m', sizeLimitBytes: 1 })).toBe('mode=1777,size=1');
  });

  it('leaves the size to the kernel without a sizeLimit', () => {
    expect(memoryVolumeOptions({ medium: 'Memory' })).toBe('mode=1777');
  });
});
