// Before anything of a pod is made: can this host hold its limits? Each limit needs a
// controller in the cgroup2 root's cgroup.controllers (read now, at the point of use);
// hugepages also need the kernel's page size. A limit that cannot be held fails `create`
// (exit 1, naming the field and the controller) unless the caller opted in to run without
// it; then, like a request that cannot be applied, it is a warning (stderr, an event, and
// for limits the pod condition podrun.io/LimitsEnforced=False). Never dropped silently.
import { availableControllers } from '../cgroup/controllers.js';
import { cgroup2Mount } from '../cgroup/cgroup2.js';
import { hugetlbSizeName } from '../cgroup/limit-files.js';
import { hostHugePageSizes } from '../cgroup/write-limits.js';
import type { Pod } from '../model/pod.js';
import { PodrunError } from '../util/errors.js';
import { resourceNeeds, type ResourceNeed } from './pod-resources.js';

export const IGNORE_MISSING_CONTROLLERS_VAR = 'PODRUN_IGNORE_MISSING_CONTROLLERS';
export const IGNORE_MISSING_CONTROLLERS_FLAG = '--ignore-missing-controllers';

export interface UnmetNeed extends ResourceNeed {
  message: string;
}

/** The needs this host cannot meet, each with its message (pure). */
export function unmetNeeds(needs: readonly ResourceNeed[], available: ReadonlySet<string>, pageSizes: readonly bigint[], mount: string): UnmetNeed[] {
  return needs.flatMap((n): UnmetNeed[] => {
    if (!available.has(n.controller)) {
      const what = n.kind === 'limit' ? 'cannot be enforced' : 'cannot be applied';
      return [{ ...n, message: `${n.field} ${what}: the cgroup v2 controller "${n.controller}" is not available in ${mount}` }];
    }
    if (n.pageSize !== undefined && !pageSizes.includes(n.pageSize)) {
      return [{ ...n, message: `${n.field} cannot be enforced: this kernel has no ${hugetlbSizeName(n.pageSize)} huge pages (hugetlb.${hugetlbSizeName(n.pageSize)}.max)` }];
    }
    return [];
  });
}

/** The refusal when limits cannot be held and the caller did not opt in. */
export function refusal(unmet: readonly UnmetNeed[]): PodrunError | undefined {
  const limits = unmet.filter((u) => u.kind === 'limit');
  if (!limits.length) return undefined;
  const more = limits.length > 1 ? ` (and ${limits.length - 1} more: ${limits.slice(1).map((u) => u.field).join(', ')})` : '';
  return new PodrunError(
    `${limits[0]!.message}${more}; nothing was created. To run without it, pass ${IGNORE_MISSING_CONTROLLERS_FLAG} or set ${IGNORE_MISSING_CONTROLLERS_VAR}=1`,
  );
}

/** Reads this host's controllers and page sizes; throws the refusal unless `ignoreMissing`. */
export function checkResources(pod: Pod, ignoreMissing: boolean): UnmetNeed[] {
  const needs = resourceNeeds(pod);
  if (!needs.length) return [];
  const mount = cgroup2Mount();
  const unmet = unmetNeeds(needs, availableControllers(mount), hostHugePageSizes(), mount);
  const err = ignoreMissing ? undefined : refusal(unmet);
  if (err) throw err;
  return unmet;
}
