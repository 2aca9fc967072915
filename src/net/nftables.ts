// Publishes hostPorts with nftables, by running nft(8) once per operation (`nft -f -`, one
// atomic transaction), in the network namespace of the calling process: the host's. The
// scripts and the reading of listings are in nftables-script.ts; docs/kubernetes-semantics.md
// §12 says which traffic reaches a hostPort, as measured.
import { writeFileSync } from 'node:fs';
import { runTool, type ToolResult } from '../util/run-tool.js';
import { PodrunError } from '../util/errors.js';
import {
  addHostPortsScript,
  hostPortConflict,
  deleteTableScript,
  natTableScript,
  parseHostPortsInUse,
  removeHostPortsScript,
  type HostPortInUse,
  type HostPortRule,
  type PodRanges,
} from './nftables-script.js';

export { hostPortConflict };
export type { HostPortInUse, HostPortRule, PodRanges };

function nft(args: string[], input?: string): ToolResult {
  return runTool('nft', args, input);
}

function run(script: string): void {
  if (script === '') return;
  const r = nft(['-f', '-'], script);
  if (!r.ok) throw new PodrunError(`nft: ${r.stderr.split('\n')[0] ?? ''}`);
}

/** The hostports chain as JSON with handles; null when the table does not exist. */
function listHostPorts(table: string): string | null {
  const r = nft(['-j', '-a', 'list', 'chain', 'inet', table, 'hostports']);
  if (r.ok) return r.stdout;
  if (/No such file or directory/.test(r.stderr)) return null;
  throw new PodrunError(`nft: ${r.stderr.split('\n')[0] ?? ''}`);
}

/**
 * Idempotent. Also sets net.ipv4.conf.<bridge>.route_localnet=1 (the bridge must exist), so
 * that connections to 127.0.0.1:hostPort may be forwarded into the bridge; the table's input
 * rule keeps pods from using it to reach the host's loopback services.
 */
export function ensureNatTable(table: string, bridge: string, ranges: PodRanges): void {
  run(natTableScript(table, bridge, ranges));
  try {
    writeFileSync(`/proc/sys/net/ipv4/conf/${bridge}/route_localnet`, '1\n');
  } catch (e) {
    throw new PodrunError(`cannot set route_localnet on bridge ${bridge}: ${(e as Error).message}`);
  }
}

/** Idempotent. route_localnet stays on the bridge: it is removed with the table's last pod. */
export function deleteNatTable(table: string): void {
  run(deleteTableScript(table));
}

/** Adds the uid's DNAT rules (not idempotent: a second call adds them again). */
export function addHostPorts(table: string, uid: string, rules: HostPortRule[]): void {
  run(addHostPortsScript(table, uid, rules));
}

/** Idempotent: deletes every rule commented with the uid, if any, and if the table exists. */
export function removeHostPorts(table: string, uid: string): void {
  const listing = listHostPorts(table);
  if (listing !== null) run(removeHostPortsScript(table, uid, listing));
}

export function hostPortsInUse(table: string): HostPortInUse[] {
  const listing = listHostPorts(table);
  return listing === null ? [] : parseHostPortsInUse(listing);
}
