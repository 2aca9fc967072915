// The sandbox step `pod-resources`, after `pod-cgroup`: the controllers the pod's requests
// and limits need, enabled top-down for the pod's children (CGROUP2, podrun/, pod-UID/),
// then the pod's own values (summed limits, shares, hugepages, pids.max) wherever their
// controller is on. A pod that asks for nothing enables nothing: the machine's cgroup2
// root is changed only for what a pod asked. Missing controllers were refused or
// accepted before the sandbox was begun (resource-check.ts). No undo of its own: the
// values live in the cgroup that pod-cgroup's undo removes.
import { mkdirSync } from 'node:fs';
import { availableControllers, enableControllers } from '../cgroup/controllers.js';
import { cgroup2Mount } from '../cgroup/cgroup2.js';
import { cgroupSettings } from '../cgroup/limit-files.js';
import { hostHugePageSizes, writeCgroupSettings } from '../cgroup/write-limits.js';
import type { Container } from '../model/pod.js';
import { containerCgroupLimits, podCgroupLimits, resourceNeeds } from './pod-resources.js';
import type { SandboxStep } from './sandbox-step.js';

/**
 * Runs `apply`; its failure is thrown only when `mustSucceed`. A container that asks for
 * nothing still gets the kubelet's defaults (cpu.weight 1, no swap, no hugepages) where
 * its pod has the controllers on; a failure to write them does not stop it. What a pod
 * asks for is never dropped: a failure then fails the create.
 */
function applyOrTolerate(mustSucceed: boolean, apply: () => void): void {
  try {
    apply();
  } catch (e) {
    if (mustSucceed) throw e;
  }
}

export const podResourcesStep: SandboxStep = {
  name: 'pod-resources',
  setUp({ pod, cgroup }) {
    const needed = [...new Set(resourceNeeds(pod).map((n) => n.controller))];
    if (needed.length) enableControllers(cgroup2Mount(), cgroup, needed);
    applyOrTolerate(needed.length > 0, () =>
      writeCgroupSettings(cgroup, cgroupSettings(podCgroupLimits(pod), availableControllers(cgroup), hostHugePageSizes())),
    );
  },
  undo() {},
};

/** A container's cgroup (a leaf of the pod's), with its limits written before any process joins. */
export function createContainerCgroup(path: string, c: Container): void {
  mkdirSync(path, { recursive: true });
  const { requests, limits } = c.resources;
  applyOrTolerate(Object.keys(requests).length + Object.keys(limits).length > 0, () =>
    writeCgroupSettings(path, cgroupSettings(containerCgroupLimits(c), availableControllers(path), hostHugePageSizes())),
  );
}
