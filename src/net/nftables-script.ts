// The nft(8) scripts that publish hostPorts, and the reading of `nft -j` listings: pure, so
// that nftables.ts only runs nft. One `inet` table holds both families:
//   prerouting, output (nat): traffic to any local address jumps to `hostports`, where each
//     published port is one DNAT rule per pod IP, commented "podrun:<uid>";
//   postrouting (nat): pod traffic leaving by another interface than the bridge is
//     masqueraded; so is traffic that was DNATed into the bridge from a pod (a pod reaching a
//     hostPort, its own included: the reply must come back through the host) or from
//     127.0.0.0/8 (the host's own clients of 127.0.0.1, which route_localnet lets out);
//   input (filter): drops what route_localnet would otherwise let pods send to the host's
//     127.0.0.0/8 services (Kubernetes' fix for CVE-2020-8558).
import { isIP } from 'node:net';
import { PodrunError } from '../util/errors.js';

export type HostPortProtocol = 'TCP' | 'UDP';

export interface HostPortRule {
  protocol: HostPortProtocol;
  hostPort: number;
  hostIP?: string;
  podIP: string;
  containerPort: number;
}

export interface HostPortInUse {
  uid: string;
  protocol: string;
  hostPort: number;
  hostIP?: string;
}

export interface PodRanges {
  ipv4: string;
  ipv6: string;
}

const HOSTPORTS = 'hostports';
const COMMENT_PREFIX = 'podrun:';

// Everything interpolated into a script is checked, so that no value can change its meaning.
function token(value: string, what: string, re: RegExp): string {
  if (!re.test(value)) throw new PodrunError(`nftables: invalid ${what} ${JSON.stringify(value)}`);
  return value;
}
const tableName = (t: string): string => token(t, 'table name', /^[A-Za-z][A-Za-z0-9_-]{0,63}$/);
const ifName = (n: string): string => token(n, 'interface name', /^[A-Za-z0-9_.-]{1,15}$/);
const uidTag = (u: string): string => COMMENT_PREFIX + token(u, 'pod uid', /^[A-Za-z0-9-]{1,64}$/);

function ip(value: string, family?: 4 | 6): string {
  const f = isIP(value);
  if (f === 0 || (family && f !== family)) throw new PodrunError(`nftables: invalid IPv${family ?? ''} address ${JSON.stringify(value)}`);
  return value;
}

function cidr(value: string, family: 4 | 6): string {
  const [addr = '', len = '', ...rest] = value.split('/');
  const max = family === 4 ? 32 : 128;
  if (rest.length || !/^\d{1,3}$/.test(len) || Number(len) > max) {
    throw new PodrunError(`nftables: invalid IPv${family} range ${JSON.stringify(value)}`);
  }
  return `${ip(addr, family)}/${len}`;
}

/** Creates what is missing and rewrites the fixed rules; the hostports rules stay. */
export function natTableScript(table: string, bridge: string, ranges: PodRanges): string {
  const t = `inet ${tableName(table)}`;
  const br = JSON.stringify(ifName(bridge));
  const v4 = cidr(ranges.ipv4, 4);
  const v6 = cidr(ranges.ipv6, 6);
  return [
    `add table ${t}`,
    `add chain ${t} ${HOSTPORTS}`,
    `add chain ${t} prerouting { type nat hook prerouting priority dstnat; policy accept; }`,
    // dstnat is not a valid priority name for the output hook in nft 1.0; -100 is its value.
    `add chain ${t} output { type nat hook output priority -100; policy accept; }`,
    `add chain ${t} postrouting { type nat hook postrouting priority srcnat; policy accept; }`,
    `add chain ${t} input { type filter hook input priority filter; policy accept; }`,
    // Flushed and refilled in the same transaction: running this twice leaves one copy.
    `flush chain ${t} prerouting`,
    `flush chain ${t} output`,
    `flush chain ${t} postrouting`,
    `flush chain ${t} input`,
    `add rule ${t} prerouting fib daddr type local jump ${HOSTPORTS}`,
    `add rule ${t} output fib daddr type local jump ${HOSTPORTS}`,
    `add rule ${t} postrouting ip saddr ${v4} oifname != ${br} masquerade`,
    `add rule ${t} postrouting ip6 saddr ${v6} oifname != ${br} masquerade`,
    `add rule ${t} postrouting ct status dnat ip saddr ${v4} oifname ${br} masquerade`,
    `add rule ${t} postrouting ct status dnat ip6 saddr ${v6} oifname ${br} masquerade`,
    `add rule ${t} postrouting ct status dnat ip saddr 127.0.0.0/8 oifname ${br} masquerade`,
    `add rule ${t} input iifname ${br} ip daddr 127.0.0.0/8 ct state != { established, related } drop`,
  ].join('\n') + '\n';
}

