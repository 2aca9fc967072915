// The PodRuntime of the supervisor: the real kernel, clock and disk.
import { setTimeout as sleep } from 'node:timers/promises';
import { oomKillCount } from '../cgroup/memory-events.js';
import { openFifoReader, spawnContainer } from '../container/spawn-container.js';
import { adoptHeldStdio, closeHeldStdio } from '../container/held-stdio.js';
import { recordEvent } from '../events/recorder.js';
import { resolveContainerImage } from '../image/container-image.js';
import type { PullFn } from '../image/store/pull-fn.js';
import { isSameLiveProcess } from '../kernel/procfs.js';
import { watchForeignExit } from './foreign-exit.js';
import { runHandler } from './handlers.js';
import { createContainerCgroup } from './pod-resources-step.js';
import { checkResources } from './resource-check.js';
import type { PodRuntime } from './runtime.js';
import { createSandbox, destroySandbox, podCgroupPath, startPauseHolder } from './sandbox.js';
import { signalContainer } from './termination.js';

/**
 * The registry pull used at create (src/image/registry), loaded on the first pull: the
 * HTTP and TLS modules stay out of a supervisor that never pulls.
 */
const pullImage: PullFn = async (store, reference, opts) => (await import('../image/registry/pull.js')).pullImage(store, reference, opts);

export const kernelRuntime: PodRuntime = {
  clock: {
    now: () => Date.now(),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
    sleep: (ms) => sleep(ms),
  },
  spawnContainer,
  openFifoReader,
  adoptHeldStdio,
  closeHeldStdio,
  watchForeignExit,
  isSameLiveProcess,
  signalContainer,
  createContainerCgroup,
  checkResources,
  oomKillCount,
  podCgroupPath,
  createSandbox,
  destroySandbox,
  startPauseHolder,
  resolveImage: (req) => resolveContainerImage(req, pullImage),
  runHandler,
  recordEvent: (paths, ev) => void recordEvent(paths, ev),
};
