// AppArmor and SELinux: which label a container's command is exec'd with, decided at
// create against what the host has (never silently dropped: a profile the host cannot
// apply is refused), and the init step that applies it. The step runs before
// no_new_privs, as runc's does: with no_new_privs the kernel limits profile transitions.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { annotationProfile, APPARMOR_ANNOTATION_PREFIX } from '../manifest/lsm.js';
import type { Container, Pod } from '../model/pod.js';
import { InvalidInputError } from '../util/errors.js';
import type { InitStep, LsmLabels } from './init-config.js';

export interface HostLsm {
  appArmor: boolean;
  /** Loaded AppArmor profile names (from /sys/kernel/security/apparmor/profiles). */
  appArmorProfiles: ReadonlySet<string>;
  seLinux: boolean;
}

/** The profile RuntimeDefault asks for; podrun loads none itself, so it must be loaded. */
export const APPARMOR_RUNTIME_DEFAULT = 'podrun-default';

export function hostLsm(): HostLsm {
  const appArmor = readOr('/sys/module/apparmor/parameters/enabled').trim() === 'Y' && existsSync('/sys/kernel/security/apparmor');
  const list = appArmor ? readOr('/sys/kernel/security/apparmor/profiles') : '';
  // Lines are "name (mode)"; a name may contain spaces.
  const appArmorProfiles = new Set(list.split('\n').filter(Boolean).map((l) => l.replace(/ \([^)]*\)$/, '')));
  return { appArmor, appArmorProfiles, seLinux: existsSync('/sys/fs/selinux/enforce') };
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Container field, then the annotation, then the pod field; `containerField` is spec.containers[i]. */
export function selectLsmLabels(pod: Pod, c: Container, containerField: string, host: HostLsm): LsmLabels {
  return { ...appArmorLabel(pod, c, containerField, host), ...seLinuxLabel(pod, c, containerField, host) };
}

function appArmorLabel(pod: Pod, c: Container, containerField: string, host: HostLsm): LsmLabels {
  const own = c.securityContext?.appArmorProfile;
  const fromAnnotation = own ? undefined : annotationProfile(pod.metadata, c.name);
  const chosen = own ?? fromAnnotation ?? pod.spec.securityContext?.appArmorProfile;
  if (!chosen || chosen.type === 'Unconfined') return {};
  const field = own
    ? `${containerField}.securityContext.appArmorProfile`
    : fromAnnotation
      ? `metadata.annotations[${APPARMOR_ANNOTATION_PREFIX}${c.name}]`
      : 'spec.securityContext.appArmorProfile';
  if (!host.appArmor) throw new InvalidInputError(field, 'AppArmor is not enabled on this host');
  const profile = chosen.type === 'RuntimeDefault' ? APPARMOR_RUNTIME_DEFAULT : chosen.localhostProfile!;
  if (!host.appArmorProfiles.has(profile)) throw new InvalidInputError(field, `AppArmor profile "${profile}" is not loaded`);
  return { appArmor: profile };
}

function seLinuxLabel(pod: Pod, c: Container, containerField: string, host: HostLsm): LsmLabels {
  const own = c.securityContext?.seLinuxOptions;
  const chosen = own ?? pod.spec.securityContext?.seLinuxOptions;
  if (!chosen || Object.keys(chosen).length === 0) return {};
  const field = `${own ? containerField : 'spec'}.securityContext.seLinuxOptions`;
  if (!host.seLinux) throw new InvalidInputError(field, 'SELinux is not enabled on this host');
  // podrun has no policy defaults to fill a partial label from, as containerd does.
  const { user, role, type, level } = chosen;
  if (!user || !role || !type || !level) throw new InvalidInputError(field, 'podrun needs all of user, role, type and level');
  return { seLinux: `${user}:${role}:${type}:${level}` };
}

/** After `workdir`, before `no-new-privs`: the labels the command is exec'd with. */
export const lsmStep: InitStep = {
  name: 'lsm',
  setUp({ cfg }) {
    // thread-self: the attributes are the task's own, and this thread is the one that execs.
    if (cfg.lsm?.appArmor) {
      const attr = existsSync('/proc/thread-self/attr/apparmor/exec') ? '/proc/thread-self/attr/apparmor/exec' : '/proc/thread-self/attr/exec';
      writeFileSync(attr, `exec ${cfg.lsm.appArmor}`);
    }
    if (cfg.lsm?.seLinux) writeFileSync('/proc/thread-self/attr/exec', cfg.lsm.seLinux);
  },
};
