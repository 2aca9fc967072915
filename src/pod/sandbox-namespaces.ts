// The pod's net, IPC and UTS namespaces, kept alive by bind mounts ("pins") under the pod
// directory, so that they outlive every process (containers join them through the pins).
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { MS, linkUp, mount, sethostname } from '../../native-bindings/libc.js';
import { withNamespaces } from '../kernel/namespaces.js';
import { unmountAndRemove, type SandboxStep } from './sandbox-step.js';

const PINNED = ['net', 'ipc', 'uts'] as const;

/**
 * The pin directory is its own private mount, so container mount namespaces never
 * receive propagated copies of the pins (which would keep namespaces alive).
 */
export const pinDirStep: SandboxStep = {
  name: 'pin-dir',
  setUp({ paths }) {
    mkdirSync(paths.nsDir, { recursive: true });
    mount(paths.nsDir, paths.nsDir, null, MS.BIND);
    mount(null, paths.nsDir, null, MS.PRIVATE);
  },
  undo({ paths }) {
    unmountAndRemove(paths.nsDir);
  },
};

/**
 * Fresh namespaces, pinned. The hostname and loopback are set while inside: they belong to
 * the new UTS and net namespaces and end with them. Unpinning ends the namespaces once no
 * process is left in them (the later steps' undos have killed the holder and containers).
 * A hostNetwork pod pins the supervisor's own network namespace instead (IPC and UTS stay
 * its own): its loopback is the host's, and is left alone.
 */
export const namespacesStep: SandboxStep = {
  name: 'namespaces',
  setUp({ pod, paths, rec }) {
    for (const t of PINNED) closeSync(openSync(paths.ns(t), 'w'));
    const fresh = pod.spec.hostNetwork ? PINNED.filter((t) => t !== 'net') : [...PINNED];
    if (pod.spec.hostNetwork) mount('/proc/thread-self/ns/net', paths.ns('net'), null, MS.BIND);
    withNamespaces({ create: fresh }, () => {
      sethostname(rec.hostname);
      if (fresh.includes('net')) linkUp('lo');
      for (const t of fresh) mount(`/proc/thread-self/ns/${t}`, paths.ns(t), null, MS.BIND);
    });
  },
  undo({ paths }) {
    for (const t of PINNED) unmountAndRemove(paths.ns(t));
  },
};
