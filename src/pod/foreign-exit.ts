// The exit of a container process that is not our child (adopted after a supervisor
// restart): polled by pid + start time, its status read through a pidfd with
// PIDFD_GET_INFO (kernel 6.15+) once whoever inherited it (PID 1 here) has reaped it.
import { setTimeout as sleep } from 'node:timers/promises';
import { closeFd, pidfdExitStatus, pidfdOpen } from '../../native-bindings/libc.js';
import { isSameLiveProcess, processExists } from '../kernel/procfs.js';
import { signalName } from '../model/signals.js';

export interface ForeignExit {
  code?: number;
  signal?: string;
  /** The status could not be read: report it as unknown, never invent one. */
  unknown?: boolean;
}

export function watchForeignExit(pid: number, pidStart: number): Promise<ForeignExit> {
  let pidfd = -1;
  try {
    pidfd = pidfdOpen(pid);
  } catch {
    pidfd = -1;
  }
  return (async () => {
    while (isSameLiveProcess(pid, pidStart)) await sleep(250);
    // The kernel records the exit status for pidfds when the zombie is reaped, which
    // PID 1 here may take seconds to do: wait for that, bounded.
    const deadline = Date.now() + 30_000;
    while (processExists(pid, pidStart) && Date.now() < deadline) await sleep(100);
    let status: number | undefined;
    for (let i = 0; i < 10 && pidfd >= 0 && status === undefined; i++) {
      status = pidfdExitStatus(pidfd);
      if (status === undefined) await sleep(50);
    }
    if (pidfd >= 0) closeFd(pidfd);
    if (status === undefined) return { unknown: true };
    return { code: (status >> 8) & 0xff, ...(status & 0x7f ? { signal: signalName(status & 0x7f) } : {}) };
  })();
}
