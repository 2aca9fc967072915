// Where a registry is and how to talk to it. docker.io is served at registry-1.docker.io
// (Docker's and Podman's mapping); every other domain is its own host. HTTPS with verified
// certificates always, except, as the CLI contract says, for loopback registries
// (localhost, 127.0.0.0/8, ::1), which are tried over plain HTTP first and then over HTTPS
// without certificate checks, and with --insecure, where the order is the other way round
// (as Docker treats its insecure registries). Loopback registries are nearly always plain
// HTTP; trying TLS first would cost a process ~25 ms of TLS set-up for nothing.
import { DEFAULT_DOMAIN } from '../../model/image-reference.js';

export interface RegistryEndpoint {
  /** The reference's domain, as auth files key it: `docker.io`, `127.0.0.1:5000`. */
  domain: string;
  /** `https://registry-1.docker.io`, `http://127.0.0.1:5000` (no trailing slash). */
  base: string;
  /** Certificates are checked (false only where plain HTTP would be allowed too). */
  verifyTls: boolean;
}

const DOCKER_HUB_HOST = 'registry-1.docker.io';

/** The host of a `host[:port]` or `[v6]:port` domain, without the port and brackets. */
export function hostOf(domain: string): string {
  if (domain.startsWith('[')) return domain.slice(1, domain.indexOf(']'));
  const colon = domain.lastIndexOf(':');
  return colon >= 0 ? domain.slice(0, colon) : domain;
}

/** True for localhost, 127.0.0.0/8 and ::1: hosts whose traffic never leaves the machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (/^127(\.\d{1,3}){3}$/.test(h)) return h.split('.').every((o) => Number(o) <= 255);
  return h === '::1' || h === '0:0:0:0:0:0:0:1';
}

/** May plain HTTP be used for this `host[:port]` (a domain, or a URL's host)? */
export function plainHttpAllowed(domain: string, insecure: boolean): boolean {
  return insecure || isLoopbackHost(hostOf(domain));
}

/** The endpoints to try, in order. */
export function registryEndpoints(domain: string, insecure: boolean): RegistryEndpoint[] {
  const server = domain === DEFAULT_DOMAIN ? DOCKER_HUB_HOST : domain;
  if (!plainHttpAllowed(server, insecure)) return [{ domain, base: `https://${server}`, verifyTls: true }];
  const tls = { domain, base: `https://${server}`, verifyTls: false };
  const plain = { domain, base: `http://${server}`, verifyTls: false };
  return isLoopbackHost(hostOf(server)) ? [plain, tls] : [tls, plain];
}

/** /v2/<name>/manifests/<tag or digest> */
export function manifestUrl(ep: RegistryEndpoint, path: string, reference: string): URL {
  return new URL(`${ep.base}/v2/${path}/manifests/${encodeURIComponent(reference)}`);
}

/** /v2/<name>/blobs/<digest> */
export function blobUrl(ep: RegistryEndpoint, path: string, digest: string): URL {
  return new URL(`${ep.base}/v2/${path}/blobs/${digest}`);
}
