// A container's capability set and no_new_privs, from its securityContext: pure logic that
// the supervisor runs into the InitConfig (the init stage only applies the result).
// The set is built as containerd's CRI plugin builds it: the default set; `add: [ALL]`
// makes it every capability the runtime has, `drop: [ALL]` empties it; then each named
// add, then each named drop (so a name in both is dropped). `privileged` ignores add and
// drop and keeps every capability the runtime has. Names are returned without CAP_, in
// bit order.
import { ownEffectiveCapabilities } from '../kernel/procfs.js';
import { ALL_CAPABILITIES, CAPABILITY_NAMES, capabilityName } from '../model/capabilities.js';
import type { SecurityContext } from '../model/pod.js';

/** containerd's default set (its OCI default spec), which Kubernetes containers get. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID',
  'SETFCAP', 'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE',
];

/** The kept capabilities; `available` is what the runtime itself has (ALL and privileged mean those). */
export function capabilitySet(sc: SecurityContext | undefined, available: readonly string[]): string[] {
  if (sc?.privileged) return inBitOrder(available);
  const add = sc?.capabilities?.add ?? [];
  const drop = sc?.capabilities?.drop ?? [];
  let kept = new Set(DEFAULT_CAPABILITIES);
  if (add.includes(ALL_CAPABILITIES)) kept = new Set(available);
  if (drop.includes(ALL_CAPABILITIES)) kept = new Set();
  for (const c of add) if (c !== ALL_CAPABILITIES) kept.add(capabilityName(c)!);
  for (const c of drop) if (c !== ALL_CAPABILITIES) kept.delete(capabilityName(c)!);
  // A capability the runtime lacks cannot be given (capset would refuse it).
  return inBitOrder([...kept].filter((c) => available.includes(c)));
}

function inBitOrder(names: Iterable<string>): string[] {
  const set = new Set(names);
  return CAPABILITY_NAMES.filter((n) => set.has(n));
}

/** The set as a bit mask, as /proc/PID/status shows it (CapEff, CapBnd) and capset takes it. */
export function capabilityMask(names: readonly string[]): bigint {
  return names.reduce((m, n) => m | (1n << BigInt(CAPABILITY_NAMES.indexOf(n))), 0n);
}

/** The names of the bits set in a mask (e.g. the runtime's own CapEff); unknown bits are left out. */
export function capabilityNames(mask: bigint): string[] {
  return CAPABILITY_NAMES.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

/**
 * Whether the container gets no_new_privs. Issue 9's rule: unless allowPrivilegeEscalation
 * is true. Unset, it defaults as Kubernetes defaults it: true (so no_new_privs off) for a
 * privileged container or one that keeps CAP_SYS_ADMIN. This differs from the kubelet,
 * which leaves no_new_privs off whenever allowPrivilegeEscalation is unset.
 */
/** The calling process's effective capabilities, by name. */
export function ownCapabilityNames(): string[] {
  return capabilityNames(ownEffectiveCapabilities());
}

export function noNewPrivs(sc: SecurityContext | undefined, kept: readonly string[]): boolean {
  const allow = sc?.allowPrivilegeEscalation ?? (sc?.privileged === true || kept.includes('SYS_ADMIN'));
  return !allow;
}

/**
 * The InitConfig's capabilities and no_new_privs for a container. The names there are the
 * OCI spec's and seccomp profiles' (CAP_CHOWN), as other init steps read them.
 */
export function containerPrivileges(
  sc: SecurityContext | undefined,
  available: readonly string[],
): { capabilities: { effective: string[]; bounding: string[] }; noNewPrivs: boolean } {
  const kept = capabilitySet(sc, available);
  const names = kept.map((n) => `CAP_${n}`);
  return { capabilities: { effective: names, bounding: names }, noNewPrivs: noNewPrivs(sc, kept) };
}
