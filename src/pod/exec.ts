// exec: run a command inside a running container. The CLI's own main thread joins the
// container's cgroup and namespaces (and so its root) and takes on its user and
// privileges, spawns, and moves back to its own cgroup; the child inherits all of it
// (exec-in-container.ts). No supervisor round trip is needed.
import type { ChildProcess } from 'node:child_process';
import type { StatePaths } from '../state/paths.js';
import { loadPodRecord, type ContainerRecord } from '../state/records.js';
import { enterContainer, spawnEntered } from '../container/exec-in-container.js';
import { isSameLiveProcess } from '../kernel/procfs.js';
import { InvalidInputError, NotFoundError, PodrunError } from '../util/errors.js';
import { parseSignal } from '../model/signals.js';

export interface ExecOptions {
  container?: string;
  env: string[];
  workdir?: string;
  user?: string;
  stdin: boolean;
}

export function parseUser(u: string): { uid: number; gid?: number } {
  const m = /^(\d+)(?::(\d+))?$/.exec(u);
  if (!m) throw new InvalidInputError('--user', `"${u}": must be UID or UID:GID (numbers)`);
  return { uid: Number(m[1]), gid: m[2] !== undefined ? Number(m[2]) : undefined };
}

// The command leads a session of its own, so a terminal's Ctrl-C (or a harness's SIGTERM)
// reaches only podrun: pass these on, and let the command's exit decide podrun's.
const RELAYED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

function relaySignals(child: ChildProcess): void {
  for (const sig of RELAYED) process.on(sig, () => child.kill(sig));
}

export interface ExecTarget {
  configPath: string;
  container: ContainerRecord;
  user?: { uid: number; gid?: number };
}

/** Checks the options and finds the running container (or throws: invalid input, not found, not running). */
export function execTarget(state: StatePaths, pod: string, o: ExecOptions): ExecTarget {
  for (const kv of o.env) if (!/^[^=]+=/.test(kv)) throw new InvalidInputError('--env', `"${kv}": must be KEY=VALUE`);
  const user = o.user ? parseUser(o.user) : undefined;
  if (o.workdir !== undefined && !o.workdir.startsWith('/')) throw new InvalidInputError('--workdir', `"${o.workdir}": must be an absolute path`);
  const rec = loadPodRecord(state, pod);
  // A process started in a frozen cgroup would hang until the pod is unpaused (Docker refuses too).
  if (rec.paused) throw new PodrunError(`pod "${pod}" is paused: unpause it before exec`, 'exec', 125);
  const name = o.container ?? rec.pod.spec.containers[0].name;
  const c = rec.containers.find((x) => x.name === name);
  if (!c) throw new NotFoundError(`pod "${pod}": container "${name}" not found`);
  if (c.state !== 'running' || !c.pid || !c.pidStart || !isSameLiveProcess(c.pid, c.pidStart)) {
    throw new PodrunError(`pod "${pod}": container "${name}" is not running`, 'exec', 125);
  }
  return { configPath: state.pod(pod).container(name).config, container: c, user };
}

/** Runs the command; resolves with podrun's exit status (the command's, or 125/126/127). */
export async function execInContainer(state: StatePaths, pod: string, argv: string[], o: ExecOptions): Promise<number> {
  const { configPath, container: c, user } = execTarget(state, pod, o);
  const entered = await enterContainer(configPath, c, { argv, env: o.env, cwd: o.workdir, user });
  const child = spawnEntered(entered, [o.stdin ? 'inherit' : 'ignore', 'inherit', 'inherit']);
  relaySignals(child);
  return new Promise((resolve) => {
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        process.stderr.write(`podrun: ${argv[0]}: executable file not found in the container (or working directory missing)\n`);
        resolve(127);
      } else if (err.code === 'EACCES') {
        process.stderr.write(`podrun: ${argv[0]}: permission denied\n`);
        resolve(126);
      } else {
        process.stderr.write(`podrun: exec ${argv[0]}: ${err.message}\n`);
        resolve(125);
      }
    });
    child.on('exit', (code, sig) => {
      if (sig) resolve(128 + parseSignal(sig).number);
      else resolve(code ?? 0);
    });
  });
}

