// What the container init stage needs to build one container, computed by the
// supervisor from the Pod spec (pure logic) and handed over as a JSON file.
import type { Container, Pod } from '../model/pod.js';
import { InvalidInputError } from '../util/errors.js';
import type { SetupStep } from '../util/steps.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface BindMount {
  source: string;
  /** Absolute path inside the container. */
  target: string;
  readOnly: boolean;
  /** The field that asked for it, for error messages. */
  field: string;
}

/** The labels the command is exec'd with; an absent one: none. */
export interface LsmLabels {
  appArmor?: string;
  seLinux?: string;
}

export interface InitConfig {
  podName: string;
  containerName: string;
  /**
   * Overlay lower dir; or a stored image's layers as short names relative to `linkDir`,
   * top first (rootfs.ts); or 'host' for the read-only host root.
   */
  image: { kind: 'host' } | { kind: 'dir'; path: string } | { kind: 'layers'; linkDir: string; lowers: string[] };
  rootfs: string;
  upper: string;
  work: string;
  cgroup: string;
  /** The kubelet's oom_score_adj for the container (src/pod/pod-resources.ts), clamped at set-up. */
  oomScoreAdj?: number;
  shm: string;
  etcFiles: { hostname: string; hosts: string; resolv: string };
  mounts: BindMount[];
  argv: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  /** AppArmor and SELinux labels for execve (lsm.ts); absent: none. */
  lsm?: LsmLabels;
  /** Supplementary groups: the pod's fsGroup and supplementalGroups. */
  groups: number[];
  /** The seccomp BPF program, base64, that the `seccomp` step installs; absent: Unconfined. */
  seccompFilter?: string;
  /** The cgroup device filter, base64 of struct bpf_insn[] (device-filter.ts), that the `device-filter` step attaches; absent: none (privileged). */
  deviceFilter?: string;
  /**
   * Capability names with CAP_, in bit order (capabilities.ts). The init stage limits the
   * bounding set to `bounding` before `user` and sets effective = permitted = `effective`
   * after it, with empty inheritable and ambient sets as containerd does; so a non-root
   * user keeps none across execve.
   */
  capabilities: { effective: string[]; bounding: string[] };
  noNewPrivs: boolean;
  /** The host's devices in /dev, a writable /sys, no masked or read-only /proc and /sys paths. */
  privileged: boolean;
  readOnlyRootFilesystem: boolean;
  /** The command gets a pseudo-terminal as its stdio and controlling terminal (terminal.ts). */
  tty?: boolean;
  /** The command's stdin stays open for attach sessions (terminal.ts). */
  stdin?: boolean;
}

/** What the init stage's steps share: the config, and what earlier steps found. */
export interface InitContext {
  cfg: InitConfig;
  /** The command's path inside the new root (the `command` step). */
  executable?: string;
}

/** One step of the init stage (src/container/init-stage.ts lists them in order). */
export type InitStep = SetupStep<InitContext>;

/** Kubernetes' $(VAR) expansion: $$ escapes, unknown names stay verbatim. */
export function expandVars(s: string, env: Map<string, string>): string {
  return s.replace(/\$\$|\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)/g, (m, name?: string) => {
    if (m === '$$') return '$';
    return env.has(name!) ? env.get(name!)! : m;
  });
}

/**
 * The container's environment, in order, later entries winning: PATH, the image's Env
 * (`K=V` strings, taken as they are), HOSTNAME, then the manifest's env with $(VAR).
 */
export function containerEnv(c: Container, hostname: string, imageEnv: string[] = []): Map<string, string> {
  const env = new Map<string, string>();
  env.set('PATH', DEFAULT_PATH);
  for (const kv of imageEnv) {
    const eq = kv.indexOf('=');
    if (eq > 0) env.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  env.set('HOSTNAME', hostname);
  for (const e of c.env) env.set(e.name, expandVars(e.value, env));
  if (!env.has('HOME')) env.set('HOME', '/root');
  return env;
}

export function userOf(pod: Pod, c: Container): { uid: number; gid: number } {
  const uid = c.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser ?? 0;
  const gid = c.securityContext?.runAsGroup ?? pod.spec.securityContext?.runAsGroup ?? 0;
  return { uid, gid };
}

/** command/args resolution as Kubernetes does it; path images have no ENTRYPOINT/CMD. */
export function containerArgv(c: Container, env: Map<string, string>, field: string): string[] {
  const argv = [...(c.command ?? []), ...(c.args ?? [])].map((a) => expandVars(a, env));
  if (argv.length === 0) {
    throw new InvalidInputError(`${field}.command`, 'required: a path image has no entrypoint, so command or args must be set');
  }
  return argv;
}
