// The default network: a bridge in the supervisor's network namespace (made with the first
// pod, with the gateway addresses, forwarding on and the masquerade table; removed with the
// last), and per pod a veth pair whose `eth0` end is in the pod's namespace, with the pod's
// leased addresses and default routes through the bridge, both families.
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withNamespaces } from '../kernel/namespaces.js';
import {
  addrAdd,
  linkAddBridge,
  linkAddVethPair,
  linkDelete,
  linkSetMaster,
  linkSetUp,
  routeAddDefault,
} from '../kernel/rtnetlink.js';
import { readJson } from '../state/atomic.js';
import { PodPaths } from '../state/paths.js';
import type { NetworkDriver, NetworkPlan, PodNetwork } from './driver.js';
import { AddressBook, gateways } from './ipam.js';
import { hostAddresses, type NetConfig } from './net-config.js';
import { deleteNatTable, ensureNatTable } from './nftables.js';

const POD_IF = 'eth0';

/** /proc/sys/net of the calling thread's current network namespace. */
function sysctl(key: string, value: string): void {
  writeFileSync(join('/proc/sys/net', key), value);
}

/** A lease is live while its pod's network plan (written before the lease) is on disk with its uid. */
function isLive(config: NetConfig, uid: string, pod: string): boolean {
  return readJson<NetworkPlan>(new PodPaths(join(config.podsDir, pod)).network)?.uid === uid;
}

const addressBook = (config: NetConfig) => new AddressBook(config.leases, config.ranges);

/**
 * Makes the bridge unless it exists. Only the pod that made it sets it up: a crash before
 * that is finished is undone by that pod's undo, which removes the bridge again, since no
 * other pod can have joined it (a new supervisor finishes off half-made pods first).
 */
function ensureBridge(config: NetConfig): void {
  if (!linkAddBridge(config.bridge)) return;
  const g = gateways(config.ranges);
  addrAdd(config.bridge, g.gateway4, g.prefix4);
  addrAdd(config.bridge, g.gateway6, g.prefix6, { noDad: true });
  linkSetUp(config.bridge);
  // Routing out of the pod network (the masquerade's purpose); in this namespace only.
  sysctl('ipv4/ip_forward', '1');
  sysctl('ipv6/conf/all/forwarding', '1');
  ensureNatTable(config.bridge, config.bridge, config.ranges);
}

export const bridgeDriver: NetworkDriver = {
  setUp(plan: NetworkPlan, netns: string): PodNetwork {
    const { config } = plan;
    const veth = plan.veth!;
    const a = addressBook(config).allocate(plan.uid, plan.pod, (uid, pod) => isLive(config, uid, pod));
    ensureBridge(config);
    // One switch into the pod's namespace: eth0 is made there, its peer in ours (the fd).
    const host = openSync('/proc/thread-self/ns/net', 'r');
    try {
      withNamespaces({ enter: { net: netns } }, () => {
        // Before eth0 exists, so that it inherits it: IPv6 addresses usable at once, link-local too.
        sysctl('ipv6/conf/default/accept_dad', '0');
        sysctl('ipv6/conf/all/accept_dad', '0');
        linkAddVethPair(POD_IF, veth, host);
        addrAdd(POD_IF, a.ipv4, a.prefix4);
        addrAdd(POD_IF, a.ipv6, a.prefix6, { noDad: true });
        linkSetUp(POD_IF);
        routeAddDefault(a.gateway4, POD_IF);
        routeAddDefault(a.gateway6, POD_IF);
      });
    } finally {
      closeSync(host);
    }
    linkSetMaster(veth, config.bridge);
    linkSetUp(veth);
    return { driver: 'bridge', podIPs: [a.ipv4, a.ipv6], hostIPs: hostAddresses(config), veth };
  },

  undo(plan: NetworkPlan): void {
    const { config } = plan;
    // Deleting one end deletes both; absent when never made (or the namespace took it along).
    if (plan.veth) linkDelete(plan.veth);
    const book = addressBook(config);
    book.release(plan.uid);
    // Dead pods' leases too, so that the last live pod takes the bridge along.
    for (const l of book.leases()) if (!isLive(config, l.uid, l.pod)) book.release(l.uid);
    if (book.leases().length > 0) return;
    // The bridge before the table: a crash between them leaves a table, which the next
    // bridge's set-up takes over (ensureNatTable is idempotent), not a bridge without one.
    linkDelete(config.bridge);
    deleteNatTable(config.bridge);
  },
};
