// Kubernetes fields that are valid but whose behaviour podrun does not implement yet.
// The parser accepts them (they are valid Pods); this gate refuses them with a clear
// error instead of running a pod that silently ignores them. The lifecycle work
// (restarts, probes, hooks, sidecars, deadlines) removes entries from here as it lands.
import type { Pod } from './types.js';
import { InvalidInputError } from '../util/errors.js';

const CONTAINER_FEATURES = ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'] as const;

export function assertSupported(pod: Pod): void {
  const notYet = (field: string, what: string): never => {
    throw new InvalidInputError(field, `${what} not supported by podrun yet`);
  };
  if (pod.spec.activeDeadlineSeconds !== undefined) notYet('spec.activeDeadlineSeconds', 'pod deadlines are');
  const lists = [
    ['spec.initContainers', pod.spec.initContainers],
    ['spec.containers', pod.spec.containers],
  ] as const;
  for (const [base, list] of lists) {
    list.forEach((c, i) => {
      for (const f of CONTAINER_FEATURES) {
        if (c[f] !== undefined) notYet(`${base}[${i}].${f}`, f === 'lifecycle' ? 'lifecycle hooks are' : 'probes are');
      }
      if (c.restartPolicy !== undefined) notYet(`${base}[${i}].restartPolicy`, 'sidecar containers are');
    });
  }
}
