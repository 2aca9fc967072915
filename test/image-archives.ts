// Test-only builders of tar archives and OCI image layouts, written byte by byte so that
// tests can make what real tools make (pax xattrs, device nodes, hard links, whiteouts)
// and what they never would (escapes, links out, truncation, bombs, bad digests).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface TarSpec {
  path: string;
  type?: 'file' | 'dir' | 'symlink' | 'link' | 'char' | 'block' | 'fifo';
  content?: string | Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkpath?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Record<string, string | Buffer>;
}

const FLAG = { file: '0', link: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' } as const;

function header(name: string, flag: string, size: number, e: Partial<TarSpec>): Buffer {
  const b = Buffer.alloc(512);
  const str = (s: string, off: number, len: number) => b.write(s, off, Math.min(len, Buffer.byteLength(s)), 'utf8');
  const oct = (n: number, off: number, len: number) => b.write(n.toString(8).padStart(len - 1, '0') + '\0', off, len, 'latin1');
  str(name.slice(0, 100), 0, 100);
  oct(e.mode ?? (flag === '5' ? 0o755 : 0o644), 100, 8);
  oct(e.uid ?? 0, 108, 8);
  oct(e.gid ?? 0, 116, 8);
  oct(size, 124, 12);
  oct(e.mtime ?? 1700000000, 136, 12);
  b.write(flag, 156, 1, 'latin1');
  str(e.linkpath ?? '', 157, 100);
  b.write('ustar\0' + '00', 257, 8, 'latin1');
  oct(e.devmajor ?? 0, 329, 8);
  oct(e.devminor ?? 0, 337, 8);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return b;
}

const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

/** A tar archive of the entries, with pax headers for long paths and xattrs. */
export function tarOf(entries: TarSpec[], opts: { endMarker?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const type = e.type ?? 'file';
    const content = type === 'file' ? Buffer.from(e.content ?? '') : Buffer.alloc(0);
    const pax: Buffer[] = [];
    if (Buffer.byteLength(e.path) > 100) pax.push(paxRecord('path', Buffer.from(e.path)));
    for (const [k, v] of Object.entries(e.xattrs ?? {})) pax.push(paxRecord(`SCHILY.xattr.${k}`, Buffer.from(v)));
    if (pax.length) {
      const body = Buffer.concat(pax);
      parts.push(header('PaxHeader', 'x', body.length, {}), body, pad(body.length));
    }
    parts.push(header(e.path, FLAG[type], content.length, e), content, pad(content.length));
  }
  if (opts.endMarker !== false) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface LayoutSpec {
  layers: Buffer[];
  /** Compress the layers (their digests are then of the compressed bytes). */
  gzip?: boolean | 'zstd';
  refName?: string;
  config?: Record<string, unknown>;
  /** Change the config's diff_ids, or the bytes of blobs after their digests were taken. */
  tamper?: { diffIds?: string[]; blob?: (digest: string, bytes: Buffer) => Buffer; manifest?: Buffer; configBytes?: Buffer };
}

/** Writes an OCI image layout into `dir`; returns the image ID (the config's digest). */
export function writeLayout(dir: string, spec: LayoutSpec): string {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (bytes: Buffer) => {
    const d = sha256(bytes);
    const stored = spec.tamper?.blob ? spec.tamper.blob(d, bytes) : bytes;
    writeFileSync(join(dir, 'blobs', 'sha256', d.slice(7)), stored);
    return d;
  };
  const compress = (l: Buffer) => (spec.gzip === 'zstd' ? execFileSync('zstd', ['-q', '-c'], { input: l }) : spec.gzip ? gzipSync(l) : l);
  const blobs = spec.layers.map(compress);
  const suffix = spec.gzip === 'zstd' ? '+zstd' : spec.gzip ? '+gzip' : '';
  const layerDescs = blobs.map((b) => ({
    mediaType: `application/vnd.oci.image.layer.v1.tar${suffix}`,
    digest: put(b),
    size: b.length,
  }));
  const config =
    spec.tamper?.configBytes ??
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        created: '2026-01-01T00:00:00Z',
        config: {},
        ...spec.config,
        rootfs: { type: 'layers', diff_ids: spec.tamper?.diffIds ?? spec.layers.map(sha256) },
      }),
    );
  const configDigest = put(config);
  const manifest =
    spec.tamper?.manifest ??
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
        layers: layerDescs,
      }),
    );
  const manifestDigest = put(manifest);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: manifestDigest,
          size: manifest.length,
          ...(spec.refName ? { annotations: { 'org.opencontainers.image.ref.name': spec.refName } } : {}),
        },
      ],
    }),
  );
  return configDigest;
}
