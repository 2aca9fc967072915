// The subset of the Kubernetes v1 Pod that podrun understands, after defaulting.
// Field names follow the Kubernetes API so that `inspect` can print them back verbatim.
import type { ContainerResources } from './resources.js';

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface EnvVar {
  name: string;
  value: string; // defaulted to '' when the manifest omits it
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly: boolean; // default false
  subPath?: string;
}

export interface Capabilities {
  add: string[]; // as written: with or without CAP_, or ALL (default [])
  drop: string[]; // default []
}

export interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean; // kept when false: a container's false overrides the pod's true
  seccompProfile?: SeccompProfile;
  // Both levels, parsed by src/manifest/lsm.ts.
  appArmorProfile?: AppArmorProfile;
  seLinuxOptions?: SELinuxOptions;
  // Pod level only, parsed by src/manifest/pod-groups.ts and sysctls.ts.
  sysctls?: Sysctl[];
  supplementalGroups?: number[];
  fsGroup?: number;
  fsGroupChangePolicy?: 'OnRootMismatch' | 'Always'; // the same for emptyDir, the only volume it changes
  // Container level only, parsed by src/manifest/security-context.ts.
  capabilities?: Capabilities;
  privileged?: true; // set only when true, as false asks for nothing
  allowPrivilegeEscalation?: boolean;
  procMount?: 'Default';
  readOnlyRootFilesystem?: true;
}

export interface AppArmorProfile {
  type: 'RuntimeDefault' | 'Unconfined' | 'Localhost';
  localhostProfile?: string; // Localhost only: the name of a loaded profile
}

/** A namespaced sysctl; the name in dot form. */
export interface Sysctl {
  name: string;
  value: string;
}

export interface SELinuxOptions {
  user?: string;
  role?: string;
  type?: string;
  level?: string;
}

/** Kubernetes' seccompProfile; without one anywhere, podrun applies RuntimeDefault. */
export interface SeccompProfile {
  type: 'RuntimeDefault' | 'Unconfined' | 'Localhost';
  /** Localhost only: a path below the seccomp directory of the state root. */
  localhostProfile?: string;
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env: EnvVar[];
  workingDir?: string;
  volumeMounts: VolumeMount[];
  resources: ContainerResources; // empty lists when absent (src/manifest/resources.ts)
  securityContext?: SecurityContext;
  ports?: ContainerPort[];
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never'; // accepted, meaningless for path images
  terminationMessagePath?: string; // set by the parser: default '/dev/termination-log'
  terminationMessagePolicy?: 'File' | 'FallbackToLogsOnError'; // set by the parser: default 'File'
  restartPolicy?: 'Always'; // init containers only: marks a sidecar
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: Lifecycle;
  /** A pseudo-terminal as the container's stdio (docs/terminals.md). */
  tty?: true;
  /** The container's stdin stays open, for attach sessions. */
  stdin?: true;
  /** stdin is closed when the first attach session ends. */
  stdinOnce?: true;
}

// Ports and name resolution, parsed and validated by src/manifest/network.ts.
export type Protocol = 'TCP' | 'UDP';

export interface ContainerPort {
  name?: string;
  containerPort: number;
  hostPort?: number; // with hostNetwork, defaulted to containerPort (as Kubernetes defaults it)
  hostIP?: string;
  protocol: Protocol; // default 'TCP'
}

export interface HostAlias {
  ip: string;
  hostnames: string[];
}

export type DNSPolicy = 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None';

export interface PodDNSConfigOption {
  name: string;
  value?: string;
}

export interface PodDNSConfig {
  nameservers: string[]; // default []
  searches: string[]; // default []
  options: PodDNSConfigOption[]; // default []
}

// Probes and lifecycle hooks, parsed, validated and defaulted by src/manifest/probes.ts.
export interface ExecAction {
  command: string[];
}

export interface HTTPHeader {
  name: string;
  value: string;
}

export interface HTTPGetAction {
  path: string; // default '/'; otherwise as written (Kubernetes checks nothing more: may hold a ?query, may lack the leading '/')
  port: number | string; // number 1-65535 or an IANA port name (resolved later against the container's ports)
  host?: string; // default: pod IP (resolved at run time), so left undefined when not given
  scheme: 'HTTP' | 'HTTPS'; // default 'HTTP'
  httpHeaders: HTTPHeader[]; // default []
}

export interface TCPSocketAction {
  port: number | string;
  host?: string;
}

export interface GRPCAction {
  port: number; // number only
  service?: string;
}

export interface SleepAction {
  seconds: number;
}

export interface Probe {
  // exactly one handler
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  grpc?: GRPCAction;
  initialDelaySeconds: number; // default 0, min 0
  periodSeconds: number; // default 10, min 1
  timeoutSeconds: number; // default 1, min 1
  successThreshold: number; // default 1, min 1; must be 1 for liveness and startup
  failureThreshold: number; // default 3, min 1
  terminationGracePeriodSeconds?: number; // min 1; liveness/startup only
}

export interface LifecycleHandler {
  // exactly one handler
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  sleep?: SleepAction;
}

export interface Lifecycle {
  postStart?: LifecycleHandler;
  preStop?: LifecycleHandler;
  stopSignal?: string;
}

export interface EmptyDirVolume {
  medium: '' | 'Memory';
  sizeLimit?: string; // Kubernetes quantity, as written
  sizeLimitBytes?: number; // parsed from sizeLimit
}

export type HostPathType =
  | ''
  | 'DirectoryOrCreate'
  | 'Directory'
  | 'FileOrCreate'
  | 'File'
  | 'Socket'
  | 'CharDevice'
  | 'BlockDevice';

export interface HostPathVolume {
  path: string;
  type: HostPathType;
}

export interface Volume {
  name: string;
  emptyDir?: EmptyDirVolume;
  hostPath?: HostPathVolume;
}

export interface PodMetadata {
  name: string;
  namespace: string; // default 'default'
  generateName?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  uid?: string; // set by podrun at create time
  creationTimestamp?: string;
}

export interface PodSpec {
  containers: Container[];
  initContainers: Container[];
  volumes: Volume[];
  restartPolicy: RestartPolicy; // default Always
  terminationGracePeriodSeconds: number; // default 30
  activeDeadlineSeconds?: number;
  shareProcessNamespace: boolean; // default false
  hostname?: string;
  subdomain?: string;
  securityContext?: SecurityContext;
  dnsPolicy?: DNSPolicy; // set by the parser: default 'ClusterFirst'
  dnsConfig?: PodDNSConfig;
  // Set only when true / non-empty: Kubernetes omits them otherwise, and so does `inspect`.
  hostNetwork?: boolean;
  hostAliases?: HostAlias[];
}

export interface Pod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: PodMetadata;
  spec: PodSpec;
}
