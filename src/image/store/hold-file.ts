// Where a pod's hold on its images is kept, and its release when the pod goes (light: the
// pod manager calls it without loading the store). A hold left behind (a crash) is
// harmless: it is live only while the pod's record names its uid, and GC drops it.
import { rmSync } from 'node:fs';
import { join } from 'node:path';

export function holdFile(storeRoot: string, uid: string): string {
  return join(storeRoot, 'holds', `${uid}.json`);
}

export function releaseHold(storeRoot: string, uid: string): void {
  rmSync(holdFile(storeRoot, uid), { force: true });
}
