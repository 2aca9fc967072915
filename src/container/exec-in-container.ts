// Spawning a command inside a running container: its namespaces (and so its root), its
// cgroup, its environment and user. Shared by `podrun exec` and the supervisor's exec
// probes and hooks.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { cgroupOf, joinCgroup } from '../cgroup/cgroup2.js';
import { withNamespaces } from '../kernel/namespaces.js';
import { ownOomScoreAdj, setOomScoreAdj } from '../kernel/oom-score.js';
import { readJson } from '../state/atomic.js';
import type { ContainerRecord } from '../state/records.js';
import type { InitConfig } from './init-config.js';

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
  // The container's oom_score_adj too, as runc gives an exec'd process: taken on for the
  // spawn (inherited), then given back, like the cgroup.
  const ownAdj = cfg?.oomScoreAdj !== undefined ? ownOomScoreAdj() : undefined;
  // Join the cgroup first (its files are not visible from inside the container's mount
  // namespace), spawn so the child is born inside, then move back.
  joinCgroup(c.cgroup);
  if (cfg?.oomScoreAdj !== undefined) setOomScoreAdj(cfg.oomScoreAdj);
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
    if (ownAdj !== undefined) setOomScoreAdj(ownAdj);
  }
}
