// Registry credentials from the auth files Podman and Docker write (`podman login`,
// `docker login`), looked up in containers-auth.json(5)'s order:
//   1. $REGISTRY_AUTH_FILE, when set: that file only (as Podman's --authfile);
//   2. ${XDG_RUNTIME_DIR}/containers/auth.json (/run/containers/UID/auth.json without it);
//   3. ${XDG_CONFIG_HOME:-~/.config}/containers/auth.json;
//   4. ${DOCKER_CONFIG:-~/.docker}/config.json.
// The first file with an entry for the registry wins. Entries are keyed by host, or by
// host/namespace (the longest match wins); URL-style keys (https://index.docker.io/v1/)
// count by their host, and docker.io, index.docker.io and registry-1.docker.io are one.
// Only `auth` (base64 user:password) is read: credential helpers are not run.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PodrunError } from '../../util/errors.js';

export interface Credentials {
  username: string;
  password: string;
}

export interface AuthEnv {
  REGISTRY_AUTH_FILE?: string;
  XDG_RUNTIME_DIR?: string;
  XDG_CONFIG_HOME?: string;
  DOCKER_CONFIG?: string;
  HOME?: string;
}

/** The auth files to read, first first. */
export function authFilePaths(env: AuthEnv, uid: number, home: string): string[] {
  if (env.REGISTRY_AUTH_FILE) return [env.REGISTRY_AUTH_FILE];
  return [
    env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json') : `/run/containers/${uid}/auth.json`,
    join(env.XDG_CONFIG_HOME || join(home, '.config'), 'containers', 'auth.json'),
    join(env.DOCKER_CONFIG || join(home, '.docker'), 'config.json'),
  ];
}

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** An auth file key as a `host[/namespace...]` comparable with a reference's repository. */
export function normaliseAuthKey(key: string): string {
  let k = key.trim();
  const scheme = /^https?:\/\//.exec(k);
  // A URL-style key (Docker's legacy https://index.docker.io/v1/) names its host only.
  if (scheme) k = k.slice(scheme[0].length).split('/')[0]!;
  k = k.replace(/\/+$/, '');
  const [host, ...rest] = k.split('/');
  return [DOCKER_HUB_ALIASES.has(host!) ? 'docker.io' : host, ...rest].join('/');
}

/**
 * The credentials in one parsed auth file for `domain/path`: the longest key that is the
 * repository or one of its parents, down to the bare host. `file` names it in errors.
 */
export function credentialsIn(doc: unknown, domain: string, path: string, file: string): Credentials | undefined {
  const auths = (doc as { auths?: unknown })?.auths;
  if (!auths || typeof auths !== 'object') return undefined;
  const byKey = new Map<string, unknown>();
  for (const [k, v] of Object.entries(auths as Record<string, unknown>)) byKey.set(normaliseAuthKey(k), v);
  const parts = [normaliseAuthKey(domain), ...path.split('/')];
  for (let n = parts.length; n >= 1; n--) {
    const key = parts.slice(0, n).join('/');
    const entry = byKey.get(key) as { auth?: unknown } | undefined;
    if (!entry || typeof entry.auth !== 'string' || entry.auth === '') continue;
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) throw new PodrunError(`${file}: auths[${JSON.stringify(key)}].auth is not base64 of user:password`);
    return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  return undefined;
}

/** The credentials for `domain/path` from the first auth file that has them. */
export function findCredentials(domain: string, path: string, env: AuthEnv = process.env, uid = process.getuid?.() ?? 0): Credentials | undefined {
  for (const file of authFilePaths(env, uid, env.HOME || homedir())) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
      throw new PodrunError(`reading the auth file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new PodrunError(`the auth file ${file} is not valid JSON (${(e as Error).message})`);
    }
    const found = credentialsIn(doc, domain, path, file);
    if (found) return found;
  }
  return undefined;
}
