// Root-only integration tests of pod sysctls with a real pod: namespaced ones are set in
// the pod's network and IPC namespaces, visible in the container and not on the host;
// a node-wide one is refused at create, with nothing created.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { canRun, leftovers, manifest, newRoot, podrun, removeRoot, runPod, until } from './helpers.js';

const PORT = '/proc/sys/net/ipv4/ip_unprivileged_port_start';
const SHMMNI = '/proc/sys/kernel/shmmni';
const host = (file: string) => readFileSync(file, 'utf8').trim();

describe.skipIf(!canRun)('pod sysctls', () => {
  const root = canRun ? newRoot('sysctls') : '';

  afterAll(async () => {
    await removeRoot(root);
  });

  it('sets net.* and kernel.shm* sysctls in the pod\'s namespaces only', async () => {
    const before = [host(PORT), host(SHMMNI)];
    // Values the host is unlikely to have, so that a write to the host's would show.
    const values = [before[0] === '100' ? '101' : '100', before[1] === '1234' ? '1235' : '1234'];
    const pod = await runPod(root, manifest('sysctl-a', [{ name: 'c', command: ['sh', '-c', `cat ${PORT} ${SHMMNI}; exec sleep 3600`] }], {
      securityContext: { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: values[0] }, { name: 'kernel/shmmni', value: values[1] }] },
    }));
    try {
      const out = await until('the values in the logs', async () => {
        const lines = (await podrun(root, ['logs', '-c', 'c', pod])).stdout.trim().split('\n');
        return lines.length === 2 ? lines : undefined;
      });
      expect(out).toEqual(values);
      expect([host(PORT), host(SHMMNI)]).toEqual(before);
    } finally {
      await podrun(root, ['rm', '-f', pod]);
    }
  });

  it('refuses a node-wide sysctl at create, naming the entry, and creates nothing', async () => {
    const bad = manifest('sysctl-bad', [{ name: 'c', command: ['true'] }], {
      securityContext: { sysctls: [{ name: 'kernel.shmmax', value: '1000000' }, { name: 'vm.swappiness', value: '10' }] },
    });
    const r = await podrun(root, ['create', '-f', '-'], { input: bad });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('spec.securityContext.sysctls[1].name: "vm.swappiness": not a namespaced sysctl');
    expect(leftovers(root).pods).not.toContain('sysctl-bad');
    expect((await podrun(root, ['inspect', 'sysctl-bad'])).exitCode).toBe(1);
  });

  it('a value the kernel refuses fails create, naming the entry, and the sandbox is rolled back', async () => {
    const bad = manifest('sysctl-val', [{ name: 'c', command: ['true'] }], {
      securityContext: { sysctls: [{ name: 'kernel.shmmni', value: 'many' }] },
    });
    const r = await podrun(root, ['create', '-f', '-'], { input: bad });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('spec.securityContext.sysctls[0]: kernel.shmmni: cannot be set to "many" (EINVAL)');
    const left = leftovers(root);
    expect(left.mounts).toEqual([]);
    expect(left.pods).toEqual([]);
  });
});
