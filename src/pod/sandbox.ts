// The pod sandbox: an ordered list of steps, each with its undo (src/util/steps.ts).
// createSandbox runs them and, when one fails, undoes it and those before it in reverse.
// destroySandbox undoes every step in reverse, whether or not it ran, from what is on disk
// and in the kernel alone; so it also finishes off a set-up or a teardown that crashed at
// any point. A new part of the sandbox (a network, a hardening or a resource step) is one
// more entry in SANDBOX_STEPS (README, "Architecture").
import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { mountsUnder, unmountAllUnder } from '../kernel/mountinfo.js';
import type { Pod } from '../model/pod.js';
import { podHostname } from '../model/names.js';
import type { PodPaths } from '../state/paths.js';
import type { SandboxRecord } from '../state/records.js';
import { PodrunError } from '../util/errors.js';
import { setUpAll, undoAll } from '../util/steps.js';
import { etcFilesStep } from './sandbox-etc-files.js';
import { pauseHolderStep } from './pause-holder.js';
import { podCgroupPath, podCgroupStep } from './pod-cgroup.js';
import { podResourcesStep } from './pod-resources-step.js';
import { namespacesStep, pinDirStep } from './sandbox-namespaces.js';
import { hostPortsStep } from './sandbox-host-ports.js';
import { networkStep } from './sandbox-network.js';
import { sysctlsStep } from './sandbox-sysctls.js';
import type { SandboxStep } from './sandbox-step.js';
import { shmStep, volumesStep } from './sandbox-volumes.js';

export { startPauseHolder } from './pause-holder.js';
export { podCgroupPath };

/** In set-up order; undone in reverse. */
export const SANDBOX_STEPS: readonly SandboxStep[] = [
  pinDirStep,
  namespacesStep,
  networkStep,
  sysctlsStep,
  hostPortsStep,
  shmStep,
  volumesStep,
  etcFilesStep,
  podCgroupStep,
  podResourcesStep,
  pauseHolderStep,
];

/** Creates the sandbox of `pod` (whose uid is set) and returns its record. */
export function createSandbox(pod: Pod, paths: PodPaths): SandboxRecord {
  const cgroup = podCgroupPath(pod.metadata.uid!);
  const rec: SandboxRecord = {
    state: 'creating',
    cgroup,
    // A hostNetwork pod has the node's hostname, as on Kubernetes (in a UTS namespace of its own here).
    hostname: pod.spec.hostNetwork ? hostname() : podHostname(pod),
    namespaces: { net: paths.ns('net'), ipc: paths.ns('ipc'), uts: paths.ns('uts') },
  };
  setUpAll(SANDBOX_STEPS, { pod, paths, cgroup, rec }, (step, err) => {
    // The caller's destroySandbox retries it; the set-up error is the one to report.
    process.stderr.write(`podrun: rollback of sandbox step ${step} of ${paths.dir}: ${(err as Error).message}\n`);
  });
  return rec;
}

/**
 * Idempotent teardown of everything createSandbox and the containers left, then of the
 * pod directory (which the caller made, and where the containers' files live).
 */
export function destroySandbox(paths: PodPaths, cgroup: string | undefined): void {
  undoAll(SANDBOX_STEPS, { paths, cgroup });
  // Every step has unmounted its own. Anything else is detached too, or else refused:
  // removing the directory would delete through it.
  unmountAllUnder(paths.dir);
  const left = mountsUnder(paths.dir);
  if (left.length) throw new PodrunError(`cannot unmount ${left[0]}: still mounted, refusing to delete ${paths.dir}`);
  rmSync(paths.dir, { recursive: true, force: true });
}
