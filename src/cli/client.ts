// The CLI side of the supervisor API: find or start the supervisor of a state root,
// then make JSON requests over its unix socket.
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { StatePaths } from '../state/paths.js';
import { PodrunError, fromWire, type WireError } from '../util/errors.js';

const SUPERVISOR_MAIN = fileURLToPath(new URL('../supervisor/main.js', import.meta.url));

interface ApiError {
  error: WireError;
}

function call<T>(socketPath: string, method: string, path: string, body?: unknown): Promise<{ status: number; data: T }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      {
        socketPath,
        method,
        path,
        // One connection per call: a kept-alive socket would hold the CLI's exit.
        agent: false,
        headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, data: JSON.parse(Buffer.concat(chunks).toString('utf8')) as T });
          } catch (e) {
            reject(e);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export class SupervisorClient {
  constructor(private readonly state: StatePaths) {}

  private async ping(): Promise<boolean> {
    try {
      await call(this.state.socket, 'GET', '/v1/ping');
      return true;
    } catch {
      return false;
    }
  }

  /** Connects to the root's supervisor, starting one (and so re-adopting pods) if none answers. */
  async ensure(): Promise<void> {
    if (await this.ping()) return;
    // The supervisor reads these when it starts: a bad value is the user's, say so now
    // (exit 2, the variable named) rather than after a supervisor that could not start.
    // Loaded only here: every other command of the CLI skips these modules.
    const [{ logLimitsFromEnv }, { backoffFromEnv }] = await Promise.all([import('../logs/limits.js'), import('../pod/backoff.js')]);
    logLimitsFromEnv(process.env);
    backoffFromEnv(process.env);
    mkdirSync(this.state.root, { recursive: true, mode: 0o700 });
    const log = openSync(this.state.supervisorLog, 'a');
    // The supervisor is I/O-bound: a small young generation and no optimising compiler
    // (--lite-mode) cut its resident memory by ~7 MB (measured: 58.7 -> 51.7 MB idle).
    const flags = ['--max-semi-space-size=1', '--lite-mode', '--v8-pool-size=1'];
    const child = spawn(process.execPath, [...flags, SUPERVISOR_MAIN, '--root', this.state.root], {
      detached: true,
      stdio: ['ignore', log, log],
      cwd: '/',
    });
    child.unref();
    const deadline = Date.now() + 15_000;
    for (let delay = 10; Date.now() < deadline; delay = Math.min(delay * 2, 100)) {
      await sleep(delay);
      if (await this.ping()) return;
    }
    throw new PodrunError(`the podrun supervisor did not start within 15 s (see ${this.state.supervisorLog})`);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    await this.ensure();
    const { status, data } = await call<T | ApiError>(this.state.socket, method, path, body);
    if (status >= 400) {
      throw fromWire((data as ApiError).error);
    }
    return data as T;
  }
}
