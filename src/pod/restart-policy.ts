// Which exited containers the kubelet restarts (docs/kubernetes-semantics.md): sidecars always;
// app containers by the pod's restartPolicy; regular init containers only after a
// failure (Always counts as OnFailure for them), never under Never.
import type { ContainerRecord, PodRecord } from '../state/records.js';
import { isSidecar } from './status.js';

export function restartWanted(rec: PodRecord, c: ContainerRecord): boolean {
  if (isSidecar(rec, c)) return true;
  const policy = rec.pod.spec.restartPolicy;
  if (policy === 'Always') return !c.init || c.exitCode !== 0;
  if (policy === 'OnFailure') return c.exitCode !== 0;
  return false;
}
