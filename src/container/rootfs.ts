// The filesystem steps of the container init stage: a private mount namespace, the root
// (overlay, or the read-only host root), /proc, a minimal /dev, read-only /sys, the pod's
// /etc files and volumes, then pivot_root. They run in the init stage, on the main thread,
// synchronously. Every mount lives in the container's own mount namespace, which dies with
// its last process: that is their undo, so none of these steps has one.
import { chmodSync, lstatSync, mkdirSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLONE, MS, MNT_DETACH, chdir, mknod, mount, pivotRoot, umount2, unshare } from '../../native-bindings/libc.js';
import { ensureMountPoint, secureJoin } from '../kernel/fsutil.js';
import { StartError } from '../util/errors.js';
import { copyHostDevices } from './host-devices.js';
import type { InitConfig, InitStep } from './init-config.js';

const S_IFCHR = 0o020000;

// Host root entries a container built on `/` must not see: they get fresh mounts instead.
const HOST_SKIP = new Set(['proc', 'sys', 'dev', 'tmp', 'run', 'lost+found']);

// The standard character devices, as every runtime creates them: [name, major, minor].
const DEV_NODES: [string, number, number][] = [
  ['null', 1, 3],
  ['zero', 1, 5],
  ['full', 1, 7],
  ['random', 1, 8],
  ['urandom', 1, 9],
  ['tty', 5, 0],
];

function bind(source: string, target: string, readOnly: boolean, recursive = true): void {
  mount(source, target, null, MS.BIND | (recursive ? MS.REC : 0));
  if (readOnly) mount(null, target, null, MS.BIND | MS.REMOUNT | MS.RDONLY);
}

/** A user-fixable set-up failure: the container's StartError with the message as is. */
function setupError(message: string): StartError {
  return new StartError(message, 'StartError', 128);
}

function mountHostRoot(rootfs: string): void {
  mount('podrun-root', rootfs, 'tmpfs', MS.NOSUID | MS.NODEV, 'mode=755');
  for (const name of readdirSync('/')) {
    if (HOST_SKIP.has(name)) {
      mkdirSync(join(rootfs, name), { recursive: true });
      continue;
    }
    const src = join('/', name);
    const dst = join(rootfs, name);
    const st = lstatSync(src);
    if (st.isSymbolicLink()) {
      symlinkSync(readlinkSync(src), dst);
    } else if (st.isDirectory()) {
      mkdirSync(dst);
      bind(src, dst, true, false);
    } else if (st.isFile()) {
      writeFileSync(dst, '');
      bind(src, dst, true, false);
    }
  }
  mount('tmpfs', join(rootfs, 'tmp'), 'tmpfs', MS.NOSUID | MS.NODEV, 'mode=1777');
  mount('tmpfs', join(rootfs, 'run'), 'tmpfs', MS.NOSUID | MS.NODEV, 'mode=755');
}

/**
 * The overlay of a stored image's layers (read-only lowers, top first) under the
 * container's own upper layer. The mount data is one page (4096 bytes): the layers are
 * named relative to the store's `l/` directory, 21 bytes each, which fits ~190 layers
 * (overlayfs itself stacks at most 500). The init stage has its own cwd (CLONE_FS).
 */
function mountLayers(cfg: InitConfig, image: { linkDir: string; lowers: string[] }): void {
  chdir(image.linkDir);
  try {
    mount('overlay', cfg.rootfs, 'overlay', 0, `lowerdir=${image.lowers.join(':')},upperdir=${cfg.upper},workdir=${cfg.work}`);
  } finally {
    chdir('/');
  }
}

/** Nothing mounted from here on propagates back to the host, and no host mount event reaches us. */
export const mountNamespaceStep: InitStep = {
  name: 'mount-namespace',
  setUp() {
    unshare(CLONE.FS | CLONE.NEWNS);
    mount(null, '/', null, MS.REC | MS.PRIVATE);
  },
};

/** The container's root at cfg.rootfs: an overlay on the image directory, or the host root. */
export const rootfsStep: InitStep = {
  name: 'rootfs',
  setUp({ cfg }) {
    mkdirSync(cfg.rootfs, { recursive: true });
    if (cfg.image.kind === 'dir') {
      mount('overlay', cfg.rootfs, 'overlay', 0, `lowerdir=${cfg.image.path},upperdir=${cfg.upper},workdir=${cfg.work}`);
    } else if (cfg.image.kind === 'layers') {
      mountLayers(cfg, cfg.image);
    } else {
      mountHostRoot(cfg.rootfs);
    }
  },
};

/**
 * The directory /proc or /sys is mounted on. An image's symlink there is refused: the mount
 * would follow it out of the root, and the masks and read-only paths after it.
 */
function kernelFsMountPoint(cfg: InitConfig, name: string): string {
  const path = join(cfg.rootfs, name);
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) mkdirSync(path);
  else if (!st.isDirectory()) throw setupError(`the image's /${name} is not a directory (a symlink?): refused`);
  return path;
}

