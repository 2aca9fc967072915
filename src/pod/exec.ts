// exec: run a command inside a running container. The CLI's own main thread enters the
// container's namespaces (and so its root), joins its cgroup, spawns, and moves back;
// the child inherits all of it. No supervisor round trip is needed.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readJson } from '../state/atomic.js';
import type { StatePaths } from '../state/paths.js';
import type { ContainerRecord, PodRecord } from '../state/records.js';
import { cgroupOf, joinCgroup } from '../cgroup/cgroup2.js';
import { withNamespaces } from '../kernel/namespaces.js';
import { isSameLiveProcess } from '../kernel/procfs.js';
import { InvalidInputError, NotFoundError, PodrunError } from '../util/errors.js';
import type { InitConfig } from '../container/init-config.js';
import { parseSignal } from './signals.js';

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

export interface InContainerOptions {
  /** KEY=VALUE entries added to (and overriding) the container's environment. */
  env?: string[];
  cwd?: string;
  user?: { uid: number; gid?: number };
  stdio: StdioOptions;
}

/**
 * Spawns `argv` inside a running container: its namespaces (and so its root), its cgroup,
 * its environment and user. Shared by `podrun exec` and the supervisor's exec probes and
 * hooks. Synchronous switches only: no callback ever runs in the container's namespaces.
 */
export function spawnInContainer(configPath: string, c: ContainerRecord, argv: string[], o: InContainerOptions): ChildProcess {
  const cfg = readJson<InitConfig>(configPath);
  const env = new Map<string, string>();
  for (const kv of [...(cfg?.env ?? []), ...(o.env ?? [])]) {
    const i = kv.indexOf('=');
    env.set(kv.slice(0, i), kv.slice(i + 1));
  }
  const ns = (t: string) => `/proc/${c.pid}/ns/${t}`;
  const home = cgroupOf('self');
  // Join the cgroup first (its files are not visible from inside the container's mount
  // namespace), spawn so the child is born inside, then move back.
  joinCgroup(c.cgroup);
  try {
    return withNamespaces({ enter: { net: ns('net'), ipc: ns('ipc'), uts: ns('uts'), pid: ns('pid'), mnt: ns('mnt') } }, () =>
      spawn(argv[0], argv.slice(1), {
        cwd: o.cwd ?? cfg?.cwd ?? '/',
        env: Object.fromEntries(env),
        stdio: o.stdio,
        // Like kubectl exec, the command runs as the container's user unless told otherwise.
        ...(o.user ? { uid: o.user.uid, gid: o.user.gid ?? o.user.uid } : cfg && (cfg.uid || cfg.gid) ? { uid: cfg.uid, gid: cfg.gid } : {}),
      }),
    );
  } finally {
    joinCgroup(home);
  }
}

export function loadPodRecord(state: StatePaths, pod: string): PodRecord {
  const rec = readJson<PodRecord>(state.pod(pod).record);
  if (!rec || rec.sandbox.state !== 'ready') throw new NotFoundError(`pod "${pod}" not found`);
  return rec;
}

/** Runs the command; resolves with podrun's exit status (the command's, or 125/126/127). */
export async function execInContainer(state: StatePaths, pod: string, argv: string[], o: ExecOptions): Promise<number> {
  for (const kv of o.env) if (!/^[^=]+=/.test(kv)) throw new InvalidInputError('--env', `"${kv}": must be KEY=VALUE`);
  const user = o.user ? parseUser(o.user) : undefined;
  if (o.workdir !== undefined && !o.workdir.startsWith('/')) throw new InvalidInputError('--workdir', `"${o.workdir}": must be an absolute path`);
  const rec = loadPodRecord(state, pod);
  const name = o.container ?? rec.pod.spec.containers[0].name;
  const c = rec.containers.find((x) => x.name === name);
  if (!c) throw new NotFoundError(`pod "${pod}": container "${name}" not found`);
  if (c.state !== 'running' || !c.pid || !c.pidStart || !isSameLiveProcess(c.pid, c.pidStart)) {
    throw new PodrunError(`pod "${pod}": container "${name}" is not running`, 125);
  }
  const child = spawnInContainer(state.pod(pod).container(name).config, c, argv, {
    env: o.env,
    cwd: o.workdir,
    user,
    stdio: [o.stdin ? 'inherit' : 'ignore', 'inherit', 'inherit'],
  });
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

