// Attaching a BPF_PROG_TYPE_CGROUP_DEVICE program to a cgroup v2 directory, as runc does:
// load it, attach it with BPF_F_ALLOW_MULTI, then detach whatever device programs were
// attached before (a restarted container's), so that exactly one stays and the cgroup is
// never without a filter in between. No fd is kept and nothing is pinned: the attachment
// holds the program, and removing the cgroup releases it.
import { closeSync, constants, openSync } from 'node:fs';
import {
  BPF_CGROUP_DEVICE,
  BPF_F_ALLOW_MULTI,
  BPF_PROG_TYPE_CGROUP_DEVICE,
  bpfProgAttach,
  bpfProgDetach,
  bpfProgGetFdById,
  bpfProgLoad,
  bpfProgQuery,
} from '../../native-bindings/bpf.js';

function withDirFd<T>(cgroup: string, fn: (fd: number) => T): T {
  const fd = openSync(cgroup, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    return fn(fd);
  } finally {
    closeSync(fd);
  }
}

/** The ids of the device programs attached to the cgroup itself. */
export function cgroupDevicePrograms(cgroup: string): number[] {
  return withDirFd(cgroup, (dir) => bpfProgQuery(dir, BPF_CGROUP_DEVICE, cgroup));
}

/** Makes `insns` (struct bpf_insn[]) the cgroup's only device program. */
export function replaceCgroupDeviceProgram(cgroup: string, insns: Buffer, license: string): void {
  withDirFd(cgroup, (dir) => {
    const old = bpfProgQuery(dir, BPF_CGROUP_DEVICE, cgroup);
    const prog = bpfProgLoad(BPF_PROG_TYPE_CGROUP_DEVICE, insns, license);
    try {
      bpfProgAttach(dir, prog, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI, cgroup);
    } finally {
      closeSync(prog);
    }
    for (const id of old) {
      const fd = bpfProgGetFdById(id);
      try {
        bpfProgDetach(dir, fd, BPF_CGROUP_DEVICE, cgroup);
      } finally {
        closeSync(fd);
      }
    }
  });
}