export const procStep: InitStep = {
  name: 'proc',
  setUp({ cfg }) {
    const proc = kernelFsMountPoint(cfg, 'proc');
    // procfs shows the PID namespace of the mounting task: ours, the container's.
    mount('proc', proc, 'proc', MS.NOSUID | MS.NODEV | MS.NOEXEC);
  },
};

/**
 * A tmpfs /dev with the standard nodes (for a privileged container, the host's too), a
 * private devpts, the pod's shm and the fd links.
 */
export const devStep: InitStep = {
  name: 'dev',
  setUp({ cfg }) {
    const dev = join(cfg.rootfs, 'dev');
    mkdirSync(dev, { recursive: true });
    mount('tmpfs', dev, 'tmpfs', MS.NOSUID, 'mode=755,size=65536k');
    for (const [name, major, minor] of DEV_NODES) {
      const path = join(dev, name);
      mknod(path, S_IFCHR | 0o666, major, minor);
      // mknod applies the umask (0644 under 022); every user must be able to use these.
      chmodSync(path, 0o666);
    }
    if (cfg.privileged) copyHostDevices(dev);
    mkdirSync(join(dev, 'pts'));
    mount('devpts', join(dev, 'pts'), 'devpts', MS.NOSUID | MS.NOEXEC, 'newinstance,ptmxmode=0666,mode=0620,gid=5');
    symlinkSync('pts/ptmx', join(dev, 'ptmx'));
    mkdirSync(join(dev, 'shm'));
    bind(cfg.shm, join(dev, 'shm'), false);
    mkdirSync(join(dev, 'mqueue'));
    symlinkSync('/proc/self/fd', join(dev, 'fd'));
    symlinkSync('/proc/self/fd/0', join(dev, 'stdin'));
    symlinkSync('/proc/self/fd/1', join(dev, 'stdout'));
    symlinkSync('/proc/self/fd/2', join(dev, 'stderr'));
  },
};

/** Read-only, except for a privileged container. */
export const sysStep: InitStep = {
  name: 'sys',
  setUp({ cfg }) {
    const sys = kernelFsMountPoint(cfg, 'sys');
    mount('sysfs', sys, 'sysfs', (cfg.privileged ? 0 : MS.RDONLY) | MS.NOSUID | MS.NODEV | MS.NOEXEC);
  },
};

/** The pod's /etc/hostname, /etc/hosts and /etc/resolv.conf, bound over the image's. */
export const etcFilesStep: InitStep = {
  name: 'etc-files',
  setUp({ cfg }) {
    const files: [string, string][] = [
      ['/etc/hostname', cfg.etcFiles.hostname],
      ['/etc/hosts', cfg.etcFiles.hosts],
      ['/etc/resolv.conf', cfg.etcFiles.resolv],
    ];
    for (const [path, source] of files) {
      const target = secureJoin(cfg.rootfs, path);
      try {
        ensureMountPoint(target, false);
      } catch {
        continue; // read-only host root without that file: keep the host's view
      }
      if (statSync(target).isDirectory()) continue;
      bind(source, target, false, false);
    }
  },
};

/** The volumeMounts, each resolved inside the root so that no image symlink leads out of it. */
export const volumesStep: InitStep = {
  name: 'volumes',
  setUp({ cfg }) {
    for (const m of cfg.mounts) {
      const target = secureJoin(cfg.rootfs, m.target);
      const isDir = statSync(m.source).isDirectory();
      try {
        ensureMountPoint(target, isDir);
      } catch (e) {
        const why = isHostRoot(cfg) ? 'the host root filesystem is read-only and has no such path' : (e as Error).message;
        throw setupError(`${m.field}: cannot create mount point ${m.target}: ${why}`);
      }
      bind(m.source, target, m.readOnly);
    }
  },
};

function isHostRoot(cfg: InitConfig): boolean {
  return cfg.image.kind === 'host';
}

/**
 * The host root is shown read-only (its entries are read-only binds; this seals the top), and
 * so is an image root with readOnlyRootFilesystem. Volumes, /dev, /proc and /etc files are
 * mounts of their own and keep their modes.
 */
export const readOnlyRootStep: InitStep = {
  name: 'read-only-root',
  setUp({ cfg }) {
    if (isHostRoot(cfg) || cfg.readOnlyRootFilesystem) mount(null, cfg.rootfs, null, MS.BIND | MS.REMOUNT | MS.RDONLY);
  },
};

/** Afterwards `/` is the container's root and the host's is gone from the namespace. */
export const pivotRootStep: InitStep = {
  name: 'pivot-root',
  setUp({ cfg }) {
    // pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only
    // ours, and needs no put_old directory (which a read-only root could not offer).
    chdir(cfg.rootfs);
    pivotRoot('.', '.');
    umount2('.', MNT_DETACH);
    chdir('/');
  },
};
