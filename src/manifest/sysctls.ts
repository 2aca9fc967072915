// Pod securityContext.sysctls: only the namespaced ones, which the pod's own network or
// IPC namespace holds (Kubernetes' "safe" and "unsafe" namespaced sets alike); a node-wide
// one would change the host, so it is refused, as is a net.* one with hostNetwork (the
// kubelet's rule). Names take '.' or '/' separators, as Kubernetes accepts both.
import { quote } from '../model/names.js';
import type { Sysctl } from '../model/pod.js';
import { checkFields, fail, objects, optArray, reqString, type Obj } from './fields.js';

const NAME_RE = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;

/** The namespace that holds a sysctl (dot form), or undefined for a node-wide one. */
export function sysctlNamespace(dotted: string): 'net' | 'ipc' | undefined {
  if (dotted.startsWith('net.')) return 'net';
  if (/^kernel\.(shm|msg)/.test(dotted) || dotted === 'kernel.sem' || dotted.startsWith('fs.mqueue.')) return 'ipc';
  return undefined;
}

/** Kubernetes' normalisation: with '/' as the separator, a '.' is part of a name. */
export function dottedName(name: string): string {
  return name.match(/[./]/)?.[0] === '/' ? swapSeparators(name) : name;
}

/** The file under /proc/sys of a sysctl in dot form. */
export function sysctlPath(dotted: string): string {
  return `/proc/sys/${swapSeparators(dotted)}`;
}

function swapSeparators(name: string): string {
  return name.replace(/[./]/g, (ch) => (ch === '.' ? '/' : '.'));
}

export function parseSysctls(o: Obj, path: string, hostNetwork: boolean): Sysctl[] {
  const seen = new Set<string>();
  return objects(optArray(o, 'sysctls', path) ?? [], `${path}.sysctls`).map(([s, p]) => {
    checkFields(s, p, { known: ['name', 'value'] });
    const name = reqString(s, 'name', p);
    const value = reqString(s, 'value', p);
    const field = `${p}.name`;
    if (!NAME_RE.test(name)) fail(field, `${quote(name)}: must be a sysctl name (lower-case words separated by '.' or '/')`);
    const dotted = dottedName(name);
    if (seen.has(dotted)) fail(field, `Duplicate value ${quote(name)}`);
    seen.add(dotted);
    const ns = sysctlNamespace(dotted);
    if (!ns) fail(field, `${quote(name)}: not a namespaced sysctl; podrun sets only net.*, kernel.shm*, kernel.msg*, kernel.sem and fs.mqueue.*, which the pod's own namespaces hold`);
    if (ns === 'net' && hostNetwork) fail(field, `${quote(name)}: not allowed with spec.hostNetwork: true (it would change the host's network namespace)`);
    return { name: dotted, value };
  });
}
