// The container-level hardening fields of securityContext: capabilities, privileged,
// allowPrivilegeEscalation, procMount and readOnlyRootFilesystem. runAsUser/runAsGroup,
// shared with the pod level, stay in parse.ts. Validation follows Kubernetes', plus what
// podrun cannot do: a capability name podrun does not know, or procMount: Unmasked
// (Kubernetes allows it only with hostUsers: false, a user namespace podrun lacks).
import { ALL_CAPABILITIES, capabilityName } from '../model/capabilities.js';
import { quote } from '../model/names.js';
import type { Capabilities, SecurityContext } from '../model/pod.js';
import { checkFields, fail, join, optArray, optBool, optEnum, optObject, type Obj } from './fields.js';

/** The fields this module parses, for parse.ts's field classes. */
export const CONTAINER_HARDENING_FIELDS = [
  'capabilities',
  'privileged',
  'allowPrivilegeEscalation',
  'procMount',
  'readOnlyRootFilesystem',
];

type Hardening = Pick<SecurityContext, 'capabilities' | 'privileged' | 'allowPrivilegeEscalation' | 'procMount' | 'readOnlyRootFilesystem'>;

export function parseContainerHardening(o: Obj, path: string): Hardening {
  const caps = optObject(o, 'capabilities', path);
  const capabilities = caps ? parseCapabilities(caps, join(path, 'capabilities')) : undefined;
  const privileged = optBool(o, 'privileged', path);
  const allowPrivilegeEscalation = optBool(o, 'allowPrivilegeEscalation', path);
  const procMount = optEnum(o, 'procMount', path, ['Default', 'Unmasked'] as const);
  if (procMount === 'Unmasked') {
    fail(join(path, 'procMount'), '"Unmasked": Kubernetes allows it only with spec.hostUsers: false (a user namespace), which podrun does not support yet');
  }
  const readOnlyRootFilesystem = optBool(o, 'readOnlyRootFilesystem', path);
  if (allowPrivilegeEscalation === false) {
    // Kubernetes' rules: both give the process the means to escalate anyway.
    const field = join(path, 'allowPrivilegeEscalation');
    if (privileged) fail(field, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true');
    if (capabilities?.add.some((c) => capabilityName(c) === 'SYS_ADMIN')) {
      fail(field, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.add` CAP_SYS_ADMIN');
    }
  }
  return {
    ...(capabilities ? { capabilities } : {}),
    ...(privileged ? { privileged } : {}),
    ...(allowPrivilegeEscalation !== undefined ? { allowPrivilegeEscalation } : {}),
    ...(procMount ? { procMount } : {}),
    ...(readOnlyRootFilesystem ? { readOnlyRootFilesystem } : {}),
  };
}

function parseCapabilities(o: Obj, path: string): Capabilities {
  checkFields(o, path, { known: ['add', 'drop'] });
  return { add: capabilityList(o, 'add', path), drop: capabilityList(o, 'drop', path) };
}

function capabilityList(o: Obj, key: string, path: string): string[] {
  return (optArray(o, key, path) ?? []).map((v, i) => {
    const field = `${path}.${key}[${i}]`;
    if (typeof v !== 'string') fail(field, 'must be a string (a capability name such as NET_ADMIN)');
    if (v === ALL_CAPABILITIES || capabilityName(v)) return v;
    // containerd upper-cases names but not ALL, so "all" would be dropped there: refuse case games.
    const upper = v.toUpperCase();
    if (upper === ALL_CAPABILITIES || capabilityName(upper)) fail(field, `${quote(v)}: capability names are upper case (${upper})`);
    fail(field, `${quote(v)}: unknown capability (a name from capabilities(7), with or without CAP_, or ALL)`);
  });
}
