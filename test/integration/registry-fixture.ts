// A real registry for the pull tests: Debian's docker-registry (distribution 2.8), started
// in the test file's stand-in host namespace on a loopback port with a config of its own
// (filesystem storage in a temp dir, JSON logs: one "response completed" line per request
// with its URI, status and bytes written, which the tests count), and images pushed to it
// by skopeo from OCI layouts umoci makes of the busybox fixture.
import { execa, type ResultPromise } from 'execa';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX, inStandInHost, until } from './helpers.js';

const has = (tool: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const missing = ['docker-registry', 'skopeo', 'umoci', 'openssl', 'perl'].filter((t) => !has(t));
/** Why the registry tests cannot run here, or undefined. */
export const registryMissing = missing.length ? `needs ${missing.join(', ')} (run \`make setup\`: scripts/install-host-deps.sh installs them)` : undefined;

export const TOKEN_ISSUER = 'podrun-test-issuer';

export interface RegistryRequest {
  method: string;
  uri: string;
  status: number;
  written: number;
}

export interface Registry {
  /** `ADDRESS:PORT` */
  host: string;
  requests(): RegistryRequest[];
  stop(): Promise<void>;
}

export type RegistryAuth = { htpasswd: string } | { token: { realm: string; cert: string } };

export interface RegistryOptions {
  auth?: RegistryAuth;
  /** HTTPS with this key and certificate (plain HTTP without). */
  tls?: { key: string; cert: string };
  /** The address to listen on; 127.0.0.1 unless given. */
  address?: string;
}

/** Starts docker-registry on ADDRESS:port in the stand-in host: open, or with Basic (htpasswd) or token auth. */
export async function startRegistry(port: number, { auth, tls, address = '127.0.0.1' }: RegistryOptions = {}): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), 'podrun-test-registry-'));
  const log = join(dir, 'registry.log');
  const config = [
    'version: 0.1',
    'log: {level: info, formatter: json, accesslog: {disabled: true}}',
    `storage: {filesystem: {rootdirectory: ${join(dir, 'data')}}, delete: {enabled: true}}`,
    `http: {addr: "${address}:${port}", secret: podrun-test${tls ? `, tls: {certificate: ${tls.cert}, key: ${tls.key}}` : ''}}`,
    ...(auth && 'htpasswd' in auth ? [`auth: {htpasswd: {realm: podrun-test, path: ${auth.htpasswd}}}`] : []),
    ...(auth && 'token' in auth
      ? [`auth: {token: {realm: "${auth.token.realm}", service: podrun-test, issuer: ${TOKEN_ISSUER}, rootcertbundle: ${auth.token.cert}}}`]
      : []),
  ].join('\n');
  writeFileSync(join(dir, 'config.yml'), config + '\n');
  const proc: ResultPromise = execa(...inStandInHost('sh', ['-c', `exec docker-registry serve ${join(dir, 'config.yml')} 2>>${log}`]), { reject: false });
  await until('the registry to listen', () => existsSync(log) && readFileSync(log, 'utf8').includes('"msg":"listening on'), 15_000);
  return {
    host: `${address}:${port}`,
    requests: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"msg":"response completed'))
        .map((l) => JSON.parse(l))
        .map((e) => ({ method: e['http.request.method'], uri: e['http.request.uri'], status: e['http.response.status'], written: e['http.response.written'] ?? 0 })),
    stop: async () => {
      proc.kill('SIGKILL');
      await proc;
      execFileSync('rm', ['-rf', dir]);
    },
  };
}

/**
 * An OCI layout of the busybox fixture (tag 1.36), with an extra file of `extraBytes` random
 * bytes as a second layer. Keep `extraBytes` a multiple of 512: umoci 0.4 writes a single
 * inserted file without the tar padding after it (GNU tar refuses such a layer too).
 */
export function busyboxLayout(extraBytes = 0): string {
  const dir = mkdtempSync(join(tmpdir(), 'podrun-test-layout-'));
  const layout = join(dir, 'oci');
  const umoci = (...args: string[]) => execFileSync('umoci', args, { stdio: 'pipe' });
  umoci('init', '--layout', layout);
  umoci('new', '--image', `${layout}:1.36`);
  umoci('insert', '--image', `${layout}:1.36`, BUSYBOX, '/');
  if (extraBytes > 0) {
    const blob = join(dir, 'random.bin');
    execFileSync('sh', ['-c', `head -c ${extraBytes} /dev/urandom > ${blob}`]);
    umoci('insert', '--image', `${layout}:1.36`, blob, '/random.bin');
  }
  umoci('config', '--image', `${layout}:1.36`, '--config.cmd', 'sh');
  umoci('gc', '--layout', layout);
  return layout;
}

/**
 * A layout whose tag `multi` is an OCI index of two images: linux/arm64 (one small random
 * file) first, then linux/amd64 (the busybox fixture), tagged `arm` and `amd` too.
 */
