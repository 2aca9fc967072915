// A privileged container's /dev: every device node of the host's /dev, created in the
// container's tmpfs /dev with the host's mode and owner, as containerd asks runc to do
// for privileged containers. The pod's own devpts, shm and mqueue stay; the host's
// pseudo-terminals (pts, ptmx) and console do not come along.
import { chownSync, chmodSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { mknod } from '../../native-bindings/libc.js';

const SKIP = new Set(['pts', 'ptmx', 'shm', 'mqueue', 'fd', 'console']);
const S_IFMT = 0o170000;

/** glibc's major()/minor() of a dev_t. */
function majorMinor(rdev: bigint): [number, number] {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return [Number(major), Number(minor)];
}

/** Copies the device nodes under `hostDir` into `dev` (the container's /dev), recursively. */
export function copyHostDevices(dev: string, hostDir = '/dev'): void {
  for (const e of readdirSync(hostDir, { withFileTypes: true })) {
    if (hostDir === '/dev' && SKIP.has(e.name)) continue;
    const src = join(hostDir, e.name);
    const dst = join(dev, e.name);
    if (e.isDirectory()) {
      if (!existsSync(dst)) mkdirSync(dst);
      copyHostDevices(dst, src);
    } else if ((e.isCharacterDevice() || e.isBlockDevice()) && !existsSync(dst)) {
      const st = statSync(src, { bigint: true });
      const [major, minor] = majorMinor(st.rdev);
      const mode = Number(st.mode);
      mknod(dst, (mode & S_IFMT) | (mode & 0o7777), major, minor);
      chmodSync(dst, mode & 0o7777); // mknod applies the umask
      chownSync(dst, Number(st.uid), Number(st.gid));
    }
  }
}
