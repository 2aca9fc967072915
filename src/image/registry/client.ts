// One repository of one registry, as a pull sees it: finds the endpoint (HTTPS, or plain
// HTTP where allowed), answers auth challenges, fetches manifests and blobs. Its errors
// are plain one-line Errors; pull.ts adds the reference and the registry.
import { createHash } from 'node:crypto';
import type { ImageReference } from '../../model/image-reference.js';
import { findCredentials, type Credentials } from './auth-file.js';
import { basicAuthorization, pickChallenge, pullScope, tokenFrom, tokenUrl } from './auth.js';
import { parseChallenges, type Challenge } from './challenge.js';
import { blobUrl, manifestUrl, plainHttpAllowed, registryEndpoints, type RegistryEndpoint } from './endpoint.js';
import { Agents, httpGet, readBody, type HttpResponse } from './http-get.js';
import type { Descriptor } from '../oci/documents.js';
import { MANIFEST_ACCEPT, readManifest, type RegistryManifest } from './media-types.js';
import { writeVerified } from './verified-write.js';

/** containers/image's bound: a manifest larger than this is not one. */
const MANIFEST_LIMIT = 4 << 20;
const SMALL_LIMIT = 1 << 20;

export interface FetchedManifest {
  bytes: Buffer;
  /** sha256 of `bytes`. */
  digest: string;
  manifest: RegistryManifest;
}

export class RegistryClient {
  private readonly agents = new Agents();
  private endpoint: RegistryEndpoint | undefined;
  private authorization: string | undefined;
  private credentials: Credentials | undefined | null = null;
  /** Tokens by token request URL (realm, service, scope): one request for concurrent askers. */
  private readonly tokens = new Map<string, Promise<string>>();

  constructor(
    private readonly ref: ImageReference,
    private readonly insecure: boolean,
    private readonly signal?: AbortSignal,
  ) {}

  close(): void {
    this.agents.close();
  }

  /**
   * GET /v2/ on each candidate endpoint until one answers as a registry; answers its
   * challenge up front. A plain-HTTP attempt answered 400 is an HTTPS server's reply
   * ("Client sent an HTTP request to an HTTPS server"): the next endpoint is tried.
   */
  async connect(): Promise<void> {
    const candidates = registryEndpoints(this.ref.domain, this.insecure);
    let lastError: unknown;
    for (const [i, ep] of candidates.entries()) {
      let res: HttpResponse;
      try {
        res = await this.send(ep, new URL(`${ep.base}/v2/`), {});
      } catch (e) {
        if (this.signal?.aborted) throw e;
        lastError = e;
        continue;
      }
      res.body.resume();
      if (res.status === 400 && ep.base.startsWith('http:') && i < candidates.length - 1) {
        lastError = new Error(`GET ${ep.base}/v2/ answered 400`);
        continue;
      }
      this.endpoint = ep;
      if (res.status === 401) await this.authorize(res.challenges, undefined);
      else if (res.status !== 200) throw new Error(`GET /v2/ answered ${statusText(res)}: not a registry (OCI distribution API v2)`);
      return;
    }
    throw new Error(transportFailure(lastError, plainHttpAllowed(this.ref.domain, this.insecure)));
  }

  /** The manifest (or index) at a tag or digest; checked against the digest it is asked by. */
  async manifest(reference: string): Promise<FetchedManifest> {
    const res = await this.get(manifestUrl(this.ep, this.ref.path, reference), { accept: MANIFEST_ACCEPT });
    if (res.status !== 200) throw new Error(`manifest ${reference}: ${await failure(res)}`);
    const bytes = await readBody(res.body, MANIFEST_LIMIT);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (reference.startsWith('sha256:') && digest !== reference) throw new Error(`manifest ${reference}: digest mismatch: the bytes hash to ${digest}`);
    const said = res.headers['docker-content-digest'];
    if (typeof said === 'string' && said.startsWith('sha256:') && said !== digest) {
      throw new Error(`manifest ${reference}: digest mismatch: the registry says ${said}, the bytes hash to ${digest}`);
    }
    return { bytes, digest, manifest: readManifest(bytes, res.headers['content-type'], `manifest ${reference}`) };
  }

  /** A blob to `file`, verified while it streams; `onBytes` sees the running count. */
  async blob(desc: Descriptor, file: string, onBytes: (done: number) => void, signal?: AbortSignal): Promise<void> {
    const res = await this.get(blobUrl(this.ep, this.ref.path, desc.digest), {}, signal);
    if (res.status !== 200) throw new Error(`blob ${desc.digest}: ${await failure(res)}`);
    const length = res.headers['content-length'];
    if (length !== undefined && Number(length) !== desc.size) {
      res.body.destroy();
      throw new Error(`blob ${desc.digest}: the registry sends ${length} bytes, the manifest gives ${desc.size}`);
    }
    try {
      await writeVerified(res.body, file, desc, onBytes, signal);
    } catch (e) {
      throw new Error(`blob ${desc.digest}: ${(e as Error).message}`);
    }
  }

  private get ep(): RegistryEndpoint {
    if (!this.endpoint) throw new Error('not connected');
    return this.endpoint;
  }

  /** GET with the current authorization; a 401 is answered once and the request repeated. */
  private async get(url: URL, headers: Record<string, string>, signal = this.signal): Promise<HttpResponse> {
    const used = this.authorization;
    const res = await this.send(this.ep, url, headers, signal);
    if (res.status !== 401) return res;
    res.body.resume();
    await this.authorize(res.challenges, used);
    return this.send(this.ep, url, headers, signal);
  }

