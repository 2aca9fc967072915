// Image references as Docker and the kubelet read them (distribution/reference's grammar):
//   [domain[:port]/]path[:tag][@algorithm:hex]
// normalised as Docker does: no domain means docker.io, a one-component docker.io path gets
// `library/`, and no tag and no digest means `:latest`. Validators return a one-line error.

import { quote } from './names.js';

export interface ImageReference {
  /** Registry host with optional port: `docker.io`, `localhost:5000`, `[::1]:5000`. */
  domain: string;
  /** Repository path inside the registry: `library/busybox`, `team/app`. */
  path: string;
  /** `latest` when the text had neither a tag nor a digest. */
  tag?: string;
  /** `sha256:<64 hex>` */
  digest?: string;
}

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAINS = new Set(['index.docker.io', 'registry-1.docker.io']);
const NAME_MAX = 255;

const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_RE = /^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;
const ID_RE = /^[a-f0-9]{64}$/;

/** An ImageReference, or a one-line reason (the text quoted first). */
export function parseImageReference(text: string): ImageReference | string {
  const bad = (why: string) => `${quote(text)}: ${why}`;
  if (text === '') return bad('an image reference must not be empty');
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) return bad(`the digest ${quote(digest)} must be sha256: and 64 lowercase hex digits`);
  }
  // A tag follows the last ':' that comes after the last '/' (a domain's port has a '/' after it).
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) return bad(`the tag ${quote(tag)} must be 1-128 of a-z A-Z 0-9 _ . - (not starting with . or -)`);
  }
  if (rest.length > NAME_MAX) return bad(`the repository name must be at most ${NAME_MAX} characters`);
  let domain = DEFAULT_DOMAIN;
  let components = rest.split('/');
  const first = components[0] ?? '';
  if (components.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    if (!DOMAIN_RE.test(first)) return bad(`the registry ${quote(first)} is not a valid host[:port]`);
    domain = LEGACY_DEFAULT_DOMAINS.has(first) ? DEFAULT_DOMAIN : first;
    components = components.slice(1);
  }
  for (const c of components) {
    if (!PATH_COMPONENT_RE.test(c)) {
      return bad(`the repository name component ${quote(c)} must be lowercase a-z 0-9, separated by '.', '_', '__' or '-'`);
    }
  }
  if (domain === DEFAULT_DOMAIN && components.length === 1) {
    if (ID_RE.test(components[0] ?? '')) return bad('a 64-hex-digit name is an image ID, not a repository name');
    components = ['library', ...components];
  }
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { domain, path: components.join('/'), ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** `domain/path`, the repository a reference names. */
export function repositoryOf(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The fully normalised text: `docker.io/library/busybox:1.36`, `localhost:5000/app@sha256:…`. */
export function formatImageReference(ref: ImageReference): string {
  return `${repositoryOf(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** Docker's short form for people: `busybox:1.36`, `team/app:v2` (docker.io only), else the full text. */
export function familiarImageReference(ref: ImageReference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return formatImageReference(ref);
  const full = formatImageReference(ref).slice(DEFAULT_DOMAIN.length + 1);
  return full.startsWith('library/') ? full.slice('library/'.length) : full;
}

/** Kubernetes' default imagePullPolicy (core/v1 defaults): Always for the tag `latest` (given or implied), else IfNotPresent. */
export function defaultPullPolicy(ref: ImageReference): 'Always' | 'IfNotPresent' {
  return ref.tag === 'latest' ? 'Always' : 'IfNotPresent';
}
