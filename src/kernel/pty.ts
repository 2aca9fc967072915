// Allocating a pseudo-terminal from a container's own devpts instance: the master is
// opened as /dev/pts/ptmx inside the container's mount namespace (so path resolution,
// symlinks included, stays within the container's root), and the replica through
// TIOCGPTPEER, never by path.
import { closeSync, constants as fsc, openSync } from 'node:fs';
import { openPtyPeer, ptyNumber, unlockPty } from '../../native-bindings/pty.js';
import { withNamespaces } from './namespaces.js';

export interface Pty {
  master: number;
  replica: number;
}

/** Opens a new pty on the devpts mounted at `ptsDir` in the calling thread's mount namespace. */
export function openPty(ptsDir = '/dev/pts'): Pty {
  const master = openSync(`${ptsDir}/ptmx`, fsc.O_RDWR | fsc.O_NOCTTY);
  try {
    unlockPty(master);
    // TIOCGPTN fails (ENOTTY) unless this is a real ptmx: a container cannot fake one.
    ptyNumber(master);
    return { master, replica: openPtyPeer(master) };
  } catch (e) {
    closeSync(master);
    throw e;
  }
}

/** Opens a new pty on the devpts of the mount namespace `mntNs` (a /proc/PID/ns/mnt path). */
export function openPtyIn(mntNs: string): Pty {
  return withNamespaces({ enter: { mnt: mntNs } }, () => openPty());
}
