// The image verbs' JSON shapes (the CLI contract): list's {"images":[...]} and
// inspect's {"id","names","digest","size","created","config","layers"}.
import { familiarImageReference, parseImageReference } from '../model/image-reference.js';
import type { ExecConfig } from './oci/documents.js';
import type { ImageRecord } from './store/records.js';

export interface ImageListItem {
  id: string;
  names: string[];
  size: number;
  created: string | null;
}

export interface ImageInspectView extends ImageListItem {
  digest: string;
  config: ExecConfig;
  layers: { digest: string; diffId: string; mediaType: string; size: number }[];
}

export function listItem(r: ImageRecord): ImageListItem {
  return { id: r.id, names: r.names, size: r.size, created: r.created ?? null };
}

/** The image spec's `config` keys; Docker's others (Hostname, AttachStdin, ...) are left out. */
const OCI_CONFIG_KEYS = [
  'User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir', 'Labels', 'StopSignal',
  'ArgsEscaped', 'Memory', 'MemorySwap', 'CpuShares', 'Healthcheck',
];

export function inspectView(r: ImageRecord, config: ExecConfig | undefined): ImageInspectView {
  const oci = Object.fromEntries(OCI_CONFIG_KEYS.filter((k) => config?.[k] !== undefined && config[k] !== null).map((k) => [k, config![k]]));
  return { ...listItem(r), digest: r.digest, config: oci as ExecConfig, layers: r.layers.map((l) => ({ ...l })) };
}

/** [repository, tag] for people (`busybox`, `1.36`); `<none>` for an image without names. */
export function familiarNames(r: ImageRecord): [string, string][] {
  if (r.names.length === 0) return [['<none>', '<none>']];
  return r.names.map((n) => {
    const ref = parseImageReference(n);
    if (typeof ref === 'string') return [n, '<none>'];
    const short = familiarImageReference({ domain: ref.domain, path: ref.path });
    return [short, ref.tag ?? '<none>'];
  });
}

/** 1.2MB, 45kB: sizes as Docker prints them (decimal units). */
export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? Math.round(v) : v.toFixed(v < 10 ? 2 : 1)}${units[i]}`;
}
