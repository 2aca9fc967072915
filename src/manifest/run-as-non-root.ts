// runAsNonRoot, checked as the kubelet's verifyRunAsNonRoot checks it at container start.
// A path image has no USER, so its user is known from the manifest alone and the check
// runs at parse time, before anything is created; a named image's USER is known once the
// image is resolved at create, which then runs the same check. The container's setting
// wins over the pod's.
import type { Container, Pod } from '../model/pod.js';
import { InvalidInputError } from '../util/errors.js';

/**
 * The refusal for one container whose image runs as `imageUser` (the image's USER, '' for
 * root), or undefined when it may run.
 */
export function runAsNonRootError(pod: Pod, c: Container, cPath: string, imageUser: string): InvalidInputError | undefined {
  const podSc = pod.spec.securityContext;
  const sc = c.securityContext;
  const scPath = `${cPath}.securityContext`;
  const nonRoot = sc?.runAsNonRoot ?? podSc?.runAsNonRoot;
  if (!nonRoot) return undefined;
  const where = `(pod: "${pod.metadata.name}", container: ${c.name})`;
  const nonRootField = sc?.runAsNonRoot !== undefined ? `${scPath}.runAsNonRoot` : 'spec.securityContext.runAsNonRoot';
  if (sc?.runAsUser !== undefined || podSc?.runAsUser !== undefined) {
    if ((sc?.runAsUser ?? podSc?.runAsUser) !== 0) return undefined;
    const field = sc?.runAsUser !== undefined ? `${scPath}.runAsUser` : 'spec.securityContext.runAsUser';
    return new InvalidInputError(field, `container's runAsUser breaks non-root policy ${where}`);
  }
  const uid = imageUser.split(':')[0] ?? '';
  if (uid !== '' && !/^\d+$/.test(uid)) {
    return new InvalidInputError(nonRootField, `container has runAsNonRoot and image has non-numeric user (${uid}), cannot verify user is non-root ${where}`);
  }
  if (uid === '' || Number(uid) === 0) return new InvalidInputError(nonRootField, `container has runAsNonRoot and image will run as root ${where}`);
  return undefined;
}

/** The parse-time check, for the containers whose image is a path (no USER: root). */
export function checkRunAsNonRoot(pod: Pod): void {
  const lists = [['initContainers', pod.spec.initContainers], ['containers', pod.spec.containers]] as const;
  for (const [key, list] of lists) {
    list.forEach((c, i) => {
      if (!c.image.startsWith('/')) return;
      const err = runAsNonRootError(pod, c, `spec.${key}[${i}]`, '');
      if (err) throw err;
    });
  }
}
