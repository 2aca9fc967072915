// The Pod object podrun reports (`inspect`, `list`, the supervisor API): Kubernetes v1 Pod
// field names, with podrun's own additions (a container's pid, the sandbox). This is the
// API's response type, so programs can rely on it; src/pod/status.ts computes it.
import type { Container, PodSpec } from './pod.js';

/** Quantities as Kubernetes prints them ("500m", "128Mi"). */
export interface ResourceRequirementsView {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

export type ContainerView = Omit<Container, 'resources'> & { resources: ResourceRequirementsView };

/** The spec as reported: the manifest's, defaulted, with quantities written back as text. */
export type PodSpecView = Omit<PodSpec, 'containers' | 'initContainers'> & {
  containers: ContainerView[];
  initContainers: ContainerView[];
};

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** Kubernetes' QoS classes (src/pod/pod-resources.ts computes them). */
export type PodQOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

export interface ContainerStateView {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: {
    exitCode?: number;
    /** The signal number that ended the container, if one did. */
    signal?: number;
    reason: string;
    message?: string;
    startedAt?: string;
    finishedAt?: string;
  };
}

export interface ContainerStatusView {
  name: string;
  image: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: ContainerStateView;
  /** The previous instance's end; `{}` before the first restart. */
  lastState: ContainerStateView;
  /** podrun's: the container's init process on the host, while it runs. */
  pid?: number;
}

export interface PodConditionView {
  type: string;
  status: 'True' | 'False';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** podrun's: the pod sandbox, its pause holder and namespace pins. */
export interface SandboxView {
  pid?: number;
  namespaces: { net: string; ipc: string; uts: string };
  cgroup: string;
}

export interface PodStatusView {
  phase: PodPhase;
  /** Set when the pod was ended as a whole (e.g. DeadlineExceeded). */
  reason?: string;
  message?: string;
  conditions: PodConditionView[];
  /** The host's IPv4 address (src/net/net-config.ts hostAddresses); 127.0.0.1 for pods from before networking. */
  hostIP: string;
  hostIPs: { ip: string }[];
  /** The pod's IPv4 address; absent without one (the none network). */
  podIP?: string;
  /** IPv4 first. */
  podIPs: { ip: string }[];
  startTime?: string;
  initContainerStatuses: ContainerStatusView[];
  containerStatuses: ContainerStatusView[];
  qosClass: PodQOSClass;
  sandbox: SandboxView;
}

export interface PodView {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    creationTimestamp?: string;
    /** Omitted when empty. */
    labels?: Record<string, string>;
    /** Omitted when empty. */
    annotations?: Record<string, string>;
  };
  spec: PodSpecView;
  status: PodStatusView;
}

export interface PodListView {
  apiVersion: 'v1';
  kind: 'List';
  items: PodView[];
}
