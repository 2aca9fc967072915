// cgroup v2 controllers: which a group can hand to its children (cgroup.controllers, read
// at the point of use) and enabling them top-down in cgroup.subtree_control, from the
// mount's root to the group whose children need them. A group that enables controllers
// for its children may hold no processes itself ("no internal processes"); podrun's
// groups above the containers (podrun/, pod-UID/) hold none.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { asPodrunError } from '../util/errors.js';

/** The controllers that limits and requests use. */
export type Controller = 'cpu' | 'memory' | 'pids' | 'hugetlb';

function words(file: string): Set<string> {
  try {
    return new Set(readFileSync(file, 'utf8').split(/\s+/).filter(Boolean));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw asPodrunError(e);
  }
}

/** The controllers `cgroup` can enable for its children (its cgroup.controllers). */
export function availableControllers(cgroup: string): Set<string> {
  return words(join(cgroup, 'cgroup.controllers'));
}

/**
 * Enables `wanted` in cgroup.subtree_control of every group from `mount` down to `cgroup`
 * (both included), so that `cgroup`'s children get them. Only what each level has in its
 * cgroup.controllers is asked for; a controller missing on the way stays off below.
 */
export function enableControllers(mount: string, cgroup: string, wanted: readonly Controller[]): void {
  const parts = relative(mount, cgroup).split(sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const level = join(mount, ...parts.slice(0, i));
    const have = availableControllers(level);
    const on = words(join(level, 'cgroup.subtree_control'));
    const add = wanted.filter((c) => have.has(c) && !on.has(c));
    if (!add.length) continue;
    try {
      writeFileSync(join(level, 'cgroup.subtree_control'), add.map((c) => `+${c}`).join(' '));
    } catch (e) {
      throw asPodrunError(e);
    }
  }
}
