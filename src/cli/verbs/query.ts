// list, inspect, wait.
import { stringify } from 'yaml';
import type { SupervisorClient } from '../client.js';
import { age, printJson, printTable } from '../output.js';
import { displayStatus } from '../../pod/status.js';
import { InvalidInputError } from '../../util/errors.js';

export async function list(client: SupervisorClient, output?: string): Promise<void> {
  if (output && output !== 'json' && output !== 'wide') throw new InvalidInputError('--output', `"${output}": must be json`);
  const l = await client.call('listPods');
  if (output === 'json') return printJson(l);
  const rows = l.items.map((p) => {
    const cs = p.status.containerStatuses;
    const restarts = [...p.status.initContainerStatuses, ...cs].reduce((n, c) => n + c.restartCount, 0);
    return [p.metadata.name, `${cs.filter((c) => c.ready).length}/${cs.length}`, displayStatus(p), String(restarts), age(p.metadata.creationTimestamp)];
  });
  printTable(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'], rows);
}

export async function inspect(client: SupervisorClient, pod: string, output = 'json'): Promise<void> {
  if (output !== 'json' && output !== 'yaml') throw new InvalidInputError('--output', `"${output}": must be json or yaml`);
  const v = await client.call('getPod', { params: { name: pod } });
  if (output === 'yaml') process.stdout.write(stringify(v));
  else printJson(v);
}

/** Returns the exit code: 0 when the condition holds, 1 on time-out. */
export async function wait(client: SupervisorClient, pod: string, forWhat: string, timeout?: string): Promise<number> {
  if (forWhat !== 'ready' && forWhat !== 'completed') throw new InvalidInputError('--for', `"${forWhat}": must be ready or completed`);
  if (timeout !== undefined && !/^\d+(\.\d+)?$/.test(timeout)) throw new InvalidInputError('--timeout', `"${timeout}": must be a number of seconds`);
  const r = await client.call('waitPod', { params: { name: pod }, query: { for: forWhat, timeout } });
  if (!r.ok) {
    process.stderr.write(`podrun: pod "${pod}": timed out waiting for ${forWhat} (phase ${r.phase})\n`);
    return 1;
  }
  return 0;
}
