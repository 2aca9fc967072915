// `podrun info`: the cgroup mode from the mount table, kernel release comparisons, and
// the host facts read from this machine.
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cgroupMode, hostInfo, kernelAtLeast } from '../../src/api/info.js';
import type { MountEntry } from '../../src/kernel/mountinfo.js';

const mnt = (mountPoint: string, fsType: string): MountEntry => ({ mountPoint, fsType, source: fsType });

describe('cgroup mode', () => {
  it('is unified with cgroup2 only, hybrid beside v1 hierarchies, legacy with v1 only, none without cgroups', () => {
    expect(cgroupMode([mnt('/', 'ext4'), mnt('/sys/fs/cgroup', 'cgroup2')])).toBe('unified');
    expect(cgroupMode([mnt('/sys/fs/cgroup/cpu', 'cgroup'), mnt('/sys/fs/cgroup/unified', 'cgroup2')])).toBe('hybrid');
    expect(cgroupMode([mnt('/sys/fs/cgroup/cpu', 'cgroup')])).toBe('legacy');
    expect(cgroupMode([mnt('/', 'ext4')])).toBe('none');
  });
});

describe('kernel releases', () => {
  it('compare by major, then minor, ignoring the rest', () => {
    expect(kernelAtLeast('6.15.0', 6, 15)).toBe(true);
    expect(kernelAtLeast('6.18.44-fc-v1098', 6, 15)).toBe(true);
    expect(kernelAtLeast('7.0.1', 6, 15)).toBe(true);
    expect(kernelAtLeast('6.14.11-300.fc42.x86_64', 6, 15)).toBe(false);
    expect(kernelAtLeast('5.9.0', 5, 14)).toBe(false);
    expect(kernelAtLeast('garbage', 1, 0)).toBe(false);
  });
});

describe('host info', () => {
  const info = hostInfo('/tmp/some-root');
  it('reports this host, the root it was given, and the version of package.json', () => {
    const pkg = JSON.parse(readFileSync(`${__dirname}/../../package.json`, 'utf8'));
    expect(info).toMatchObject({ version: pkg.version, node: process.version, kernel: release(), stateRoot: '/tmp/some-root' });
  });

  it('derives the kernel features from the release and overlayfs from /proc/filesystems', () => {
    expect(info.features.pidfdExitStatus).toBe(kernelAtLeast(release(), 6, 15));
    expect(info.features.overlayfs).toBe(readFileSync('/proc/filesystems', 'utf8').includes('\toverlay\n'));
    expect(info.features.probes).toEqual(['exec', 'httpGet', 'tcpSocket', 'grpc']);
  });

  it('states the features not built yet as false, and networking (built) as true', () => {
    const { networking, seccomp, images, terminals } = info.features;
    expect({ networking, seccomp, images, terminals }).toEqual({
      networking: true, seccomp: true, images: true, terminals: true,
    });
  });

  it('says resource limits hold only where the cgroup2 root has the memory, cpu and pids controllers', () => {
    const c = info.cgroup.controllers;
    expect(info.features.resourceLimits).toBe(c.includes('memory') && c.includes('cpu') && c.includes('pids'));
  });

  it('states container hardening (capabilities) as built', () => {
    expect(info.features.capabilities).toBe(true);
  });
});
