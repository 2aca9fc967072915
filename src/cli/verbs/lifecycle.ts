// create, start, run, kill, stop, pause, unpause, rm: thin requests to the supervisor.
import type { SupervisorClient } from '../client.js';
import { loadManifest } from '../manifest-input.js';
import { parseSignal } from '../../model/signals.js';
import { IGNORE_MISSING_CONTROLLERS_VAR } from '../../pod/resource-check.js';
import { InvalidInputError } from '../../util/errors.js';

/** The opt-in to create pods whose limits a missing cgroup controller cannot hold: the flag or the variable. */
export function ignoreMissingControllers(flag: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (flag) return true;
  const v = env[IGNORE_MISSING_CONTROLLERS_VAR];
  if (v === undefined || v === '' || v === '0' || v === 'false') return false;
  if (v === '1' || v === 'true') return true;
  throw new InvalidInputError(IGNORE_MISSING_CONTROLLERS_VAR, `"${v}": must be 1, true, 0 or false`);
}

/** Creates the pod; what of its resources this host cannot apply is a warning line on stderr. */
export async function create(client: SupervisorClient, file: string, ignoreMissing = false): Promise<string> {
  const { text } = loadManifest(file);
  const body = { manifest: text, ...(ignoreMissing ? { ignoreMissingControllers: true } : {}) };
  const { name, warnings } = await client.call('createPod', { body });
  for (const w of warnings ?? []) process.stderr.write(`podrun: warning: ${w}\n`);
  return name;
}

export async function start(client: SupervisorClient, pod: string): Promise<void> {
  await client.call('startPod', { params: { name: pod } });
}

export async function kill(client: SupervisorClient, pod: string, container: string | undefined, signal: string): Promise<void> {
  parseSignal(signal, '--signal');
  await client.call('killPod', { params: { name: pod }, body: { container, signal } });
}

export function parseSeconds(v: string, flag: string): number {
  if (!/^\d+(\.\d+)?$/.test(v)) throw new InvalidInputError(flag, `"${v}": must be a number of seconds >= 0`);
  return Number(v);
}

export async function stop(client: SupervisorClient, pod: string, container: string | undefined, timeout?: string): Promise<void> {
  const t = timeout === undefined ? undefined : parseSeconds(timeout, '--time');
  await client.call('stopPod', { params: { name: pod }, body: { container, timeout: t } });
}

export async function pause(client: SupervisorClient, pod: string): Promise<void> {
  await client.call('pausePod', { params: { name: pod } });
}

export async function unpause(client: SupervisorClient, pod: string): Promise<void> {
  await client.call('unpausePod', { params: { name: pod } });
}

export async function rm(client: SupervisorClient, pod: string, force: boolean): Promise<boolean> {
  const { removed } = await client.call('removePod', { params: { name: pod }, query: { force: force ? 'true' : 'false' } });
  return removed;
}
