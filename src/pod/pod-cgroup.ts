// The pod's cgroup, CGROUP2/podrun/pod-UID: it holds only child cgroups (the pause
// holder's and one per container), as cgroup v2's "no internal processes" rule asks.
import { rmdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cgroup2Mount, createCgroup, isPopulated, killCgroup, removeCgroup } from '../cgroup/cgroup2.js';
import { sleepSync } from '../util/sleep-sync.js';
import type { SandboxStep } from './sandbox-step.js';

const DRAIN_MS = 5000;

export function podCgroupPath(uid: string): string {
  return join(cgroup2Mount(), 'podrun', `pod-${uid}`);
}

/** Kills every process in the subtree, waits (bounded) for them to die, removes it. */
export function killAndRemoveCgroup(path: string): void {
  killCgroup(path);
  const deadline = Date.now() + DRAIN_MS;
  while (isPopulated(path) && Date.now() < deadline) sleepSync(10);
  removeCgroup(path);
}

export const podCgroupStep: SandboxStep = {
  name: 'pod-cgroup',
  setUp({ cgroup }) {
    createCgroup(cgroup);
  },
  /** Also ends the containers (their cgroups are children) and removes their cgroups. */
  undo({ cgroup }) {
    if (!cgroup) return;
    killAndRemoveCgroup(cgroup);
    // The shared parent goes too once the last pod has left it.
    try {
      rmdirSync(dirname(cgroup));
    } catch {
      /* other pods (or another root's pods) still live there */
    }
  },
};
