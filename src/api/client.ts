// A typed call of one route over the supervisor's unix socket. An error response is
// raised again as the server's error (same class, kind, field, system call).
import { request } from 'node:http';
import { PodrunError, fromWire } from '../util/errors.js';
import { fillPath } from './paths.js';
import { ROUTES, type ApiErrorBody, type RequestArgs, type ResponseOf, type RouteName } from './routes.js';

/** The request target: the filled path template and the query string. */
export function routeTarget<K extends RouteName>(name: K, ...[req]: RequestArgs<K>): string {
  const r = (req ?? {}) as { params?: Record<string, string>; query?: Record<string, string | undefined> };
  const path = fillPath(ROUTES[name].path, r.params ?? {});
  const query = new URLSearchParams(Object.entries(r.query ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}

export function callApi<K extends RouteName>(socketPath: string, name: K, ...args: RequestArgs<K>): Promise<ResponseOf<K>> {
  const req = args[0] as { body?: unknown } | undefined;
  const payload = req?.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
  return new Promise((resolve, reject) => {
    const http = request(
      {
        socketPath,
        method: ROUTES[name].method,
        path: routeTarget(name, ...args),
        // One connection per call: a kept-alive socket would hold the CLI's exit.
        agent: false,
        headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          let data: unknown;
          try {
            data = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            return reject(new PodrunError(`the supervisor's answer to ${name} (HTTP ${status}) is not JSON`));
          }
          if (status < 400) return resolve(data as ResponseOf<K>);
          const wire = (data as Partial<ApiErrorBody> | null)?.error;
          reject(wire ? fromWire(wire) : new PodrunError(`the supervisor answered ${name} with HTTP ${status}`));
        });
      },
    );
    http.on('error', reject);
    http.end(payload);
  });
}
