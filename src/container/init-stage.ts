// The container init stage: a short-lived second entry point the supervisor spawns
// already inside the pod's net/IPC/UTS namespaces and the container's new PID namespace.
// It joins the container cgroup, makes a private mount namespace, builds the root,
// mounts /proc (which only a task inside the PID namespace can do right), drops to
// the requested user and execve()s the user's command, replacing itself.
// Errors go to fd 3 (the sync pipe) as one JSON line; a successful execve closes fd 3
// (close-on-exec), which is how the supervisor learns that the command started.
import { readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CLONE, clearCloexec, execve, setCloexec, setUser, unshare } from '../../native-bindings/libc.js';
import { joinCgroup } from '../cgroup/cgroup2.js';
import { ContainerSetupError, buildRootfs } from './rootfs.js';
import type { InitConfig } from './init-config.js';

const SYNC_FD = 3;

export interface InitFailure {
  error: string;
  exitCode: number;
  reason: string;
}

function fail(f: InitFailure): never {
  try {
    writeSync(SYNC_FD, JSON.stringify(f) + '\n');
  } catch {
    /* supervisor gone: the exit code still tells */
  }
  try {
    writeSync(2, `podrun: ${f.error}\n`);
  } catch {
    /* no stderr */
  }
  process.exit(f.exitCode);
}

function isExecutable(path: string): boolean {
  try {
    const st = statSync(path);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** PATH lookup inside the new root; 127 when not found, 126 when not executable. */
function lookPath(cmd: string, env: string[]): string {
  if (cmd.includes('/')) {
    try {
      statSync(cmd);
    } catch {
      fail({ error: `${cmd}: no such file or directory`, exitCode: 127, reason: 'StartError' });
    }
    if (!isExecutable(cmd)) fail({ error: `${cmd}: permission denied (not an executable file)`, exitCode: 126, reason: 'StartError' });
    return cmd;
  }
  const pathVar = env.find((e) => e.startsWith('PATH='))?.slice(5) ?? '';
  let sawNonExec = false;
  for (const dir of pathVar.split(':')) {
    if (!dir) continue;
    const p = join(dir, cmd);
    if (isExecutable(p)) return p;
    try {
      statSync(p);
      sawNonExec = true;
    } catch {
      /* keep looking */
    }
  }
  if (sawNonExec) fail({ error: `${cmd}: permission denied (not an executable file)`, exitCode: 126, reason: 'StartError' });
  fail({ error: `${cmd}: executable file not found in $PATH`, exitCode: 127, reason: 'StartError' });
}

function main(): void {
  const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8')) as InitConfig;
  try {
    joinCgroup(cfg.cgroup);
    unshare(CLONE.FS | CLONE.NEWNS);
    buildRootfs(cfg);
  } catch (e) {
    const msg = e instanceof ContainerSetupError ? e.message : `container ${cfg.containerName}: setup failed: ${(e as Error).message}`;
    fail({ error: msg, exitCode: 128, reason: 'StartError' });
  }
  const path = lookPath(cfg.argv[0], cfg.env);
  try {
    process.chdir(cfg.cwd);
  } catch {
    fail({ error: `workingDir ${cfg.cwd}: no such directory in the container`, exitCode: 128, reason: 'StartError' });
  }
  try {
    if (cfg.uid !== 0 || cfg.gid !== 0) setUser(cfg.uid, cfg.gid, []);
    for (const fd of [0, 1, 2]) clearCloexec(fd);
    setCloexec(SYNC_FD);
    execve(path, cfg.argv, cfg.env);
  } catch (e) {
    fail({ error: `${cfg.argv[0]}: ${(e as Error).message}`, exitCode: 128, reason: 'StartError' });
  }
}

main();
