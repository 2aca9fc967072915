// securityContext.seccompProfile (pod and container level), validated as Kubernetes does:
// a type, and a localhostProfile for Localhost and only then, a relative path without "..".
// Which profile a container gets (container over pod over podrun's RuntimeDefault) is
// decided where it is applied (src/container/seccomp/select.ts).
import type { SeccompProfile } from '../model/pod.js';
import { checkFields, fail, hasDotDot, isAbsolute, join, optEnum, optObject, optString, type Obj } from './fields.js';

const TYPES: readonly SeccompProfile['type'][] = ['RuntimeDefault', 'Unconfined', 'Localhost'];

/** `{seccompProfile}` to spread into the parsed security context, or nothing. */
export function parseSeccompProfile(sc: Obj, scPath: string): { seccompProfile?: SeccompProfile } {
  const o = optObject(sc, 'seccompProfile', scPath);
  if (!o) return {};
  const path = join(scPath, 'seccompProfile');
  checkFields(o, path, { known: ['type', 'localhostProfile'] });
  const type = optEnum(o, 'type', path, TYPES);
  if (!type) fail(join(path, 'type'), 'required');
  const local = optString(o, 'localhostProfile', path) || undefined;
  const localPath = join(path, 'localhostProfile');
  if (type !== 'Localhost') {
    if (local !== undefined) fail(localPath, 'can only be set when seccomp type is Localhost');
    return { seccompProfile: { type } };
  }
  if (local === undefined) fail(localPath, 'must be set when seccomp type is Localhost');
  if (isAbsolute(local)) fail(localPath, `"${local}": must be a relative path`);
  if (hasDotDot(local)) fail(localPath, `"${local}": must not contain '..'`);
  return { seccompProfile: { type, localhostProfile: local } };
}
