// Which file (or directory) a path names right now. Inode numbers alone are reused at
// once on ext4 (rm -r a pod, create it again: same number), so the birth time goes
// with them; where a filesystem has no birth time it is 0 and the inode decides.
import type { Stats } from 'node:fs';

export function fileIdentity(st: Stats): string {
  return `${st.dev}:${st.ino}:${st.birthtimeMs}`;
}
