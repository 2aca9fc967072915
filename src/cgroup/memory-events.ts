// memory.events of a cgroup v2 group: the kernel's own record of OOM kills. It exists
// only where the memory controller is enabled for the group (not on hybrid hosts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** oom_kill count of the group, or undefined when the file is absent (no memory controller). */
export function oomKillCount(cgroup: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(cgroup, 'memory.events'), 'utf8');
  } catch {
    return undefined;
  }
  const m = /^oom_kill (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}
