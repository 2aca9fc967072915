// The kubelet's httpGet probe rules, as pure functions: request URL and headers
// (pkg/probe/http/request.go), which redirects to follow (RedirectChecker in http.go plus
// Go's http.Client), and what a final response means (DoHTTPProbe). No I/O here.
import { joinHostPort, type ProbeOutcome } from './types.js';

export interface HttpHeader {
  name: string;
  value: string;
}

/** The kubelet reads at most this much of a response body (the rest is never read). */
export const MAX_BODY_BYTES = 10 * 1024;
/** Go's http.Client gives up at the 10th redirect response. */
export const MAX_REDIRECTS = 10;

/**
 * The probe's URL. The path is taken as given below the origin (a missing leading "/"
 * is added; a fragment is dropped), as formatURL does with url.Parse(path).
 */
export function probeUrl(scheme: 'HTTP' | 'HTTPS', host: string, port: number, path: string): URL {
  const origin = `${scheme.toLowerCase()}://${joinHostPort(host, port)}`;
  return new URL(`${origin}${path.startsWith('/') ? '' : '/'}${path}`);
}

/** "GET /x?y" target of a URL. */
export function requestTarget(url: URL): string {
  return `${url.pathname}${url.search}`;
}

export interface ProbeHeaders {
  /** Header lines other than Host, in order (a name may repeat). */
  lines: [string, string][];
  /** The Host header's value when httpHeaders sets one (Go: req.Host = headers.Get("Host")). */
  host?: string;
}

// Go writes these from request fields, never from the header map (reqWriteExcludeHeader);
// User-Agent and Host are handled below, the framing ones would corrupt a GET.
const NOT_FROM_MAP = new Set(['host', 'user-agent', 'content-length', 'transfer-encoding', 'trailer']);

/**
 * httpHeaders with the kubelet's defaults: User-Agent unless given (given empty: none is
 * sent), Accept: *\/* unless given (given empty: none is sent), Host from the headers.
 * Names compare case-insensitively (Go canonicalizes them); repeated names keep every value.
 */
export function probeHeaders(given: HttpHeader[], defaultUserAgent: string): ProbeHeaders {
  const valuesOf = (name: string) => given.filter((h) => h.name.toLowerCase() === name).map((h) => h.value);
  const userAgent = valuesOf('user-agent');
  const accept = valuesOf('accept');
  const host = valuesOf('host')[0];

  const lines: [string, string][] = [];
  const ua = userAgent.length ? userAgent[0] : defaultUserAgent;
  if (ua) lines.push(['User-Agent', ua]);
  if (!accept.length) lines.push(['Accept', '*/*']);
  for (const h of given) {
    const lower = h.name.toLowerCase();
    if (NOT_FROM_MAP.has(lower)) continue;
    if (lower === 'accept' && accept[0] === '') continue; // overridden but empty: removed
    lines.push([h.name, h.value]);
  }
  return { lines, host: host || undefined };
}

/** The next request of a probe, and what to do with a response to the current one. */
export interface Hop {
  url: URL;
  /** The Host header to send. */
  host: string;
  /** Referer, set on redirects as Go does. */
  referer?: string;
}

export type RedirectStep =
  | { kind: 'final' } // this response is the probe's answer
  | { kind: 'follow'; next: Hop }
  | { kind: 'error'; url: string; message: string }; // the client fails: probe Failure

const FOLLOWED = new Set([301, 302, 303, 307, 308]);

/**
 * What Go's http.Client with the kubelet's RedirectChecker does with a response:
 * `hopsSoFar` requests have been made (1 for the first response); `first` is the first
 * hop (its hostname is the reference; a custom Host survives relative redirects).
 */
export function redirectStep(
  status: number,
  location: string | undefined,
  current: Hop,
  first: Hop,
  hopsSoFar: number,
): RedirectStep {
  // Go returns 3xx without a Location, and the codes it does not follow, as they are.
  if (!FOLLOWED.has(status) || !location) return { kind: 'final' };
  let url: URL;
  try {
    url = new URL(location, current.url);
  } catch {
    return { kind: 'error', url: current.url.href, message: `failed to parse Location header ${JSON.stringify(location)}` };
  }
  url.hash = '';
  // Another host: not followed, the 3xx itself is the answer (a Warning).
  if (url.hostname !== first.url.hostname) return { kind: 'final' };
  if (hopsSoFar >= MAX_REDIRECTS) return { kind: 'error', url: location, message: `stopped after ${MAX_REDIRECTS} redirects` };
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { kind: 'error', url: url.href, message: `unsupported protocol scheme ${JSON.stringify(url.protocol.slice(0, -1))}` };
  }
  const customHost = first.host !== firstDefaultHost(first.url);
  const relative = !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(location);
  return {
    kind: 'follow',
    next: {
      url,
      host: customHost && relative ? first.host : url.host,
      // No Referer from https to http (Go's refererForURL).
      referer: current.url.protocol === 'https:' && url.protocol === 'http:' ? undefined : current.url.href,
    },
  };
}

/** The first hop: Go's default Host is the URL's host:port (with the port, even 80). */
export function firstHop(url: URL, customHost: string | undefined): Hop {
  return { url, host: customHost ?? firstDefaultHost(url) };
}

function firstDefaultHost(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname}:${port}`;
}

/** The probe result of the final response (DoHTTPProbe). */
export function httpOutcome(status: number, body: string): ProbeOutcome {
  if (status >= 200 && status < 400) {
    if (status >= 300) return { result: 'Warning', output: `Probe terminated redirects, Response body: ${body}`, httpStatus: status };
    return { result: 'Success', output: body, httpStatus: status };
  }
  // Never the body here: it would land in events (kubernetes#99425).
  return { result: 'Failure', output: `HTTP probe failed with statuscode: ${status}`, httpStatus: status };
}
