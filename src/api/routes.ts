// The supervisor API's contract: every route with its method, path template, query, JSON
// body and JSON response. The CLI's client (src/api/client.ts) and the server
// (src/supervisor/server.ts) are both typed from it, so the compiler checks that they
// agree; docs/api/openapi.yaml describes the same routes for other programs (a unit
// test keeps the two in step). A new verb is a route here, a handler on the server and
// a CLI entry that calls it.
import type { PodListView, PodPhase, PodView } from '../model/pod-view.js';
import type { ErrorKind, WireError } from '../util/errors.js';
import type { PathParams } from './paths.js';
import type { PodrunInfo } from './info.js';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface Ok {
  ok: true;
}

/**
 * Each route: `query` holds query-string parameters (strings on the wire), `body` the
 * JSON request body; a route without them takes none. `{param}`s of the path are strings.
 */
export interface Routes {
  ping: { method: 'GET'; path: '/v1/ping'; response: { ok: true; pid: number } };
  info: { method: 'GET'; path: '/v1/info'; response: PodrunInfo };
  listPods: { method: 'GET'; path: '/v1/pods'; response: PodListView };
  /**
   * `manifest`: the Pod manifest's text, YAML or JSON, as `podrun create -f` reads it.
   * `ignoreMissingControllers`: create even when a limit needs a cgroup controller this host
   * lacks; `warnings` then says what is not enforced (also events and a pod condition).
   */
  createPod: {
    method: 'POST';
    path: '/v1/pods';
    body: { manifest: string; ignoreMissingControllers?: boolean };
    response: { name: string; warnings: string[] };
  };
  getPod: { method: 'GET'; path: '/v1/pods/{name}'; response: PodView };
  startPod: { method: 'POST'; path: '/v1/pods/{name}/start'; response: Ok };
  /** Every running container without `container`; `signal` defaults to KILL. Answers how many were signalled. */
  killPod: {
    method: 'POST';
    path: '/v1/pods/{name}/kill';
    body: { container?: string; signal?: string };
    response: { signalled: number };
  };
  /** `timeout` in seconds replaces the pod's grace period (0: SIGKILL at once). */
  stopPod: { method: 'POST'; path: '/v1/pods/{name}/stop'; body: { container?: string; timeout?: number }; response: Ok };
  /** `removed` is false only for `force=true` of a pod that does not exist. */
  removePod: { method: 'DELETE'; path: '/v1/pods/{name}'; query: { force?: 'true' | 'false' }; response: { removed: boolean } };
  /** Freezes the pod cgroup; answers once cgroup.events says frozen. */
  pausePod: { method: 'POST'; path: '/v1/pods/{name}/pause'; response: Ok };
  unpausePod: { method: 'POST'; path: '/v1/pods/{name}/unpause'; response: Ok };
  /** Long poll: answers when the condition holds (`ok: true`) or after `timeout` seconds (`ok: false`). */
  waitPod: {
    method: 'GET';
    path: '/v1/pods/{name}/wait';
    query: { for?: 'ready' | 'completed'; timeout?: string };
    response: { ok: boolean; phase: PodPhase };
  };
  /** The supervisor exits if it has no pods (and stays otherwise). */
  shutdown: { method: 'POST'; path: '/v1/shutdown'; response: Ok };
}

export type RouteName = keyof Routes;

/** The run-time half of the contract; its type makes it list exactly the routes above. */
export const ROUTES: { readonly [K in RouteName]: { readonly method: Routes[K]['method']; readonly path: Routes[K]['path'] } } = {
  ping: { method: 'GET', path: '/v1/ping' },
  info: { method: 'GET', path: '/v1/info' },
  listPods: { method: 'GET', path: '/v1/pods' },
  createPod: { method: 'POST', path: '/v1/pods' },
  getPod: { method: 'GET', path: '/v1/pods/{name}' },
  startPod: { method: 'POST', path: '/v1/pods/{name}/start' },
  killPod: { method: 'POST', path: '/v1/pods/{name}/kill' },
  stopPod: { method: 'POST', path: '/v1/pods/{name}/stop' },
  removePod: { method: 'DELETE', path: '/v1/pods/{name}' },
  waitPod: { method: 'GET', path: '/v1/pods/{name}/wait' },
  pausePod: { method: 'POST', path: '/v1/pods/{name}/pause' },
  unpausePod: { method: 'POST', path: '/v1/pods/{name}/unpause' },
  shutdown: { method: 'POST', path: '/v1/shutdown' },
};

type ParamsOf<K extends RouteName> = PathParams<Routes[K]['path']>;

/** What a call of route K sends: only the parts the route has. */
export type RequestOf<K extends RouteName> = (keyof ParamsOf<K> extends never ? unknown : { params: ParamsOf<K> }) &
  (Routes[K] extends { query: infer Q } ? { query: Q } : unknown) &
  (Routes[K] extends { body: infer B } ? { body: B } : unknown);

/** A route without parameters, query or body may be called without a request. */
export type RequestArgs<K extends RouteName> = {} extends RequestOf<K> ? [request?: RequestOf<K>] : [request: RequestOf<K>];

export type ResponseOf<K extends RouteName> = Routes[K]['response'];

/** Every error response, whatever the route: the error with its kind, field or system call. */
export interface ApiErrorBody {
  error: WireError;
}

/** The HTTP status of an error response follows the error's kind. */
export const HTTP_STATUS: Readonly<Record<ErrorKind, number>> = {
  usage: 400,
  invalid: 400,
  notFound: 404,
  exists: 409,
  runtime: 500,
  exec: 500,
};

/**
 * The stream routes: the request asks for `Upgrade: podrun-stream`; the answer is
 * 101 Switching Protocols, then frames both ways (stream-frames.ts), or an error
 * response as on the other routes. Query values are strings; the lists (`command`, `env`)
 * are repeated parameters.
 */
export interface StreamRoutes {
  /** `stdin`: send input (default false); `detachKeys`: Docker's syntax (default ctrl-p,ctrl-q). */
  attachPod: {
    method: 'POST';
    path: '/v1/pods/{name}/attach';
    query: { container?: string; stdin?: 'true' | 'false'; detachKeys?: string };
  };
  /** A command on a new terminal (`tty=true` is required); `rows`/`cols`: its starting size. */
  execPod: {
    method: 'POST';
    path: '/v1/pods/{name}/exec';
    query: {
      command: string[];
      container?: string;
      tty: 'true';
      stdin?: 'true' | 'false';
      env?: string[];
      workdir?: string;
      user?: string;
      rows?: string;
      cols?: string;
    };
  };
}

export type StreamRouteName = keyof StreamRoutes;

export const STREAM_ROUTES: { readonly [K in StreamRouteName]: { readonly method: StreamRoutes[K]['method']; readonly path: StreamRoutes[K]['path'] } } = {
  attachPod: { method: 'POST', path: '/v1/pods/{name}/attach' },
  execPod: { method: 'POST', path: '/v1/pods/{name}/exec' },
};

/** The protocol name of the stream routes' upgrade. */
export const STREAM_PROTOCOL = 'podrun-stream';
