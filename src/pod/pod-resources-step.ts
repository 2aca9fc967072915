// The sandbox step `pod-resources`, after `pod-cgroup`: controllers enabled top-down for
// the pod's children (CGROUP2, podrun/, pod-UID/), then the pod's own values (summed
// limits, shares, hugepages, pids.max) where their controller exists. Missing controllers
// were refused or accepted before the sandbox was begun (resource-check.ts). No undo of
// its own: the values live in the cgroup that pod-cgroup's undo removes.
import { mkdirSync } from 'node:fs';
import { availableControllers, enableControllers, type Controller } from '../cgroup/controllers.js';
import { cgroup2Mount } from '../cgroup/cgroup2.js';
import { cgroupSettings } from '../cgroup/limit-files.js';
import { hostHugePageSizes, writeCgroupSettings } from '../cgroup/write-limits.js';
import type { Container } from '../model/pod.js';
import { containerCgroupLimits, podCgroupLimits } from './pod-resources.js';
import type { SandboxStep } from './sandbox-step.js';

const CONTROLLERS: readonly Controller[] = ['cpu', 'memory', 'pids', 'hugetlb'];

export const podResourcesStep: SandboxStep = {
  name: 'pod-resources',
  setUp({ pod, cgroup }) {
    enableControllers(cgroup2Mount(), cgroup, CONTROLLERS);
    writeCgroupSettings(cgroup, cgroupSettings(podCgroupLimits(pod), availableControllers(cgroup), hostHugePageSizes()));
  },
  undo() {},
};

/** A container's cgroup (a leaf of the pod's), with its limits written before any process joins. */
export function createContainerCgroup(path: string, c: Container): void {
  mkdirSync(path, { recursive: true });
  writeCgroupSettings(path, cgroupSettings(containerCgroupLimits(c), availableControllers(path), hostHugePageSizes()));
}
