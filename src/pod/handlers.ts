// Runs one probe or lifecycle-hook handler against a container: exec inside the container,
// tcpSocket / httpGet / grpc from inside the pod's network namespace to the pod's IP, sleep. Named ports resolve against the
// container's `ports`, as the kubelet resolves them.
import { setTimeout as sleep } from 'node:timers/promises';
import { execInRunningContainer } from '../probe/exec.js';
import { grpcProbe } from '../probe/grpc.js';
import { httpProbe } from '../probe/http.js';
import { tcpProbe } from '../probe/tcp.js';
import { LIFECYCLE_USER_AGENT, PROBE_USER_AGENT, type ProbeOutcome } from '../probe/types.js';
import type { Container, LifecycleHandler, Probe } from '../model/pod.js';
import type { ContainerRecord } from '../state/records.js';
import type { PodPaths } from '../state/paths.js';
import { specOf } from './status.js';
import type { PodRecord } from '../state/records.js';

export interface HandlerContext {
  rec: PodRecord;
  paths: PodPaths;
}

/** A probe's or a lifecycle hook's handler. */
export type Handler = Probe | LifecycleHandler;

export interface HandlerOptions {
  /** Bound on the attempt; 0 = none (postStart exec hooks run unbounded, as in the kubelet). */
  timeoutMs: number;
  userAgent: 'kube-probe' | 'kube-lifecycle';
}

/**
 * The address probes and hooks default to: the pod's IP, as the kubelet's. They still dial
 * from inside the pod's network namespace, where the pod's IP is local: that needs no route
 * from the supervisor's namespace (which a CNI network need not give). Pods without an
 * address of their own (none, records from before networking) and hostNetwork pods (whose
 * reported address may be the bridge's, which exists only while a bridged pod runs) are
 * dialled on loopback.
 */
export function podAddress(rec: PodRecord): string {
  const net = rec.sandbox.network;
  return net?.driver === 'bridge' ? net.podIPs[0] : '127.0.0.1';
}

function resolvePort(spec: Container | undefined, port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const found = (spec?.ports as { name?: string; containerPort?: number }[] | undefined)?.find((p) => p.name === port);
  return found?.containerPort;
}

export async function runHandler(
  ctx: HandlerContext,
  c: ContainerRecord,
  h: Handler,
  o: HandlerOptions,
): Promise<ProbeOutcome> {
  const spec = specOf(ctx.rec, c);
  const hook = o.userAgent === 'kube-lifecycle';
  // Network handlers need a bound even when the caller has none (a hung server must not hang a hook forever).
  const netTimeout = o.timeoutMs > 0 ? o.timeoutMs : 30_000;
  if (h.exec) {
    const r = await execInRunningContainer(ctx.paths.container(c.name).config, c, h.exec.command, o.timeoutMs);
    if (r.exitCode === 0) return { result: 'Success', output: r.output };
    const why = r.error ?? `command ${JSON.stringify(h.exec.command)} exited with ${r.exitCode}`;
    return { result: 'Failure', output: r.output ? `${why}: ${r.output.trim()}` : why };
  }
  if ('sleep' in h && h.sleep) {
    await sleep(o.timeoutMs > 0 ? Math.min(h.sleep.seconds * 1000, o.timeoutMs) : h.sleep.seconds * 1000);
    return { result: 'Success', output: '' };
  }
  const target = (port: number | string, host?: string) => {
    const p = resolvePort(spec, port);
    return p === undefined ? undefined : { netns: ctx.rec.sandbox.namespaces.net, host: host || podAddress(ctx.rec), port: p, timeoutMs: netTimeout };
  };
  const badPort = (port: number | string): ProbeOutcome => ({
    result: 'Unknown',
    output: `port "${port}" is not a number and no containerPort of that name exists in container ${c.name}`,
  });
  if (h.tcpSocket) {
    // Kubernetes accepts tcpSocket in hooks for compatibility and does nothing with it.
    if (hook) return { result: 'Success', output: '' };
    const t = target(h.tcpSocket.port, h.tcpSocket.host);
    return t ? tcpProbe(t) : badPort(h.tcpSocket.port);
  }
  if (h.httpGet) {
    const g = h.httpGet;
    const t = target(g.port, g.host);
    if (!t) return badPort(g.port);
    const out = await httpProbe({
      ...t,
      scheme: g.scheme,
      path: g.path,
      headers: g.httpHeaders,
      userAgent: hook ? LIFECYCLE_USER_AGENT : PROBE_USER_AGENT,
    });
    // A hook fails on transport errors only; the status code does not matter (kubelet lifecycle/handlers.go).
    if (hook && (out.result !== 'Failure' || out.httpStatus !== undefined)) return { result: 'Success', output: out.output };
    return out;
  }
  if ('grpc' in h && h.grpc) {
    const t = target(h.grpc.port);
    return t ? grpcProbe({ ...t, ...(h.grpc.service !== undefined ? { service: h.grpc.service } : {}) }) : badPort(h.grpc.port);
  }
  return { result: 'Unknown', output: 'no handler' };
}
