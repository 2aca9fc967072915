// Hairpin mode on a pod's bridge port: a pod reaching its own hostPort. The DNAT sends the
// packet back out of the port it came in by, which the bridge refuses unless the port is in
// hairpin mode (with br_netfilter loaded, as on these machines; CNI's bridge plugin sets it
// too). Through ip(8): rtnetlink has no call for it here, and only pods with a hostPort,
// which already pay for nft, need it.
import { PodrunError } from '../util/errors.js';
import { runTool } from '../util/run-tool.js';

export function setHairpin(veth: string): void {
  const r = runTool('ip', ['link', 'set', 'dev', veth, 'type', 'bridge_slave', 'hairpin', 'on']);
  if (!r.ok) throw new PodrunError(`ip link set dev ${veth} hairpin on: ${r.stderr.split('\n')[0]}`);
}
