// Shapes shared by the probe handlers and their caller (the probe worker, lifecycle hooks).

/**
 * The outcome of one probe attempt, as the kubelet's prober reports it:
 * Warning = success that also deserves a ProbeWarning event (an HTTP redirect that was not
 * followed); Unknown = an internal error: the worker discards the attempt (neither success
 * nor failure), like the kubelet does when its prober returns an error.
 */
export type ProbeResult = 'Success' | 'Warning' | 'Failure' | 'Unknown';

export interface ProbeOutcome {
  result: ProbeResult;
  /** Short human text for events, worded like the kubelet's. */
  output: string;
  /** The final HTTP status, when a response arrived (hooks care only whether one did). */
  httpStatus?: number;
}

/** Where a network probe connects: the pod's pinned net namespace, and an address in it. */
export interface NetTarget {
  /** Path of the pinned network namespace (PodPaths.ns('net')). */
  netns: string;
  /** IP literal (v4 or v6) or a name, resolved in the host (see dial.ts). */
  host: string;
  port: number;
  /** Bound on the whole attempt: connect, TLS, request, redirects, response. */
  timeoutMs: number;
}

/** The Kubernetes minor version podrun presents itself as (User-Agent of probes and hooks). */
export const KUBE_VERSION = '1.36';
export const PROBE_USER_AGENT = `kube-probe/${KUBE_VERSION}`;
export const LIFECYCLE_USER_AGENT = `kube-lifecycle/${KUBE_VERSION}`;

/** A time-out in Go's time.Duration notation ("1s", "500ms", "1m30s"), as kubelet messages print it. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

/** "host:port", bracketing IPv6 literals (Go's net.JoinHostPort). */
export function joinHostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** An error of podrun's own (not the target's): the attempt is discarded. */
export function internalError(what: string, e: unknown): ProbeOutcome {
  return { result: 'Unknown', output: `${what}: ${e instanceof Error ? e.message : String(e)}` };
}
