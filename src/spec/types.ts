// The subset of the Kubernetes v1 Pod that podrun understands, after defaulting.
// Field names follow the Kubernetes API so that `inspect` can print them back verbatim.

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

export interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env: EnvVar[];
  workingDir?: string;
  volumeMounts: VolumeMount[];
  securityContext?: SecurityContext;
  // Informational in Kubernetes (no hostPort support yet): validated entries kept verbatim.
  ports?: unknown[];
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never'; // accepted, meaningless for path images
  terminationMessagePath?: string; // set by the parser: default '/dev/termination-log'
  terminationMessagePolicy?: 'File' | 'FallbackToLogsOnError'; // set by the parser: default 'File'
  // Kept verbatim for issue 3 (probes, lifecycle, restartPolicy of sidecars);
  // validation of these belongs to the lifecycle work.
  restartPolicy?: 'Always';
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  startupProbe?: unknown;
  lifecycle?: unknown;
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
  dnsPolicy?: 'ClusterFirst' | 'Default'; // set by the parser: default 'ClusterFirst'
}

export interface Pod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: PodMetadata;
  spec: PodSpec;
}
