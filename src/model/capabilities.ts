// Linux capability names as Kubernetes writes them (without the CAP_ prefix), indexed by
// their bit number (linux/capability.h), and the name lookup the manifest and the
// container set-up share. Pure data: no I/O.

/** Index = capability bit. */
export const CAPABILITY_NAMES: readonly string[] = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID',
  'SETPCAP', 'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW',
  'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT',
  'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD',
  'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG',
  'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF', 'CHECKPOINT_RESTORE',
];

/** `add`/`drop` entry meaning every capability. */
export const ALL_CAPABILITIES = 'ALL';

/** The name without CAP_ ("NET_ADMIN" for "CAP_NET_ADMIN" or "NET_ADMIN"), or undefined when unknown. */
export function capabilityName(written: string): string | undefined {
  const name = written.startsWith('CAP_') ? written.slice(4) : written;
  return CAPABILITY_NAMES.includes(name) ? name : undefined;
}
