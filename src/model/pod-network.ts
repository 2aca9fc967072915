// Which network a pod asks for, and the names the kubelet derives for it. The parser
// (src/manifest/network.ts) has already refused the combinations that make no sense.
import type { Pod } from './pod.js';

/** `metadata.annotations[podrun.io/network]: none` asks for a pod with loopback only. */
export const NETWORK_ANNOTATION = 'podrun.io/network';
export const NETWORK_NONE = 'none';

/** The kubelet's default --cluster-domain; there is no cluster, so nothing configures another. */
export const CLUSTER_DOMAIN = 'cluster.local';

/** bridge: its own addresses (the default); host: the host's netns; none: loopback only. */
export type PodNetworkMode = 'bridge' | 'host' | 'none';

export function podNetworkMode(pod: Pod): PodNetworkMode {
  if (pod.spec.hostNetwork) return 'host';
  return pod.metadata.annotations[NETWORK_ANNOTATION] === NETWORK_NONE ? 'none' : 'bridge';
}

/**
 * `hostname.subdomain.namespace.svc.cluster.local` when spec.subdomain is set (the kubelet's
 * GeneratePodHostNameAndDomain), for /etc/hosts; undefined otherwise.
 */
export function podFqdn(pod: Pod, hostname: string): string | undefined {
  const sub = pod.spec.subdomain;
  return sub === undefined ? undefined : `${hostname}.${sub}.${pod.metadata.namespace}.svc.${CLUSTER_DOMAIN}`;
}
