// The network fields of a Pod: ports, hostNetwork, hostAliases, dnsPolicy and dnsConfig,
// and podrun's annotation for a pod without network. The rules are Kubernetes' API
// validation and defaulting (pkg/apis/core/validation, pkg/apis/core/v1/defaults.go);
// docs/kubernetes-semantics.md §10 and §12 say what podrun does with them.
import { isIP } from 'node:net';
import {
  checkFields,
  fail,
  get,
  join,
  objects,
  optArray,
  optEnum,
  optInt,
  optObject,
  optString,
  portNameError,
  reqString,
  type Obj,
} from './fields.js';
import { dns1123SubdomainError, quote } from '../model/names.js';
import { NETWORK_ANNOTATION, NETWORK_NONE } from '../model/pod-network.js';
import type { Container, ContainerPort, DNSPolicy, HostAlias, PodDNSConfig, PodMetadata } from '../model/pod.js';

// Kubernetes' limits (validation.go: MaxDNSNameservers, MaxDNSSearchPathsExpanded,
// MaxDNSSearchListCharsExpanded), which come from what libc resolvers accept.
export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCHES = 32;
export const MAX_DNS_SEARCH_CHARS = 2048;

/** An IPv4 or IPv6 address as Kubernetes' IsValidIP takes it: no zone, no leading zeros. */
export function ipError(v: string): string | null {
  return isIP(v) !== 0 && !v.includes('%') ? null : `${quote(v)}: must be a valid IP address (IPv4 or IPv6)`;
}

