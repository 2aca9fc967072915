// The per-pod /etc files (hostname, hosts, resolv.conf) as the kubelet writes them: one
// copy in the pod directory, which every container of the pod gets bound over its own.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxStep } from './sandbox-step.js';

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

export const etcFilesStep: SandboxStep = {
  name: 'etc-files',
  setUp({ paths, rec }) {
    mkdirSync(paths.etcDir, { recursive: true });
    writeFileSync(join(paths.etcDir, 'hostname'), rec.hostname + '\n');
    writeFileSync(join(paths.etcDir, 'hosts'), hostsFile(rec.hostname, rec.network?.podIPs ?? []));
    writeFileSync(join(paths.etcDir, 'resolv.conf'), resolvConf());
  },
  undo({ paths }) {
    rmSync(paths.etcDir, { recursive: true, force: true });
  },
};
