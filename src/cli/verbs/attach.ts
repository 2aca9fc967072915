// attach: the caller's terminal (or stdin/stdout) connected to a running container
// through the supervisor's stream route; ctrl-p ctrl-q (or --detach-keys) leaves it
// running. Exit status: 0 after a detach, the container's when it ended, 1 when the
// supervisor went away (the container goes on; attach again).
import { openStream } from '../../api/stream-client.js';
import { CHANNEL } from '../../api/stream-frames.js';
import { parseDetachKeys } from '../../model/detach-keys.js';
import { parseSignal } from '../../model/signals.js';
import type { StatePaths } from '../../state/paths.js';
import { NotFoundError } from '../../util/errors.js';
import type { SupervisorClient } from '../client.js';
import { report } from '../report.js';
import { callerTerminal, checkTerminalInput } from '../terminal.js';

export interface AttachOptions {
  container?: string;
  detachKeys?: string;
  /** false with --no-stdin. */
  stdin: boolean;
}

export async function attach(client: SupervisorClient, state: StatePaths, pod: string, o: AttachOptions): Promise<number> {
  if (o.detachKeys !== undefined) parseDetachKeys(o.detachKeys);
  const view = await client.call('getPod', { params: { name: pod } });
  const all = [...view.spec.containers, ...(view.spec.initContainers ?? [])];
  const spec = o.container ? all.find((c) => c.name === o.container) : view.spec.containers[0];
  if (!spec) throw new NotFoundError(`pod "${pod}": container "${o.container}" not found`);
  const withStdin = o.stdin && spec.stdin === true;
  const tty = spec.tty === true;
  if (tty) checkTerminalInput(withStdin);
  const s = await openStream(state.socket, 'attachPod', {
    params: { name: pod },
    query: { container: spec.name, stdin: withStdin ? 'true' : 'false', ...(o.detachKeys ? { detachKeys: o.detachKeys } : {}) },
  });
  const term = callerTerminal(tty && withStdin);
  const input = (d: Buffer) => s.send(CHANNEL.stdin, d);
  try {
    s.onOutput((channel, payload) => (channel === CHANNEL.stderr ? process.stderr : process.stdout).write(payload));
    if (tty) {
      const size = term.size();
      if (size) s.send(CHANNEL.resize, JSON.stringify(size));
      term.onResize((sz) => s.send(CHANNEL.resize, JSON.stringify(sz)));
    }
    if (withStdin) process.stdin.on('data', input);
    const stopped = new Promise<number>((resolve) =>
      term.onStop((sig) => {
        s.close();
        resolve(128 + parseSignal(sig).number);
      }),
    );
    const end = await Promise.race([s.ended, stopped]);
    if (typeof end === 'number') return end;
    if (!end) {
      report(`attach: the connection to the supervisor was lost; container "${spec.name}" goes on (attach again)`);
      return 1;
    }
    if (end.reason === 'detached') return 0;
    if (end.reason === 'error') {
      report(`attach: ${end.message ?? 'the session failed'}`);
      return 1;
    }
    return end.exitCode ?? 0;
  } finally {
    if (withStdin) {
      process.stdin.off('data', input);
      process.stdin.pause();
    }
    term.close();
  }
}
