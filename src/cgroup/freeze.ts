// The cgroup v2 freezer: writing cgroup.freeze asks the kernel to freeze (1) or thaw (0)
// every process of the subtree; the change is done when cgroup.events reads `frozen 1`
// (or `frozen 0`). The kernel notifies cgroup.events changes through inotify, so the
// wait watches the file, with a slow poll beside it in case a notification is missed.
import { readFileSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { PodrunError, asPodrunError } from '../util/errors.js';

const POLL_MS = 50;

/** What cgroup.freeze asks for: true when the group is (being) frozen. */
export function freezeRequested(cgroup: string): boolean {
  try {
    return readFileSync(join(cgroup, 'cgroup.freeze'), 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

/** `frozen` of cgroup.events: the kernel has frozen every process of the subtree. */
export function isFrozen(cgroup: string): boolean {
  try {
    return /^frozen 1$/m.test(readFileSync(join(cgroup, 'cgroup.events'), 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Freezes (true) or thaws (false) the cgroup and resolves once cgroup.events says so.
 * Rejects after `timeoutMs` naming the file; a freeze that timed out is undone, so a
 * failed pause leaves the processes running.
 */
export async function setFrozen(cgroup: string, frozen: boolean, timeoutMs: number): Promise<void> {
  const file = join(cgroup, 'cgroup.freeze');
  try {
    writeFileSync(file, frozen ? '1' : '0');
  } catch (e) {
    throw asPodrunError(e);
  }
  if (await waitFrozen(cgroup, frozen, timeoutMs)) return;
  if (frozen) writeFileSync(file, '0');
  throw new PodrunError(
    `${join(cgroup, 'cgroup.events')}: not "frozen ${frozen ? 1 : 0}" within ${timeoutMs / 1000} s of writing ${frozen ? 1 : 0} to cgroup.freeze` +
      (frozen ? ' (a process may be stuck in the kernel); the cgroup was thawed again' : ''),
  );
}

function waitFrozen(cgroup: string, frozen: boolean, timeoutMs: number): Promise<boolean> {
  const events = join(cgroup, 'cgroup.events');
  return new Promise((resolve) => {
    let watcher: FSWatcher | undefined;
    const done = (ok: boolean) => {
      clearInterval(poll);
      clearTimeout(timer);
      watcher?.close();
      resolve(ok);
    };
    const check = () => {
      if (isFrozen(cgroup) === frozen) done(true);
    };
    const poll = setInterval(check, POLL_MS);
    const timer = setTimeout(() => done(isFrozen(cgroup) === frozen), timeoutMs);
    try {
      watcher = watch(events, check);
      watcher.on('error', () => {});
    } catch {
      /* no inotify: the poll alone */
    }
    check();
  });
}
