// The contents of a pod's /etc/hosts and /etc/resolv.conf, as the kubelet makes them
// (kubelet_pods.go: managedHostsFileContent, nodeHostsFileContent; network/dns/dns.go:
// GetPodDNS) and containerd writes resolv.conf from them. Pure: the caller reads the host's
// files. docs/kubernetes-semantics.md §10.
import type { DNSPolicy, HostAlias, PodDNSConfig } from '../model/pod.js';

export interface HostsFileInput {
  hostname: string;
  podIPs: string[];
  /** hostname.subdomain.namespace.svc.cluster.local, when spec.subdomain is set. */
  fqdn?: string;
  hostAliases: HostAlias[];
  hostNetwork: boolean;
  /** The host's /etc/hosts, which a hostNetwork pod gets (absent: none). */
  hostHosts?: string;
}

export function hostsFile(o: HostsFileInput): string {
  if (o.hostNetwork) return '# Kubernetes-managed hosts file (host network).\n' + (o.hostHosts ?? '') + aliasLines(o.hostAliases);
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  const names = o.fqdn === undefined ? o.hostname : `${o.fqdn}\t${o.hostname}`;
  // Without a pod IP (a pod without network) the hostname still has to resolve, as on a node.
  const ips = o.podIPs.length ? o.podIPs : ['127.0.1.1'];
  for (const ip of ips) lines.push(`${ip}\t${names}`);
  return lines.join('\n') + '\n' + aliasLines(o.hostAliases);
}

function aliasLines(aliases: HostAlias[]): string {
  if (aliases.length === 0) return '';
  return '\n# Entries added by HostAliases.\n' + aliases.map((a) => `${a.ip}\t${a.hostnames.join('\t')}\n`).join('');
}

// ---------------------------------------------------------------------------------------------
// resolv.conf

export interface ResolvConfInput {
  dnsPolicy: DNSPolicy;
  dnsConfig?: PodDNSConfig;
  /** The host's /etc/resolv.conf ('' when it has none). */
  hostResolv: string;
}

interface Resolver {
  servers: string[];
  searches: string[];
  options: string[]; // "name" or "name:value"
}

// The kubelet's limits when it forms the file (MaxDNSNameservers, the expanded search limits,
// and no search domain longer than a DNS name: glibc aborts on those).
const MAX_SERVERS = 3;
const MAX_SEARCHES = 32;
const MAX_SEARCH_CHARS = 2048;
const MAX_SEARCH_LEN = 253;

/**
 * There is no cluster DNS here, so ClusterFirst and ClusterFirstWithHostNet fall back to
 * Default as the kubelet does without --cluster-dns: the host's resolver. None starts empty.
 * dnsConfig is then merged in: nameservers and searches appended without duplicates,
 * options merged by name (dnsConfig's value wins).
 */
export function resolvConf(o: ResolvConfInput): string {
  const base: Resolver = o.dnsPolicy === 'None' ? { servers: [], searches: [], options: [] } : parseResolv(o.hostResolv);
  const merged = o.dnsConfig ? merge(base, o.dnsConfig) : base;
  return render(fitLimits(merged));
}

/** As the kubelet's parseResolvConf: nameservers add up; the last search and options lines win. */
function parseResolv(text: string): Resolver {
  const r: Resolver = { servers: [], searches: [], options: [] };
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const [key, ...rest] = fields;
    if (key === 'nameserver' && rest[0]) r.servers.push(rest[0]);
    // The same domain with and without its trailing dot counts once.
    if (key === 'search') r.searches = rest.map((s) => s.replace(/\.$/, ''));
    if (key === 'options') r.options = rest;
  }
  return r;
}

function merge(base: Resolver, cfg: PodDNSConfig): Resolver {
  const options = new Map<string, string>();
  for (const op of base.options) {
    const i = op.indexOf(':');
    options.set(i === -1 ? op : op.slice(0, i), i === -1 ? '' : op.slice(i + 1));
  }
  for (const op of cfg.options) options.set(op.name, op.value ?? '');
  return {
    servers: unique([...base.servers, ...cfg.nameservers]),
    searches: unique([...base.searches, ...cfg.searches]),
    // The kubelet's map has no order; podrun keeps the host's, then dnsConfig's new names.
    options: [...options].map(([name, value]) => (value ? `${name}:${value}` : name)),
  };
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

function fitLimits(r: Resolver): Resolver {
  const searches = r.searches.slice(0, MAX_SEARCHES).filter((s) => s.length <= MAX_SEARCH_LEN);
  while (searches.join(' ').length > MAX_SEARCH_CHARS) searches.pop();
  return { servers: r.servers.slice(0, MAX_SERVERS), searches, options: r.options };
}

// containerd's order (parseDNSOptions): search, nameservers, options.
function render(r: Resolver): string {
  const lines: string[] = [];
  if (r.searches.length) lines.push(`search ${r.searches.join(' ')}`);
  for (const s of r.servers) lines.push(`nameserver ${s}`);
  if (r.options.length) lines.push(`options ${r.options.join(' ')}`);
  return lines.map((l) => l + '\n').join('');
}
