// hostPort (ports[].hostPort of the app containers, as the kubelet publishes them): DNAT
// rules in the bridge's nftables table, tagged with the pod's uid. A port that another pod
// publishes fails the create (exit 1) naming the port, before any rule is added.
import { rmSync } from 'node:fs';
import type { Pod } from '../model/pod.js';
import type { NetworkPlan } from '../net/driver.js';
import { setHairpin } from '../net/hairpin.js';
import { addHostPorts, hostPortConflict, hostPortsInUse, removeHostPorts, type HostPortRule } from '../net/nftables.js';
import { readJson, writeJsonAtomic } from '../state/atomic.js';
import { PodrunError } from '../util/errors.js';
import type { SandboxStep } from './sandbox-step.js';

/** What the undo needs: the table and the uid its rules are tagged with. */
interface HostPortsPlan {
  table: string;
  uid: string;
}

/** One rule per published port and pod address; a hostIP of one family publishes to that family only. */
export function hostPortRules(pod: Pod, podIPs: string[]): (HostPortRule & { field: string })[] {
  const rules: (HostPortRule & { field: string })[] = [];
  pod.spec.containers.forEach((c, i) =>
    (c.ports ?? []).forEach((p, j) => {
      if (p.hostPort === undefined) return;
      for (const podIP of podIPs) {
        if (p.hostIP && p.hostIP.includes(':') !== podIP.includes(':')) continue;
        const { protocol, hostPort, containerPort } = p;
        rules.push({ field: `spec.containers[${i}].ports[${j}].hostPort`, protocol, hostPort, containerPort, podIP, ...(p.hostIP ? { hostIP: p.hostIP } : {}) });
      }
    }),
  );
  return rules;
}

export const hostPortsStep: SandboxStep = {
  name: 'host-ports',
  setUp({ pod, paths, rec }) {
    // hostNetwork pods listen on the host's ports themselves; none has no address to forward to.
    if (rec.network?.driver !== 'bridge') return;
    const rules = hostPortRules(pod, rec.network.podIPs);
    if (rules.length === 0) return;
    const plan: HostPortsPlan = { table: readJson<NetworkPlan>(paths.network)!.config.bridge, uid: pod.metadata.uid! };
    const inUse = hostPortsInUse(plan.table);
    for (const r of rules) {
      const taken = hostPortConflict(r, inUse);
      if (taken) throw new PodrunError(`${r.field}: ${r.hostPort}/${r.protocol} is already published by another pod (uid ${taken.uid})`);
    }
    writeJsonAtomic(paths.hostPorts, plan);
    addHostPorts(plan.table, plan.uid, rules.map(({ field: _, ...r }) => r));
    // So that the pod reaches its own hostPorts too; the veth's end is its undo.
    setHairpin(rec.network.veth!);
  },
  undo({ paths }) {
    const plan = readJson<HostPortsPlan>(paths.hostPorts);
    if (!plan) return;
    removeHostPorts(plan.table, plan.uid);
    rmSync(paths.hostPorts, { force: true });
  },
};
