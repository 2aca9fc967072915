// The Linux security module fields: securityContext.appArmorProfile and seLinuxOptions
// (pod and container level), and the older per-container AppArmor annotation, checked
// as Kubernetes' API validation checks them. Whether the host can apply them is decided
// at create (src/container/lsm.ts).
import { quote } from '../model/names.js';
import type { AppArmorProfile, Container, PodMetadata, SecurityContext } from '../model/pod.js';
import { checkFields, fail, join, optEnum, optObject, optString, type Obj } from './fields.js';

export const LSM_FIELDS = ['appArmorProfile', 'seLinuxOptions'];
export const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

type Lsm = Pick<SecurityContext, 'appArmorProfile' | 'seLinuxOptions'>;

export function parseLsm(o: Obj, path: string): Lsm {
  const aa = optObject(o, 'appArmorProfile', path);
  const se = optObject(o, 'seLinuxOptions', path);
  return {
    ...(aa ? { appArmorProfile: parseAppArmorProfile(aa, join(path, 'appArmorProfile')) } : {}),
    ...(se ? { seLinuxOptions: parseSeLinuxOptions(se, join(path, 'seLinuxOptions')) } : {}),
  };
}

function parseAppArmorProfile(o: Obj, path: string): AppArmorProfile {
  checkFields(o, path, { known: ['type', 'localhostProfile'] });
  const type = optEnum(o, 'type', path, ['RuntimeDefault', 'Unconfined', 'Localhost'] as const);
  if (!type) fail(join(path, 'type'), 'required');
  const localhostProfile = optString(o, 'localhostProfile', path) || undefined;
  if (type === 'Localhost' && !localhostProfile) fail(join(path, 'localhostProfile'), 'must be set when type is "Localhost"');
  if (type !== 'Localhost' && localhostProfile) fail(join(path, 'localhostProfile'), 'can only be set when type is "Localhost"');
  return { type, ...(localhostProfile ? { localhostProfile } : {}) };
}

function parseSeLinuxOptions(o: Obj, path: string): NonNullable<SecurityContext['seLinuxOptions']> {
  const keys = ['user', 'role', 'type', 'level'] as const;
  checkFields(o, path, { known: [...keys] });
  return Object.fromEntries(keys.flatMap((k) => {
    const v = optString(o, k, path) || undefined;
    return v === undefined ? [] : [[k, v]];
  }));
}

/** An annotation's value as a profile: runtime/default, unconfined or localhost/<name>. */
export function annotationProfile(metadata: PodMetadata, container: string): AppArmorProfile | undefined {
  const v = metadata.annotations[APPARMOR_ANNOTATION_PREFIX + container];
  if (v === undefined) return undefined;
  if (v === 'runtime/default') return { type: 'RuntimeDefault' };
  if (v === 'unconfined') return { type: 'Unconfined' };
  return { type: 'Localhost', localhostProfile: v.slice('localhost/'.length) };
}

/** Kubernetes refuses an annotation for a container the pod lacks, or with another value. */
export function checkAppArmorAnnotations(metadata: PodMetadata, containers: Container[]): void {
  for (const [key, v] of Object.entries(metadata.annotations)) {
    if (!key.startsWith(APPARMOR_ANNOTATION_PREFIX)) continue;
    const field = `metadata.annotations[${key}]`;
    if (!containers.some((c) => APPARMOR_ANNOTATION_PREFIX + c.name === key)) fail(field, 'container not found');
    if (v !== 'runtime/default' && v !== 'unconfined' && !(v.startsWith('localhost/') && v.length > 'localhost/'.length)) {
      fail(field, `${quote(v)}: must be "runtime/default", "unconfined" or "localhost/<profile>"`);
    }
  }
}
