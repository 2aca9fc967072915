// Answering a registry's 401 challenge (the distribution token spec). Bearer: GET the
// realm with `service` and `scope` (Basic credentials when there are any, anonymous
// otherwise) for a token, then send `Authorization: Bearer <token>`. Basic: send the
// credentials. Tokens are kept per realm, service and scope for the pull.
import { type Challenge } from './challenge.js';
import type { Credentials } from './auth-file.js';

export interface TokenResponse {
  token?: string;
  access_token?: string;
}

/** The realm URL of a token request for `scope` (the challenge's own scope if it has one). */
export function tokenUrl(challenge: Challenge, scope: string): URL | string {
  const realm = challenge.params.realm;
  if (!realm) return 'the Bearer challenge has no realm';
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    return `the Bearer challenge's realm ${JSON.stringify(realm)} is not a URL`;
  }
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  for (const s of new Set([scope, ...(challenge.params.scope ? challenge.params.scope.split(' ') : [])])) url.searchParams.append('scope', s);
  return url;
}

/** The token in a token endpoint's JSON answer (`token`, or OAuth2's `access_token`). */
export function tokenFrom(doc: unknown): string | undefined {
  const t = doc as TokenResponse | null;
  const token = t && typeof t === 'object' ? (t.token ?? t.access_token) : undefined;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

export function basicAuthorization(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

/** `repository:<path>:pull`, the scope a pull needs. */
export function pullScope(path: string): string {
  return `repository:${path}:pull`;
}

/** The challenge to answer: Bearer before Basic; undefined when there is none we speak. */
export function pickChallenge(challenges: Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}
