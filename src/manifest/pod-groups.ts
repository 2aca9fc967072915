// The pod-level group fields of securityContext: supplementalGroups, fsGroup and
// fsGroupChangePolicy, validated as Kubernetes validates them (IDs 0..2147483647).
import type { SecurityContext } from '../model/pod.js';
import { fail, optArray, optEnum, optInt, type Obj } from './fields.js';

export const POD_GROUP_FIELDS = ['supplementalGroups', 'fsGroup', 'fsGroupChangePolicy'];
/** The largest UID or GID Kubernetes accepts. */
export const MAX_ID = 2147483647;

type Groups = Pick<SecurityContext, 'supplementalGroups' | 'fsGroup' | 'fsGroupChangePolicy'>;

export function parsePodGroups(o: Obj, path: string): Groups {
  const supplementalGroups = (optArray(o, 'supplementalGroups', path) ?? []).map((g, i) => {
    if (!Number.isInteger(g) || (g as number) < 0 || (g as number) > MAX_ID) {
      fail(`${path}.supplementalGroups[${i}]`, `${String(g)}: must be an integer between 0 and ${MAX_ID}`);
    }
    return g as number;
  });
  const fsGroup = optInt(o, 'fsGroup', path, 0, MAX_ID);
  const fsGroupChangePolicy = optEnum(o, 'fsGroupChangePolicy', path, ['OnRootMismatch', 'Always'] as const);
  return {
    ...(supplementalGroups.length ? { supplementalGroups } : {}),
    ...(fsGroup !== undefined ? { fsGroup } : {}),
    ...(fsGroupChangePolicy ? { fsGroupChangePolicy } : {}),
  };
}

/** The process's supplementary groups, in the kubelet's order: fsGroup, then supplementalGroups. */
export function podGroups(sc: SecurityContext | undefined): number[] {
  const all = [...(sc?.fsGroup !== undefined ? [sc.fsGroup] : []), ...(sc?.supplementalGroups ?? [])];
  return [...new Set(all)];
}
