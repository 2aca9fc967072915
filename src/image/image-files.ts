// Reading a file of an image from its unpacked layers, as the overlay would show it:
// the topmost layer that has the path wins; a whiteout (char 0:0) of the path or of a
// directory above it, or an opaque directory above it, hides the layers below.
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lgetxattr } from '../../native-bindings/libc.js';
import { OVERLAY_OPAQUE_XATTR } from './layer/layer-writer.js';

/** `rel` (like `etc/passwd`) from layer directories given top first; undefined when absent. */
export function readImageFile(dirs: string[], rel: string): string | undefined {
  const parts = rel.split('/').filter(Boolean);
  for (const dir of dirs) {
    let hidden = false;
    for (let i = 1; i <= parts.length; i++) {
      const p = join(dir, ...parts.slice(0, i));
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (!st) break;
      if (st.isCharacterDevice() && st.rdev === 0) return undefined; // whiteout
      if (i === parts.length) return st.isFile() ? readFileSync(p, 'utf8') : undefined;
      if (!st.isDirectory()) return undefined;
      if (lgetxattr(p, OVERLAY_OPAQUE_XATTR)?.toString() === 'y') hidden = true;
    }
    if (hidden) return undefined;
  }
  return undefined;
}
