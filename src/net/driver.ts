// A pod's network behind one interface: the bridge (the default), the host's namespace
// (hostNetwork) and none (loopback only); a CNI driver can slot in as one more. A driver's
// set-up is written down first as a plan, in the pod directory, and its undo works from
// that plan alone, so that it can finish off a set-up or a teardown that crashed anywhere.
import { bridgeDriver } from './bridge.js';
import type { NetworkRecord } from '../state/records.js';
import { hostAddresses, type NetConfig } from './net-config.js';

/** What a pod's network is, as its sandbox record keeps it (status, /etc/hosts, probes). */
export type PodNetwork = NetworkRecord;
export type NetworkKind = NetworkRecord['driver'];

/** What a set-up is about to make: its undo's only input. */
export interface NetworkPlan {
  driver: NetworkKind;
  uid: string;
  pod: string;
  config: NetConfig;
  /** The host end of the veth pair (bridge). */
  veth?: string;
}

export interface NetworkDriver {
  /** Sets up the pod's network; `netns` is the pod's pinned network namespace. */
  setUp(plan: NetworkPlan, netns: string): PodNetwork;
  /** Undoes whatever part of setUp was done, from the plan alone; idempotent. */
  undo(plan: NetworkPlan): void;
}

/** hostNetwork: the namespace is the supervisor's own (the namespaces step pins it); nothing to make. */
const hostDriver: NetworkDriver = {
  setUp: ({ config }) => ({ driver: 'host', podIPs: hostAddresses(config), hostIPs: hostAddresses(config) }),
  undo: () => {},
};

/** Loopback only (the namespaces step brings lo up). */
const noneDriver: NetworkDriver = {
  setUp: ({ config }) => ({ driver: 'none', podIPs: [], hostIPs: hostAddresses(config) }),
  undo: () => {},
};

export const DRIVERS: Record<NetworkKind, NetworkDriver> = { bridge: bridgeDriver, host: hostDriver, none: noneDriver };

/** The host end of a pod's veth pair: `pr` and the uid's first 8 hex digits (15 bytes at most on Linux). */
export function vethName(uid: string): string {
  return `pr${uid.replace(/-/g, '').slice(0, 8)}`;
}

/** The plan of a pod's network, before anything is made. */
export function planNetwork(kind: NetworkKind, uid: string, pod: string, config: NetConfig): NetworkPlan {
  return { driver: kind, uid, pod, config, ...(kind === 'bridge' ? { veth: vethName(uid) } : {}) };
}