function optIP(o: Obj, key: string, path: string): string | undefined {
  const v = optString(o, key, path) || undefined;
  if (v === undefined) return undefined;
  const err = ipError(v);
  if (err) fail(join(path, key), err);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Container ports

export function parsePorts(c: Obj, path: string): ContainerPort[] | undefined {
  const list = optArray(c, 'ports', path);
  if (list === undefined) return undefined;
  const names = new Set<string>();
  return objects(list, join(path, 'ports')).map(([port, p]) => {
    checkFields(port, p, { known: ['containerPort', 'hostPort', 'hostIP', 'name', 'protocol'] });
    if (get(port, 'containerPort') === undefined) fail(join(p, 'containerPort'), 'required');
    const containerPort = optInt(port, 'containerPort', p, 1, 65535)!;
    // 0 is Go's zero value: "no hostPort", as an unset field.
    const hostPort = get(port, 'hostPort') === 0 ? undefined : optInt(port, 'hostPort', p, 1, 65535);
    const hostIP = optIP(port, 'hostIP', p);
    const name = optString(port, 'name', p) || undefined;
    if (name !== undefined) {
      const err = portNameError(name);
      if (err) fail(join(p, 'name'), err);
      if (names.has(name)) fail(join(p, 'name'), `Duplicate value ${quote(name)}`);
      names.add(name);
    }
    const protocol = optEnum(port, 'protocol', p, ['TCP', 'UDP', 'SCTP'] as const) ?? 'TCP';
    if (protocol === 'SCTP') fail(join(p, 'protocol'), '"SCTP": not supported by podrun (only "TCP" and "UDP")');
    return {
      ...(name !== undefined ? { name } : {}),
      containerPort,
      ...(hostPort !== undefined ? { hostPort } : {}),
      ...(hostIP !== undefined ? { hostIP } : {}),
      protocol,
    };
  });
}

/**
 * hostNetwork: every port without a hostPort gets hostPort = containerPort (defaulting, init
 * containers too); an app container's port with another hostPort is refused (validation).
 */
export function applyHostNetworkPorts(containers: Container[], initContainers: Container[], path: string): void {
  for (const c of [...initContainers, ...containers]) for (const p of c.ports ?? []) p.hostPort ??= p.containerPort;
  containers.forEach((c, i) =>
    c.ports?.forEach((p, j) => {
      if (p.hostPort !== p.containerPort) {
        fail(`${path}.containers[${i}].ports[${j}].hostPort`, `${p.hostPort}: must match \`containerPort\` when \`hostNetwork\` is true`);
      }
    }),
  );
}

/**
 * A hostPort may be published once per protocol and hostIP in a pod. As in Kubernetes, only the
 * app containers' count: the kubelet publishes no init container's port.
 */
export function checkHostPortConflicts(containers: Container[], path: string): void {
  const seen = new Map<string, string>();
  containers.forEach((c, i) =>
    c.ports?.forEach((p, j) => {
      if (p.hostPort === undefined) return;
      const field = `${path}.containers[${i}].ports[${j}]`;
      const key = `${p.protocol}/${p.hostIP ?? ''}/${p.hostPort}`;
      const first = seen.get(key);
      const on = p.hostIP === undefined ? '' : ` on ${p.hostIP}`;
      if (first) fail(join(field, 'hostPort'), `Duplicate value: hostPort ${p.hostPort}/${p.protocol}${on} is also published by ${first}`);
      seen.set(key, field);
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Pod fields

export function parseHostAliases(s: Obj, path: string): HostAlias[] {
  return objects(optArray(s, 'hostAliases', path) ?? [], join(path, 'hostAliases')).map(([a, p]) => {
    checkFields(a, p, { known: ['ip', 'hostnames'] });
    const ip = reqString(a, 'ip', p);
    const ipErr = ipError(ip);
    if (ipErr) fail(join(p, 'ip'), ipErr);
    const hostnames = optArray(a, 'hostnames', p) ?? [];
    if (hostnames.length === 0) fail(join(p, 'hostnames'), 'required (at least one host name)');
    hostnames.forEach((h, i) => {
      const field = `${p}.hostnames[${i}]`;
      if (typeof h !== 'string') fail(field, 'must be a string');
      const err = dns1123SubdomainError(h);
      if (err) fail(field, err);
    });
    return { ip, hostnames: hostnames as string[] };
  });
}

const DNS_POLICIES: readonly DNSPolicy[] = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'];

export function parseDnsPolicy(s: Obj, path: string): DNSPolicy {
  return optEnum(s, 'dnsPolicy', path, DNS_POLICIES) ?? 'ClusterFirst';
}

export function parseDnsConfig(s: Obj, path: string, policy: DNSPolicy): PodDNSConfig | undefined {
  const field = join(path, 'dnsConfig');
  const o = optObject(s, 'dnsConfig', path);
  if (o === undefined) {
    if (policy === 'None') fail(field, 'required: must provide `dnsConfig` when `dnsPolicy` is None');
    return undefined;
  }
  checkFields(o, field, { known: ['nameservers', 'searches', 'options'] });
  const nameservers = stringList(o, 'nameservers', field);
  if (policy === 'None' && nameservers.length === 0) {
    fail(join(field, 'nameservers'), 'required: must provide at least one DNS nameserver when `dnsPolicy` is None');
  }
  if (nameservers.length > MAX_DNS_NAMESERVERS) {
    fail(join(field, 'nameservers'), `must not have more than ${MAX_DNS_NAMESERVERS} nameservers (has ${nameservers.length})`);
  }
  nameservers.forEach((ns, i) => {
    const err = ipError(ns);
    if (err) fail(`${field}.nameservers[${i}]`, err);
  });
  const searches = stringList(o, 'searches', field);
  if (searches.length > MAX_DNS_SEARCHES) {
    fail(join(field, 'searches'), `must not have more than ${MAX_DNS_SEARCHES} search paths (has ${searches.length})`);
  }
  if (searches.join(' ').length > MAX_DNS_SEARCH_CHARS) {
    fail(join(field, 'searches'), `must not have more than ${MAX_DNS_SEARCH_CHARS} characters (including spaces) in the search list`);
  }
  searches.forEach((d, i) => {
    // A trailing dot is fine, and "." alone means "no search" (RelaxedDNSSearchValidation).
    const err = d === '.' ? null : dns1123SubdomainError(d.replace(/\.$/, ''));
    if (err) fail(`${field}.searches[${i}]`, err);
  });
  const options = objects(optArray(o, 'options', field) ?? [], join(field, 'options')).map(([op, p]) => {
    checkFields(op, p, { known: ['name', 'value'] });
    const name = reqString(op, 'name', p);
    const value = optString(op, 'value', p);
    return value === undefined ? { name } : { name, value };
  });
  return { nameservers, searches, options };
}

function stringList(o: Obj, key: string, path: string): string[] {
  const list = optArray(o, key, path) ?? [];
  list.forEach((v, i) => {
    if (typeof v !== 'string') fail(`${path}.${key}[${i}]`, 'must be a string');
  });
  return list as string[];
}

// ---------------------------------------------------------------------------------------------
// podrun's annotation

const ANNOTATION_FIELD = `metadata.annotations[${NETWORK_ANNOTATION}]`;

/** `podrun.io/network: none` is the only value; it excludes hostNetwork and hostPorts (no pod IP). */
export function checkNetworkAnnotation(metadata: PodMetadata, hostNetwork: boolean, containers: Container[]): void {
  const v = metadata.annotations[NETWORK_ANNOTATION];
  if (v === undefined) return;
  if (v !== NETWORK_NONE) fail(ANNOTATION_FIELD, `${quote(v)}: must be "${NETWORK_NONE}" (a pod with loopback only)`);
  if (hostNetwork) fail(ANNOTATION_FIELD, `"${NETWORK_NONE}": may not be set with spec.hostNetwork: true`);
  containers.forEach((c, i) =>
    c.ports?.forEach((p, j) => {
      if (p.hostPort !== undefined) {
        fail(`spec.containers[${i}].ports[${j}].hostPort`, `cannot be published by a pod without network (${NETWORK_ANNOTATION}: ${NETWORK_NONE})`);
      }
    }),
  );
}
