// The per-pod /etc files, as the kubelet writes them (POD-SEMANTICS.md 1.9).
import { readFileSync } from 'node:fs';

export function hostsFile(hostname: string, podIPs: string[]): string {
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  for (const ip of podIPs) lines.push(`${ip}\t${hostname}`);
  // Without a pod IP the hostname still has to resolve, as it would on a node.
  if (podIPs.length === 0) lines.push(`127.0.1.1\t${hostname}`);
  return lines.join('\n') + '\n';
}

/** dnsPolicy Default: the node's resolv.conf (there is no cluster DNS on one machine). */
export function resolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}