/** `add table` first makes the delete succeed when there is no table. */
export function deleteTableScript(table: string): string {
  const t = `inet ${tableName(table)}`;
  return `add table ${t}\ndelete table ${t}\n`;
}

/** The address a hostIP selects, or undefined for every address ("0.0.0.0", "::" or none). */
function hostAddress(hostIP: string | undefined): string | undefined {
  return hostIP === undefined || hostIP === '0.0.0.0' || hostIP === '::' ? undefined : hostIP;
}

/**
 * One DNAT rule per HostPortRule. A rule whose hostIP is of the other family than its podIP
 * cannot be forwarded by NAT and is left out (the caller passes each port once per pod IP).
 */
export function addHostPortsScript(table: string, uid: string, rules: HostPortRule[]): string {
  const t = `inet ${tableName(table)}`;
  const tag = JSON.stringify(uidTag(uid));
  const lines: string[] = [];
  for (const r of rules) {
    const family = isIP(ip(r.podIP));
    const host = hostAddress(r.hostIP);
    if (host !== undefined && isIP(ip(host)) !== family) continue;
    const proto = token(r.protocol, 'protocol', /^(TCP|UDP)$/).toLowerCase();
    const [nf, l3] = family === 4 ? ['ipv4', 'ip'] : ['ipv6', 'ip6'];
    const match = host === undefined ? `meta nfproto ${nf}` : `${l3} daddr ${host}`;
    const to = family === 4 ? `${r.podIP}:${port(r.containerPort)}` : `[${r.podIP}]:${port(r.containerPort)}`;
    lines.push(`add rule ${t} ${HOSTPORTS} ${match} ${proto} dport ${port(r.hostPort)} dnat ${l3} to ${to} comment ${tag}`);
  }
  return lines.map((l) => l + '\n').join('');
}

function port(p: number): number {
  if (!Number.isInteger(p) || p < 1 || p > 65535) throw new PodrunError(`nftables: invalid port ${p}`);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Listings (`nft -j -a list chain inet TABLE hostports`)

interface JsonRule {
  handle: number;
  comment?: string;
  expr: unknown[];
}

function rulesOf(listing: string): JsonRule[] {
  const doc = JSON.parse(listing) as { nftables?: Array<{ rule?: JsonRule }> };
  return (doc.nftables ?? []).flatMap((o) => (o.rule ? [o.rule] : []));
}

/** The handles of the uid's rules, for `delete rule`. */
export function removeHostPortsScript(table: string, uid: string, listing: string): string {
  const t = `inet ${tableName(table)}`;
  const tag = uidTag(uid);
  return rulesOf(listing)
    .filter((r) => r.comment === tag)
    .map((r) => `delete rule ${t} ${HOSTPORTS} handle ${r.handle}\n`)
    .join('');
}

interface Match {
  match?: { op: string; left: { payload?: { protocol: string; field: string } }; right: unknown };
}

/** What the rules publish, read from their matches: one entry per uid, protocol, port and hostIP. */
export function parseHostPortsInUse(listing: string): HostPortInUse[] {
  const found = new Map<string, HostPortInUse>();
  for (const r of rulesOf(listing)) {
    if (!r.comment?.startsWith(COMMENT_PREFIX)) continue;
    let protocol: string | undefined;
    let hostPort: number | undefined;
    let hostIP: string | undefined;
    for (const e of r.expr as Match[]) {
      const p = e.match?.left.payload;
      if (!p || e.match?.op !== '==') continue;
      if (p.field === 'dport') {
        protocol = p.protocol.toUpperCase();
        hostPort = Number(e.match.right);
      }
      if (p.field === 'daddr') hostIP = String(e.match.right);
    }
    if (protocol === undefined || hostPort === undefined) continue;
    const entry = { uid: r.comment.slice(COMMENT_PREFIX.length), protocol, hostPort, ...(hostIP !== undefined ? { hostIP } : {}) };
    found.set(`${entry.uid}/${protocol}/${hostIP ?? ''}/${hostPort}`, entry);
  }
  return [...found.values()];
}

/**
 * The published port that `wanted` would clash with, as the Kubernetes scheduler judges a
 * node's host ports (HostPortInfo.CheckConflict): same protocol and port, and the same
 * hostIP or either one every address.
 */
export function hostPortConflict(
  wanted: { protocol: string; hostPort: number; hostIP?: string },
  inUse: HostPortInUse[],
): HostPortInUse | undefined {
  const ip = hostAddress(wanted.hostIP);
  return inUse.find((u) => {
    if (u.protocol !== wanted.protocol || u.hostPort !== wanted.hostPort) return false;
    const other = hostAddress(u.hostIP);
    return ip === undefined || other === undefined || ip === other;
  });
}
