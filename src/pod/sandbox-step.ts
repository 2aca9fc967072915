// What a pod sandbox step is, and the undo most of them share (unmount, then remove).
import { rmSync } from 'node:fs';
import { MNT_DETACH, umount2 } from '../../native-bindings/libc.js';
import type { Pod } from '../model/pod.js';
import type { PodPaths } from '../state/paths.js';
import type { SandboxRecord } from '../state/records.js';
import { PodrunError } from '../util/errors.js';
import type { UndoableStep } from '../util/steps.js';

/**
 * What an undo has: only what destroySandbox is given (the pod's directory, and its
 * cgroup when known), so that it works after a crash from the disk and the kernel alone.
 */
export interface SandboxPlace {
  paths: PodPaths;
  cgroup: string | undefined;
}

/** What a set-up step has besides: the pod, and the record that the steps fill in. */
export interface SandboxBuild extends SandboxPlace {
  pod: Pod;
  cgroup: string;
  rec: SandboxRecord;
}

export type SandboxStep = UndoableStep<SandboxBuild, SandboxPlace>;

// Mounts a step may have stacked on one path (a retried set-up, a crash between two).
const MAX_STACKED = 16;

/** Detaches every mount stacked on `path` (none, when it is not a mount point or absent). */
export function unmountAll(path: string): void {
  for (let i = 0; i < MAX_STACKED; i++) if (!umount2(path, MNT_DETACH)) return;
  throw new PodrunError(`cannot unmount ${path}: still mounted after ${MAX_STACKED} unmounts`);
}

/** The undo of "create `path`, mount on it": unmount whatever is there, then remove it. */
export function unmountAndRemove(path: string): void {
  unmountAll(path);
  rmSync(path, { recursive: true, force: true });
}
