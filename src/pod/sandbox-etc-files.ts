// The sandbox step that writes the pod's /etc files (hostname, hosts, resolv.conf): one copy
// in the pod directory, which every container of the pod gets bound over its own.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { podFqdn, podNetworkMode } from '../model/pod-network.js';
import { hostsFile, resolvConf } from './hosts-files.js';
import type { SandboxStep } from './sandbox-step.js';

/** A host file, or undefined when the host has none. */
function readHostFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export const etcFilesStep: SandboxStep = {
  name: 'etc-files',
  setUp({ pod, paths, rec }) {
    const hostNetwork = podNetworkMode(pod) === 'host';
    const fqdn = podFqdn(pod, rec.hostname);
    const hosts = hostsFile({
      hostname: rec.hostname,
      podIPs: rec.network?.podIPs ?? [],
      ...(fqdn !== undefined ? { fqdn } : {}),
      hostAliases: pod.spec.hostAliases ?? [],
      hostNetwork,
      ...(hostNetwork ? { hostHosts: readHostFile('/etc/hosts') } : {}),
    });
    const resolv = resolvConf({
      dnsPolicy: pod.spec.dnsPolicy ?? 'ClusterFirst',
      ...(pod.spec.dnsConfig ? { dnsConfig: pod.spec.dnsConfig } : {}),
      hostResolv: readHostFile('/etc/resolv.conf') ?? '',
    });
    mkdirSync(paths.etcDir, { recursive: true });
    writeFileSync(join(paths.etcDir, 'hostname'), rec.hostname + '\n');
    writeFileSync(join(paths.etcDir, 'hosts'), hosts);
    writeFileSync(join(paths.etcDir, 'resolv.conf'), resolv);
  },
  undo({ paths }) {
    rmSync(paths.etcDir, { recursive: true, force: true });
  },
};
