// runAsNonRoot, checked as the kubelet's verifyRunAsNonRoot checks it at container start.
// A path image has no USER, so the user is known from the manifest alone: the check runs
// at parse time, before anything is created. The container's setting wins over the pod's.
import type { Pod } from '../model/pod.js';
import { fail } from './fields.js';

export function checkRunAsNonRoot(pod: Pod): void {
  const podSc = pod.spec.securityContext;
  const lists = [['initContainers', pod.spec.initContainers], ['containers', pod.spec.containers]] as const;
  for (const [key, list] of lists) {
    list.forEach((c, i) => {
      const sc = c.securityContext;
      const cPath = `spec.${key}[${i}].securityContext`;
      const nonRoot = sc?.runAsNonRoot ?? podSc?.runAsNonRoot;
      if (!nonRoot) return;
      const where = `(pod: "${pod.metadata.name}", container: ${c.name})`;
      if (sc?.runAsUser !== undefined || podSc?.runAsUser !== undefined) {
        if ((sc?.runAsUser ?? podSc?.runAsUser) !== 0) return;
        const field = sc?.runAsUser !== undefined ? `${cPath}.runAsUser` : 'spec.securityContext.runAsUser';
        fail(field, `container's runAsUser breaks non-root policy ${where}`);
      }
      const field = sc?.runAsNonRoot !== undefined ? `${cPath}.runAsNonRoot` : 'spec.securityContext.runAsNonRoot';
      fail(field, `container has runAsNonRoot and image will run as root ${where}`);
    });
  }
}
