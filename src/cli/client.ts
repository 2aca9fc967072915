// The CLI side of the supervisor API: find or start the supervisor of a state root,
// then call the routes of the API contract over its unix socket.
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { callApi } from '../api/client.js';
import type { RequestArgs, ResponseOf, RouteName } from '../api/routes.js';
import type { StatePaths } from '../state/paths.js';
import { PodrunError } from '../util/errors.js';

const SUPERVISOR_MAIN = fileURLToPath(new URL('../supervisor/main.js', import.meta.url));

export class SupervisorClient {
  constructor(private readonly state: StatePaths) {}

  private async ping(): Promise<boolean> {
    try {
      await callApi(this.state.socket, 'ping');
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
    const [{ logLimitsFromEnv }, { backoffFromEnv }, { netConfigFromEnv }, { storageCheckFromEnv }] = await Promise.all([
      import('../logs/limits.js'),
      import('../pod/backoff.js'),
      import('../net/net-config.js'),
      import('../pod/eviction.js'),
    ]);
    logLimitsFromEnv(process.env);
    backoffFromEnv(process.env);
    storageCheckFromEnv(process.env);
    netConfigFromEnv(process.env, this.state.root);
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

  /** One route of the contract, on the root's supervisor (started if need be). */
  async call<K extends RouteName>(route: K, ...request: RequestArgs<K>): Promise<ResponseOf<K>> {
    await this.ensure();
    return callApi(this.state.socket, route, ...request);
  }
}