export function multiPlatformLayout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'podrun-test-layout-'));
  const layout = join(dir, 'oci');
  const umoci = (...args: string[]) => execFileSync('umoci', args, { stdio: 'pipe' });
  umoci('init', '--layout', layout);
  umoci('new', '--image', `${layout}:amd`);
  umoci('insert', '--image', `${layout}:amd`, BUSYBOX, '/');
  umoci('new', '--image', `${layout}:arm`);
  execFileSync('sh', ['-c', `head -c 4096 /dev/urandom > ${join(dir, 'arm-file')}`]);
  umoci('insert', '--image', `${layout}:arm`, join(dir, 'arm-file'), '/arm-file');
  umoci('gc', '--layout', layout);
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const entry = (tag: string, architecture: string) => {
    const { mediaType, digest, size } = manifestDescriptor(layout, tag);
    return { mediaType, digest, size, platform: { os: 'linux', architecture } };
  };
  const multi = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [entry('arm', 'arm64'), entry('amd', 'amd64')] }));
  const digest = `sha256:${createHash('sha256').update(multi).digest('hex')}`;
  writeFileSync(join(layout, 'blobs', 'sha256', digest.slice(7)), multi);
  index.manifests.push({ mediaType: 'application/vnd.oci.image.index.v1+json', digest, size: multi.length, annotations: { [REF_NAME]: 'multi' } });
  writeFileSync(join(layout, 'index.json'), JSON.stringify(index));
  return layout;
}

/**
 * skopeo copy of an OCI layout's tag (1.36 unless given) to the registry, from the stand-in
 * host. `--all` copies every image of an index; `v2s2` converts to Docker schema2 (and
 * an index to a Docker manifest list).
 */
export async function push(layout: string, registry: Registry, target: string, creds?: string, opts: { tag?: string; v2s2?: boolean } = {}): Promise<void> {
  const flags = ['--quiet', '--all', '--dest-tls-verify=false', ...(creds ? ['--dest-creds', creds] : []), ...(opts.v2s2 ? ['--format', 'v2s2'] : [])];
  await execa(...inStandInHost('skopeo', ['copy', ...flags, `oci:${layout}:${opts.tag ?? '1.36'}`, `docker://${registry.host}/${target}`]));
}

const REF_NAME = 'org.opencontainers.image.ref.name';

/** The descriptor of a tag's manifest in the layout's index.json. */
export function manifestDescriptor(layout: string, tag = '1.36'): { mediaType: string; digest: string; size: number } {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  return index.manifests.find((d: any) => d.annotations?.[REF_NAME] === tag);
}

/** The digest of the config blob of a tag's image: the image ID a pull must print. */
export function configDigest(layout: string, tag = '1.36'): string {
  const m = manifestDescriptor(layout, tag);
  return JSON.parse(readFileSync(join(layout, 'blobs', 'sha256', m.digest.slice(7)), 'utf8')).config.digest;
}

/** An htpasswd file for `user:password` (bcrypt, the only hash docker-registry takes; perl's crypt is libcrypt's). */
export function htpasswd(dir: string, user: string, password: string): string {
  const hash = execFileSync('perl', ['-e', 'print crypt($ARGV[0], q($2b$05$) . $ARGV[1])', password, 'podruntestsaltpodrunte']).toString();
  if (!hash.startsWith('$2b$05$')) throw new Error(`perl crypt made no bcrypt hash: ${hash}`);
  const file = join(dir, 'htpasswd');
  writeFileSync(file, `${user}:${hash}\n`);
  return file;
}

/** A Docker/Podman auth file with `user:password` for `host`. */
export function authFile(dir: string, host: string, user: string, password: string): string {
  const file = join(dir, 'auth.json');
  writeFileSync(file, JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } } }));
  return file;
}

export interface TokenServer {
  realm: string;
  cert: string;
  /** The query strings of the token requests so far. */
  requests(): string[];
  stop(): Promise<void>;
}

/** A fresh RSA key and self-signed certificate (for 127.0.0.1) in `dir`. */
export function selfSigned(dir: string, name: string): { key: string; cert: string } {
  const key = join(dir, `${name}-key.pem`);
  const cert = join(dir, `${name}-cert.pem`);
  const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-subj', `/CN=podrun-test-${name}`, '-days', '1'];
  execFileSync('openssl', [...args, '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { key, cert };
}

/** registry-token-server.mjs on 127.0.0.1:port in the stand-in host, with a fresh key and certificate. */
export async function startTokenServer(dir: string, port: number, creds: string): Promise<TokenServer> {
  const { key, cert } = selfSigned(dir, 'token');
  const script = join(import.meta.dirname, 'registry-token-server.mjs');
  const proc = execa(...inStandInHost(process.execPath, [script, String(port), key, cert, TOKEN_ISSUER, creds]), { reject: false });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await until('the token server to listen', () => out.includes('listening'), 15_000);
  return {
    realm: `http://127.0.0.1:${port}/token`,
    cert,
    requests: () => out.split('\n').filter((l) => l.startsWith('token ')).map((l) => l.slice('token '.length)),
    stop: async () => {
      proc.kill('SIGKILL');
      await proc;
    },
  };
}
