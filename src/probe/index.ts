// The network probe handlers (tcpSocket, httpGet, grpc), connecting from inside a pod's
// network namespace. See dial.ts for how, and docs/kubernetes-semantics.md §4 for the rules.
//
// A deliberate deviation: the kubelet connects from the node's namespace to the pod IP;
// podrun pods have no routable IP yet, so podrun connects from inside the pod. A server
// bound only to 127.0.0.1 in the pod therefore passes here but would fail on Kubernetes.
export type { ProbeResult, ProbeOutcome, NetTarget } from './types.js';
export { KUBE_VERSION, PROBE_USER_AGENT, LIFECYCLE_USER_AGENT } from './types.js';
export { connectInNetns, DialError } from './dial.js';
export { tcpProbe } from './tcp.js';
export { httpProbe, type HttpTarget } from './http.js';
export type { HttpHeader } from './http-rules.js';
export { grpcProbe, type GrpcTarget } from './grpc.js';
