// Root-only: the cgroup v2 device filter on the real kernel. Each non-privileged
// container's cgroup holds exactly one BPF_PROG_TYPE_CGROUP_DEVICE program (a restart
// replaces it, never adds one), a privileged container's none; removing the pod releases
// the programs (nothing pinned, no fd kept). The filter itself, on a bare cgroup, lets a
// task open /dev/null and refuses a node outside the allowed list.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bpfProgGetFdById } from '../../native-bindings/bpf.js';
import { DEFAULT_DEVICE_RULES, deviceFilterProgram, encodeProgram } from '../../src/container/device-filter.js';
import { cgroupDevicePrograms, replaceCgroupDeviceProgram } from '../../src/kernel/cgroup-device-program.js';
import { SyscallError } from '../../src/util/errors.js';
import { canRun, inspect, manifest, newRoot, podrun, removeRoot, runPod, until } from './helpers.js';

/** Whether a program with this id is still loaded (opening it by id, and closing that fd). */
function loaded(id: number): boolean {
  try {
    closeSync(bpfProgGetFdById(id));
    return true;
  } catch (e) {
    if (e instanceof SyscallError && e.code === 'ENOENT') return false;
    throw e;
  }
}

describe.skipIf(!canRun)('cgroup device filter', () => {
  const root = canRun ? newRoot('devfilter') : '';

  afterAll(async () => {
    await podrun(root, ['rm', '-f', 'df-a']);
    await removeRoot(root);
  });

  it('one program per container cgroup, replaced on restart, none when privileged; released with the pod', async () => {
    await runPod(
      root,
      manifest('df-a', [
        { name: 'def', command: ['sleep', '3600'] },
        // Exits once at once: the first restart is immediate (then backs off).
        { name: 'again', command: ['sh', '-c', 'test -e /dev/shm/ran && exec sleep 3600; touch /dev/shm/ran'] },
        { name: 'priv', command: ['sleep', '3600'], extra: { securityContext: { privileged: true } } },
      ]),
    );
    const rec = JSON.parse(readFileSync(join(root, 'pods', 'df-a', 'pod.json'), 'utf8'));
    const cgroup = (name: string): string => rec.containers.find((c: { name: string }) => c.name === name).cgroup;
    await until('the restart', async () => (await inspect(root, 'df-a')).status.containerStatuses.find((c: { name: string }) => c.name === 'again')?.restartCount === 1 || undefined);
    await until('the restarted container running', async () => (await inspect(root, 'df-a')).status.containerStatuses.find((c: { name: string }) => c.name === 'again')?.state?.running || undefined);
    const ids = [...cgroupDevicePrograms(cgroup('def')), ...cgroupDevicePrograms(cgroup('again'))];
    expect(cgroupDevicePrograms(cgroup('def'))).toHaveLength(1);
    expect(cgroupDevicePrograms(cgroup('again'))).toHaveLength(1);
    expect(cgroupDevicePrograms(cgroup('priv'))).toEqual([]);
    expect(ids.every(loaded)).toBe(true);
    expect((await podrun(root, ['rm', '-f', 'df-a'])).exitCode).toBe(0);
    // The kernel frees a detached program shortly after the cgroup goes (a deferred release).
    await until('the programs released', () => ids.every((id) => !loaded(id)) || undefined, 5000);
  });

  it('on a bare cgroup: /dev/null opens, a node outside the list does not; rmdir releases the program', async () => {
    const cg = join('/sys/fs/cgroup/unified', `podrun-test-devfilter-${process.pid}`);
    mkdirSync(cg);
    try {
      replaceCgroupDeviceProgram(cg, encodeProgram(deviceFilterProgram(DEFAULT_DEVICE_RULES)), 'Apache-2.0');
      const [id] = cgroupDevicePrograms(cg);
      const node = `/tmp/podrun-test-lc-${process.pid}`;
      const out = execFileSync(
        'sh',
        ['-c', `echo $$ > ${cg}/cgroup.procs; mknod ${node} c 10 237 && echo made; (exec 3< /dev/null && echo null); (exec 3< ${node} && echo lc) 2>&1; rm -f ${node}`],
        { encoding: 'utf8' },
      );
      expect(out.trim().split('\n')).toEqual(['made', 'null', expect.stringMatching(/Operation not permitted/)]);
      rmdirSync(cg);
      await until('the program released', () => !loaded(id) || undefined, 5000);
    } finally {
      try {
        rmdirSync(cg);
      } catch {
        /* removed above */
      }
    }
  });
});
