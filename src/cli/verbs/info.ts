// info: the version, the host and the features podrun can use here. Reads the host
// directly: no supervisor is needed, and none is started.
import { hostInfo, type PodrunFeatures } from '../../api/info.js';
import { InvalidInputError } from '../../util/errors.js';
import { printFields, printJson } from '../output.js';

const NOT_BUILT = 'not built yet';

/** How people read each feature, and why a missing one is missing (lists are never missing). */
const FEATURES: Record<keyof PodrunFeatures, { label: string; without?: string }> = {
  pidfdExitStatus: { label: 'pidfd exit status', without: 'kernel before 6.15: re-adopted exits are reported as unknown' },
  overlayfs: { label: 'overlayfs', without: 'not in /proc/filesystems' },
  cgroupKill: { label: 'cgroup.kill', without: 'kernel before 5.14: processes are killed one by one' },
  probes: { label: 'probes' },
  lifecycleHooks: { label: 'lifecycle hooks' },
  rootfs: { label: 'image sources' },
  capabilities: { label: 'capabilities' },
  networking: { label: 'networking' },
  seccomp: { label: 'seccomp', without: NOT_BUILT },
  images: { label: 'image references', without: `${NOT_BUILT}: a directory or tarball path only` },
  resourceLimits: { label: 'resource limits', without: 'the cgroup2 tree lacks the memory, cpu or pids controller: limits are refused at create' },
  terminals: { label: 'terminals' },
};

function shown(v: boolean | string[], without = ''): string {
  if (Array.isArray(v)) return v.join(', ');
  return v ? 'yes' : `no (${without})`;
}

export function info(stateRoot: string, output?: string): void {
  if (output !== undefined && output !== 'json') throw new InvalidInputError('--output', `"${output}": must be json`);
  const i = hostInfo(stateRoot);
  if (output === 'json') return printJson(i);
  const { cgroup } = i;
  printFields([
    ['version', i.version],
    ['node', i.node],
    ['kernel', `${i.kernel} (${i.arch})`],
    ['cgroup', cgroup.mount ? `${cgroup.mode}, cgroup2 at ${cgroup.mount}` : `${cgroup.mode} (podrun needs a cgroup2 mount)`],
    ['controllers', cgroup.controllers.join(' ') || 'none'],
    ['state root', i.stateRoot],
    ['features', ''],
  ]);
  const features = Object.entries(FEATURES) as [keyof PodrunFeatures, (typeof FEATURES)[keyof PodrunFeatures]][];
  printFields(features.map(([key, f]) => [f.label, shown(i.features[key], f.without)]), '  ');
}
