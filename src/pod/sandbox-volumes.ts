// The pod's shared memory (/dev/shm of every container) and its volumes: emptyDir
// directories (tmpfs for medium Memory) under the pod directory, hostPath checks.
import { chmodSync, chownSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MS, mount } from '../../native-bindings/libc.js';
import type { EmptyDirVolume } from '../model/pod.js';
import { InvalidInputError } from '../util/errors.js';
import { unmountAndRemove, type SandboxStep } from './sandbox-step.js';

const SHM_SIZE = '64m'; // containerd's default for a sandbox's /dev/shm

export const shmStep: SandboxStep = {
  name: 'shm',
  setUp({ paths }) {
    mkdirSync(paths.shm, { recursive: true });
    mount('shm', paths.shm, 'tmpfs', MS.NOSUID | MS.NODEV | MS.NOEXEC, `mode=1777,size=${SHM_SIZE}`);
  },
  undo({ paths }) {
    unmountAndRemove(paths.shm);
  },
};

/**
 * The tmpfs options of a Memory emptyDir. Its size is the sizeLimit in bytes, rounded up
 * as Kubernetes' Quantity.Value() rounds ("400m" is 1 byte, and tmpfs makes that a page);
 * without a sizeLimit the kernel's default applies.
 */
export function memoryVolumeOptions(v: EmptyDirVolume): string {
  return v.sizeLimitBytes === undefined ? 'mode=1777' : `mode=1777,size=${v.sizeLimitBytes}`;
}

function volumeNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/**
 * emptyDirs under the pod directory; hostPaths checked (and made, for the *OrCreate
 * types). What a hostPath type creates on the host stays, as it does on Kubernetes.
 */
export const volumesStep: SandboxStep = {
  name: 'volumes',
  setUp({ pod, paths }) {
    mkdirSync(paths.volumesDir, { recursive: true });
    pod.spec.volumes.forEach((v, i) => {
      const field = `spec.volumes[${i}]`;
      if (v.hostPath) {
        checkHostPath(v.hostPath.path, v.hostPath.type, `${field}.hostPath`);
        return;
      }
      const dir = paths.volume(v.name);
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o777); // emptyDir is world-writable, as the kubelet makes it
      if (v.emptyDir?.medium === 'Memory') mount('tmpfs', dir, 'tmpfs', MS.NOSUID | MS.NODEV, memoryVolumeOptions(v.emptyDir));
      const fsGroup = pod.spec.securityContext?.fsGroup;
      if (fsGroup !== undefined) {
        // As the kubelet's volume ownership: group fsGroup, setgid so that new files inherit it.
        chownSync(dir, statSync(dir).uid, fsGroup);
        chmodSync(dir, (statSync(dir).mode & 0o7777) | 0o2000);
      }
    });
  },
  undo({ paths }) {
    for (const name of volumeNames(paths.volumesDir)) unmountAndRemove(join(paths.volumesDir, name));
    rmSync(paths.volumesDir, { recursive: true, force: true });
  },
};

function checkHostPath(path: string, type: string, field: string): void {
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(path);
  } catch {
    st = undefined;
  }
  const want = (ok: boolean, what: string) => {
    if (!ok) throw new InvalidInputError(`${field}.path`, `"${path}": ${st ? 'is not' : 'does not exist, expected'} ${what}`);
  };
  switch (type) {
    case 'DirectoryOrCreate':
      if (!st) mkdirSync(path, { recursive: true, mode: 0o755 });
      else want(st.isDirectory(), 'a directory');
      return;
    case 'FileOrCreate':
      if (!st) writeFileSync(path, '', { mode: 0o644, flag: 'wx' });
      else want(st.isFile(), 'a regular file');
      return;
    case 'Directory':
      return want(!!st?.isDirectory(), 'a directory');
    case 'File':
      return want(!!st?.isFile(), 'a regular file');
    case 'Socket':
      return want(!!st?.isSocket(), 'a socket');
    case 'CharDevice':
      return want(!!st?.isCharacterDevice(), 'a character device');
    case 'BlockDevice':
      return want(!!st?.isBlockDevice(), 'a block device');
    default:
      if (!st) throw new InvalidInputError(`${field}.path`, `"${path}": no such file or directory`);
  }
}
