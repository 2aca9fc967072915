// Builds a container's root filesystem inside the init stage's private mount namespace:
// overlay (or the read-only host root), /proc, a minimal /dev, read-only /sys, the pod's
// /etc files and volumes. Runs only in the init stage, on the main thread, synchronously.
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MS, MNT_DETACH, chdir, mknod, mount, pivotRoot, umount2 } from '../../native-bindings/libc.js';
import { ensureMountPoint, secureJoin } from '../kernel/fsutil.js';
import type { InitConfig } from './init-config.js';

const S_IFCHR = 0o020000;

// Host root entries a container built on `/` must not see: they get fresh mounts instead.
const HOST_SKIP = new Set(['proc', 'sys', 'dev', 'tmp', 'run', 'lost+found']);

function bind(source: string, target: string, readOnly: boolean, recursive = true): void {
  mount(source, target, null, MS.BIND | (recursive ? MS.REC : 0));
  if (readOnly) mount(null, target, null, MS.BIND | MS.REMOUNT | MS.RDONLY);
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

function mountDev(rootfs: string, shm: string): void {
  const dev = join(rootfs, 'dev');
  mkdirSync(dev, { recursive: true });
  mount('tmpfs', dev, 'tmpfs', MS.NOSUID, 'mode=755,size=65536k');
  const nodes: [string, number, number][] = [
    ['null', 1, 3],
    ['zero', 1, 5],
    ['full', 1, 7],
    ['random', 1, 8],
    ['urandom', 1, 9],
    ['tty', 5, 0],
  ];
  for (const [name, major, minor] of nodes) {
    const path = join(dev, name);
    mknod(path, S_IFCHR | 0o666, major, minor);
    // mknod applies the umask (0644 under 022); every user must be able to use these.
    chmodSync(path, 0o666);
  }
  mkdirSync(join(dev, 'pts'));
  mount('devpts', join(dev, 'pts'), 'devpts', MS.NOSUID | MS.NOEXEC, 'newinstance,ptmxmode=0666,mode=0620,gid=5');
  symlinkSync('pts/ptmx', join(dev, 'ptmx'));
  mkdirSync(join(dev, 'shm'));
  bind(shm, join(dev, 'shm'), false);
  mkdirSync(join(dev, 'mqueue'));
  symlinkSync('/proc/self/fd', join(dev, 'fd'));
  symlinkSync('/proc/self/fd/0', join(dev, 'stdin'));
  symlinkSync('/proc/self/fd/1', join(dev, 'stdout'));
  symlinkSync('/proc/self/fd/2', join(dev, 'stderr'));
}

function mountSys(rootfs: string): void {
  const sys = join(rootfs, 'sys');
  mkdirSync(sys, { recursive: true });
  mount('sysfs', sys, 'sysfs', MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC);
}

/** Raised for a problem the user can fix; carries the manifest field. */
export class ContainerSetupError extends Error {}

function mountVolumes(cfg: InitConfig, readOnlyRoot: boolean): void {
  for (const m of cfg.mounts) {
    const target = secureJoin(cfg.rootfs, m.target);
    const isDir = statSync(m.source).isDirectory();
    try {
      ensureMountPoint(target, isDir);
    } catch (e) {
      const why = readOnlyRoot ? 'the host root filesystem is read-only and has no such path' : (e as Error).message;
      throw new ContainerSetupError(`${m.field}: cannot create mount point ${m.target}: ${why}`);
    }
    bind(m.source, target, m.readOnly);
  }
}

function mountEtcFiles(cfg: InitConfig): void {
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
}

/** Everything up to and including pivot_root; afterwards `/` is the container's root. */
export function buildRootfs(cfg: InitConfig): void {
  // Nothing we mount may propagate back to the host, and no host mount event reaches us.
  mount(null, '/', null, MS.REC | MS.PRIVATE);
  mkdirSync(cfg.rootfs, { recursive: true });
  const hostRoot = cfg.image.kind === 'host';
  if (cfg.image.kind === 'dir') {
    mount('overlay', cfg.rootfs, 'overlay', 0, `lowerdir=${cfg.image.path},upperdir=${cfg.upper},workdir=${cfg.work}`);
  } else {
    mountHostRoot(cfg.rootfs);
  }
  const proc = join(cfg.rootfs, 'proc');
  if (!existsSync(proc)) mkdirSync(proc, { recursive: true });
  // procfs shows the PID namespace of the mounting task: ours, the container's.
  mount('proc', proc, 'proc', MS.NOSUID | MS.NODEV | MS.NOEXEC);
  mountDev(cfg.rootfs, cfg.shm);
  mountSys(cfg.rootfs);
  mountEtcFiles(cfg);
  mountVolumes(cfg, hostRoot);
  if (hostRoot) mount(null, cfg.rootfs, null, MS.BIND | MS.REMOUNT | MS.RDONLY);
  // pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only ours,
  // and needs no put_old directory (which a read-only root could not offer).
  chdir(cfg.rootfs);
  pivotRoot('.', '.');
  umount2('.', MNT_DETACH);
  chdir('/');
}
