// removeCgroup's failure is a SyscallError naming rmdir, the errno and the directory
// (a plain directory stands in for a cgroup: rmdir behaves the same on both).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeCgroup } from '../../src/cgroup/cgroup2.js';
import { SyscallError } from '../../src/util/errors.js';

const work = mkdtempSync(join(tmpdir(), 'podrun-cgroup2-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('removeCgroup', () => {
  it('removes the directory and its children, and a missing one is no error', () => {
    const dir = join(work, 'pod-a');
    mkdirSync(join(dir, 'ctr-b'), { recursive: true });
    removeCgroup(dir);
    expect(() => removeCgroup(dir)).not.toThrow();
  });

  it('fails with a SyscallError other than EBUSY at once', () => {
    const dir = join(work, 'pod-c');
    mkdirSync(join(dir, 'ctr-d'), { recursive: true });
    writeFileSync(join(dir, 'ctr-d', 'not-a-cgroup-file'), '');
    const t0 = Date.now();
    let err: unknown;
    try {
      removeCgroup(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SyscallError);
    expect(err).toMatchObject({ call: 'rmdir', code: 'ENOTEMPTY', path: join(dir, 'ctr-d'), exitCode: 1 });
    expect((err as Error).message).toBe(`rmdir ${join(dir, 'ctr-d')}: ENOTEMPTY`);
    expect(Date.now() - t0).toBeLessThan(1000); // not retried: only EBUSY is
  });
});
