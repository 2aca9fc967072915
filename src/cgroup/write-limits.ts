// Writes limit settings (limit-files.ts) into a cgroup, and reads the page sizes the
// kernel has hugetlb files for.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asPodrunError } from '../util/errors.js';
import type { CgroupSetting } from './limit-files.js';

// memory.swap.max exists only where the kernel accounts swap; without it there is no swap
// to take away.
const OPTIONAL_FILES = new Set(['memory.swap.max']);

export function writeCgroupSettings(cgroup: string, settings: readonly CgroupSetting[]): void {
  for (const s of settings) {
    try {
      writeFileSync(join(cgroup, s.file), s.value);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && OPTIONAL_FILES.has(s.file)) continue;
      throw asPodrunError(e);
    }
  }
}

/** The huge page sizes of this kernel, in bytes (/sys/kernel/mm/hugepages/hugepages-<N>kB). */
export function hostHugePageSizes(): bigint[] {
  let names: string[];
  try {
    names = readdirSync('/sys/kernel/mm/hugepages');
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const m = /^hugepages-(\d+)kB$/.exec(n);
    return m ? [BigInt(m[1]!) * 1024n] : [];
  });
}
