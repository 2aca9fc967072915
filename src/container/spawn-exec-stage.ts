// Spawning the exec stage (exec-stage.ts) for a command with a terminal: allocate the pty
// from the container's own devpts, join the container's cgroup and its net/IPC/UTS/PID
// namespaces around the spawn (the mount namespace is entered by the stage itself, as
// Node's binary must be reachable to start it), and hand over the config on the sync
// socket. The caller keeps the master.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants as fsc, openSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { cgroupOf, joinCgroup } from '../cgroup/cgroup2.js';
import { withNamespaces } from '../kernel/namespaces.js';
import { openPtyIn } from '../kernel/pty.js';
import { setWinsize, type WinSize } from '../../native-bindings/pty.js';
import { readJson } from '../state/atomic.js';
import type { ContainerRecord } from '../state/records.js';
import { PodrunError } from '../util/errors.js';
import type { InitConfig } from './init-config.js';
import type { InContainerOptions } from './exec-in-container.js';
import { readSyncPipe } from './spawn-container.js';

const EXEC_STAGE = fileURLToPath(new URL('./exec-stage.js', import.meta.url));

export type TerminalExecOptions = Omit<InContainerOptions, 'stdio'> & { winsize?: WinSize };

export interface TerminalExec {
  child: ChildProcess;
  /** The pty master, owned by the caller (close it to hang the session up). */
  master: number;
}

/** The exec's config: the container's own (its restrictions), with the exec's command, env, cwd and user. */
function execConfig(cfg: InitConfig, argv: string[], o: TerminalExecOptions): InitConfig {
  const env = new Map<string, string>();
  for (const kv of [...cfg.env, ...(o.env ?? [])]) {
    const i = kv.indexOf('=');
    env.set(kv.slice(0, i), kv.slice(i + 1));
  }
  const user = o.user ? { uid: o.user.uid, gid: o.user.gid ?? o.user.uid, groups: [] } : { uid: cfg.uid, gid: cfg.gid, groups: cfg.groups };
  return { ...cfg, argv, env: [...env].map(([k, v]) => `${k}=${v}`), cwd: o.cwd ?? cfg.cwd, ...user, tty: true };
}

export function spawnTerminalExec(configPath: string, c: ContainerRecord, argv: string[], o: TerminalExecOptions): TerminalExec {
  const cfg = readJson<InitConfig>(configPath);
  if (!cfg) throw new PodrunError(`container ${c.name}: its init config is missing (${configPath})`, 'exec', 125);
  const ns = (t: string) => `/proc/${c.pid}/ns/${t}`;
  const pty = openPtyIn(ns('mnt'));
  // Before the command starts, so that its first look at the size is right.
  if (o.winsize) setWinsize(pty.master, o.winsize);
  const mnt = openSync(ns('mnt'), fsc.O_RDONLY);
  const home = cgroupOf('self');
  let child: ChildProcess;
  try {
    joinCgroup(c.cgroup);
    try {
      child = withNamespaces({ enter: { net: ns('net'), ipc: ns('ipc'), uts: ns('uts'), pid: ns('pid') } }, () =>
        spawn(process.execPath, [EXEC_STAGE], {
          stdio: [pty.replica, pty.replica, pty.replica, 'pipe', mnt],
          detached: true,
          cwd: '/',
        }),
      );
    } finally {
      joinCgroup(home);
    }
  } catch (e) {
    closeSync(pty.master);
    throw e;
  } finally {
    closeSync(pty.replica);
    closeSync(mnt);
  }
  const sync = child.stdio[3] as Socket;
  sync.write(JSON.stringify(execConfig(cfg, argv, o)) + '\n');
  // A failure is the stage's exit status, its message on the terminal: the sync socket is
  // only drained, so that it closes with the stage's execve or exit.
  void readSyncPipe(child);
  return { child, master: pty.master };
}
