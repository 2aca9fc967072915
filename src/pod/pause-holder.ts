// The pause holder: catatonit -P, PID 1 of the pod's PID namespace (which containers
// join when shareProcessNamespace is set), in the pod's `pause` cgroup.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createCgroup, joinCgroup } from '../cgroup/cgroup2.js';
import { withNamespaces } from '../kernel/namespaces.js';
import { readProcStat } from '../kernel/procfs.js';
import type { SandboxRecord } from '../state/records.js';
import { PodrunError } from '../util/errors.js';
import { killAndRemoveCgroup } from './pod-cgroup.js';
import type { SandboxStep } from './sandbox-step.js';

function findPauseBinary(): string {
  for (const p of ['/usr/bin/catatonit', '/usr/libexec/podman/catatonit', '/usr/local/bin/catatonit']) {
    if (existsSync(p)) return p;
  }
  throw new PodrunError('the pause holder catatonit is not installed (apt-get install catatonit)');
}

const pauseCgroup = (podCgroup: string) => join(podCgroup, 'pause');

/**
 * Starts catatonit -P inside the pod's namespaces, as PID 1 of a fresh PID namespace,
 * and moves it to the pod's pause cgroup. It has no children of its own at that moment,
 * so nothing escapes.
 */
export function startPauseHolder(rec: SandboxRecord): { pid: number; pidStart: number } {
  const bin = findPauseBinary();
  const child = withNamespaces(
    { enter: { net: rec.namespaces.net, ipc: rec.namespaces.ipc, uts: rec.namespaces.uts }, create: ['pid'] },
    () => spawn(bin, ['-P'], { stdio: 'ignore', detached: true }),
  );
  child.on('error', () => {});
  child.unref();
  if (!child.pid) throw new PodrunError(`could not start the pause holder ${bin}`);
  try {
    joinCgroup(pauseCgroup(rec.cgroup), child.pid);
  } catch (e) {
    // Outside the cgroup, no undo could find it.
    child.kill('SIGKILL');
    throw e;
  }
  const st = readProcStat(child.pid);
  if (!st) throw new PodrunError(`the pause holder ${bin} exited at once`);
  return { pid: child.pid, pidStart: st.startTime };
}

export const pauseHolderStep: SandboxStep = {
  name: 'pause-holder',
  setUp({ rec }) {
    createCgroup(pauseCgroup(rec.cgroup));
    const pause = startPauseHolder(rec);
    rec.pid = pause.pid;
    rec.pidStart = pause.pidStart;
    rec.pidNamespace = `/proc/${pause.pid}/ns/pid`;
  },
  undo({ cgroup }) {
    if (cgroup) killAndRemoveCgroup(pauseCgroup(cgroup));
  },
};