  private send(ep: RegistryEndpoint, url: URL, headers: Record<string, string>, signal = this.signal): Promise<HttpResponse> {
    return httpGet(this.agents, url, {
      headers: { ...headers, ...(this.authorization ? { authorization: this.authorization } : {}) },
      signal,
      verifyTls: ep.verifyTls,
      allowHttp: (host) => plainHttpAllowed(host, this.insecure),
    });
  }

  /** Sets the Authorization for `challenges`; throws when it would be `used` again. */
  private async authorize(headers: string[], used: string | undefined): Promise<void> {
    const challenge = pickChallenge(parseChallenges(headers));
    if (!challenge) throw new Error(`authentication required, by a scheme podrun does not speak (${headers.join('; ') || 'no WWW-Authenticate'})`);
    const creds = this.findCredentials();
    let next: string;
    if (challenge.scheme === 'basic') {
      if (!creds) throw new Error(`authentication required (Basic) and no credentials for ${this.ref.domain} in the auth files`);
      next = basicAuthorization(creds);
    } else {
      next = `Bearer ${await this.token(challenge, creds, used?.startsWith('Bearer ') ? used.slice('Bearer '.length) : undefined)}`;
    }
    if (next === used) throw new Error(`the registry refused the ${challenge.scheme === 'basic' ? 'credentials' : 'token'} (401 Unauthorized)`);
    this.authorization = next;
  }

  /** The token for the challenge's scope; a fresh one when `refused` is the one kept (it expired). */
  private async token(challenge: Challenge, creds: Credentials | undefined, refused?: string): Promise<string> {
    const url = tokenUrl(challenge, pullScope(this.ref.path));
    if (typeof url === 'string') throw new Error(url);
    const key = url.href;
    let pending = this.tokens.get(key);
    if (pending && refused !== undefined && (await pending.catch(() => undefined)) === refused) {
      // Another asker may have replaced it meanwhile: then theirs is the fresh one.
      if (this.tokens.get(key) === pending) this.tokens.delete(key);
      pending = this.tokens.get(key);
    }
    if (!pending) {
      pending = this.fetchToken(url, creds);
      this.tokens.set(key, pending);
      pending.catch(() => this.tokens.get(key) === pending && this.tokens.delete(key));
    }
    return pending;
  }

  private async fetchToken(url: URL, creds: Credentials | undefined): Promise<string> {
    if (url.protocol !== 'https:' && !plainHttpAllowed(url.host, this.insecure)) {
      throw new Error(`the token realm ${url.origin} is plain HTTP (that needs --insecure)`);
    }
    const res = await httpGet(this.agents, url, {
      headers: creds ? { authorization: basicAuthorization(creds) } : {},
      signal: this.signal,
      verifyTls: !plainHttpAllowed(url.host, this.insecure),
      allowHttp: (host) => plainHttpAllowed(host, this.insecure),
    });
    if (res.status !== 200) throw new Error(`the token server ${url.origin}${url.pathname}: ${await failure(res)}${creds ? '' : ' (no credentials in the auth files)'}`);
    const body = await readBody(res.body, SMALL_LIMIT);
    let doc: unknown;
    try {
      doc = JSON.parse(body.toString('utf8'));
    } catch {
      throw new Error(`the token server ${url.origin}${url.pathname} answered with something that is not JSON`);
    }
    const token = tokenFrom(doc);
    if (!token) throw new Error(`the token server ${url.origin}${url.pathname} answered without a token`);
    return token;
  }

  private findCredentials(): Credentials | undefined {
    if (this.credentials === null) this.credentials = findCredentials(this.ref.domain, this.ref.path);
    return this.credentials;
  }
}

/** Node's certificate verification codes (tls's X509 errors) that --insecure would skip. */
const CERTIFICATE_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT_ALTNAME_INVALID/;

/** A connection failure in one line: the errno code, or what TLS refused and what would help. */
function transportFailure(err: unknown, plainAllowed: boolean): string {
  const e = err as NodeJS.ErrnoException | undefined;
  if (!e?.code) return String(e?.message ?? err);
  if (CERTIFICATE_ERRORS.test(e.code)) return `the TLS certificate is not trusted: ${e.message} (${e.code}; --insecure skips certificate checks)`;
  // OpenSSL's text: "...:ssl3_get_record:wrong version number:..." -> "wrong version number".
  const ssl = /SSL routines:[^:]*:([^:]+):/.exec(e.message)?.[1];
  if (ssl) return `the TLS handshake failed (${ssl})${plainAllowed ? '' : ': a plain-HTTP registry needs --insecure'}`;
  return e.message.includes(e.code) ? e.message : `${e.code}: ${e.message}`;
}

function statusText(res: HttpResponse): string {
  return `${res.status}${res.body.statusMessage ? ` ${res.body.statusMessage}` : ''}`;
}

/** `404 Not Found (MANIFEST_UNKNOWN: manifest unknown)`: the status and the registry's own words. */
async function failure(res: HttpResponse): Promise<string> {
  let detail = '';
  try {
    const doc = JSON.parse((await readBody(res.body, SMALL_LIMIT)).toString('utf8')) as { errors?: { code?: string; message?: string }[] };
    detail = (doc.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(': ')).filter(Boolean).join('; ');
  } catch {
    res.body.destroy();
  }
  return `${statusText(res)}${detail ? ` (${detail})` : ''}`;
}
