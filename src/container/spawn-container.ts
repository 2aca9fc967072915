// Starting a container process from the supervisor: enter the pod's namespaces on the
// main thread, create the container's PID namespace (or join the pod's), spawn the
// init stage, switch back, then wait on the sync pipe for execve or a setup error.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants as fsc, openSync, rmSync, mkdirSync, existsSync } from 'node:fs';
import { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { mkfifo } from '../kernel/fsutil.js';
import { withNamespaces } from '../kernel/namespaces.js';
import { readProcStat } from '../kernel/procfs.js';
import type { ContainerPaths } from '../state/paths.js';
import { PodrunError, StartError } from '../util/errors.js';
import { closeHeldStdio, copyFdOf, holdStdio, type HeldStdio } from './held-stdio.js';
import { readSyncPipe } from './sync-pipe.js';

const INIT_STAGE = fileURLToPath(new URL('./init-stage.js', import.meta.url));

export interface SpawnRequest {
  paths: ContainerPaths;
  configPath: string;
  namespaces: { net: string; ipc: string; uts: string };
  /** The pod's PID namespace to join (shareProcessNamespace), else a new one is made. */
  pidNamespace?: string;
  /** A terminal (tty) and/or an open stdin (the container's tty/stdin fields). */
  stdio?: { tty: boolean; stdin: boolean };
  /** The container's cgroup (its pod's pause cgroup takes the stdio holder). */
  cgroup: string;
}

export interface SpawnedContainer {
  child: ChildProcess;
  /** Settles when the process exits; listened to from the spawn on, so a fast exit is never missed. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  pid: number;
  pidStart: number;
  stdout: Readable;
  stderr: Readable;
  /** With a terminal or an open stdin: where input goes, and the holder of its fd. */
  held?: HeldStdio;
}

/** Opens the read side of a container's log FIFO without blocking the event loop. */
export function openFifoReader(path: string): Socket {
  const fd = openSync(path, fsc.O_RDONLY | fsc.O_NONBLOCK);
  return new Socket({ fd, readable: true, writable: false });
}

function makeFifo(path: string): void {
  if (!existsSync(path)) mkfifo(path);
}

/** Rejects with a StartError (reason, exit code) when the init stage reports a failure. */
export async function spawnContainer(req: SpawnRequest): Promise<SpawnedContainer> {
  const { paths } = req;
  // A fresh writable layer for every instance, as a restarted Kubernetes container gets.
  rmSync(paths.upper, { recursive: true, force: true });
  rmSync(paths.work, { recursive: true, force: true });
  mkdirSync(paths.upper, { recursive: true });
  mkdirSync(paths.work, { recursive: true });
  mkdirSync(paths.rootfs, { recursive: true });
  makeFifo(paths.fifo('stdout'));
  makeFifo(paths.fifo('stderr'));
  // The container holds its FIFOs read-write: it is then a reader of its own log pipe,
  // so a dead supervisor never turns its writes into SIGPIPE; a new one drains the pipe.
  const outW = openSync(paths.fifo('stdout'), fsc.O_RDWR);
  const errW = openSync(paths.fifo('stderr'), fsc.O_RDWR);
  const tty = req.stdio?.tty ?? false;
  // A terminal replaces the log FIFOs as stdout and stderr: its master is read instead.
  const fifoOut = tty ? undefined : { stdout: openFifoReader(paths.fifo('stdout')), stderr: openFifoReader(paths.fifo('stderr')) };
  const stdin = !tty && req.stdio?.stdin ? openStdinFifo(paths.fifo('stdin')) : undefined;
  let child: ChildProcess;
  try {
    child = withNamespaces(
      {
        enter: {
          net: req.namespaces.net,
          ipc: req.namespaces.ipc,
          uts: req.namespaces.uts,
          ...(req.pidNamespace ? { pid: req.pidNamespace } : {}),
        },
        create: req.pidNamespace ? [] : ['pid'],
      },
      () =>
        spawn(process.execPath, [INIT_STAGE, req.configPath], {
          stdio: [stdin?.reader ?? 'ignore', outW, errW, 'pipe'],
          detached: true,
        }),
    );
  } finally {
    closeSync(outW);
    closeSync(errW);
    if (stdin) closeSync(stdin.reader);
  }
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const pid = child.pid;
  let held: HeldStdio | undefined;
  const abandon = () => {
    fifoOut?.stdout.destroy();
    fifoOut?.stderr.destroy();
    if (held) closeHeldStdio(held);
    else if (stdin) closeSync(stdin.writer);
  };
  if (!pid) {
    abandon();
    throw new PodrunError('could not spawn the container init stage');
  }
  const pidStart = readProcStat(pid)?.startTime ?? 0;
  if (stdin) held = holdStdio(stdin.writer, false, req.cgroup);
  const failure = await readSyncPipe(child, (h) => {
    // The init stage waits for this: a copy of the master in this process and in a holder.
    held = holdStdio(copyFdOf(pid, h.terminal.masterFd), true, req.cgroup);
  });
  if (failure) {
    // No instance ran, so there is no log to pump: its report is the failure.
    abandon();
    throw new StartError(failure.error, failure.reason, failure.exitCode);
  }
  const streams = fifoOut ?? { stdout: held!.stream, stderr: Readable.from([]) };
  return { child, exit, pid, pidStart, ...streams, held };
}

/** The stdin FIFO: the supervisor's end (read-write, so opening it never blocks) and the container's. */
function openStdinFifo(path: string): { writer: number; reader: number } {
  makeFifo(path);
  const writer = openSync(path, fsc.O_RDWR);
  return { writer, reader: openSync(path, fsc.O_RDONLY) };
}
