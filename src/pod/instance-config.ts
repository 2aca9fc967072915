// What the init stage of one container instance needs (InitConfig), from the pod record:
// image, layers, cgroup, /etc files, volume binds (subPath directories created), argv
// and env with $(VAR) expansion, user, capabilities and the other hardening settings.
import { existsSync, mkdirSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { containerPrivileges, ownCapabilityNames } from '../container/capabilities.js';
import { defaultDeviceFilter } from '../container/device-filter.js';
import type { BindMount, InitConfig } from '../container/init-config.js';
import { instanceProcess, type StoredImage } from './container-image.js';
import { podGroups } from '../manifest/pod-groups.js';
import type { SeccompProfileFile } from '../container/seccomp/profile.js';
import { seccompProgram } from '../container/seccomp/program.js';
import type { Container } from '../model/pod.js';
import { readJson } from '../state/atomic.js';
import type { PodPaths } from '../state/paths.js';
import type { ContainerRecord, PodRecord } from '../state/records.js';
import { oomScoreAdj } from './pod-resources.js';

export function instanceConfig(rec: PodRecord, paths: PodPaths, c: ContainerRecord): InitConfig {
  const { pod } = rec;
  const specs = c.init ? pod.spec.initContainers : pod.spec.containers;
  const idx = specs.findIndex((x) => x.name === c.name);
  const spec: Container = specs[idx];
  const field = `spec.${c.init ? 'initContainers' : 'containers'}[${idx}]`;
  const cpaths = paths.container(c.name);
  const proc = instanceProcess(pod, spec, field, rec.sandbox.hostname, readJson<StoredImage>(join(cpaths.dir, 'image.json'))!);
  const env = proc.env;
  const mounts: BindMount[] = spec.volumeMounts.map((m, i) => {
    const vol = pod.spec.volumes.find((v) => v.name === m.name)!;
    let source = vol.hostPath ? vol.hostPath.path : paths.volume(vol.name);
    if (m.subPath) {
      source = join(source, m.subPath);
      if (!existsSync(source)) mkdirSync(source, { recursive: true });
    }
    return { source, target: m.mountPath, readOnly: m.readOnly, field: `${field}.volumeMounts[${i}]` };
  });
  const { uid, gid } = proc;
  // null: Unconfined; absent: a pod created before podrun had seccomp, which ran without.
  const seccomp = readJson<SeccompProfileFile | null>(join(cpaths.dir, 'seccomp.json'));
  const cfg: InitConfig = {
    podName: pod.metadata.name,
    containerName: c.name,
    image: proc.image,
    rootfs: cpaths.rootfs,
    upper: cpaths.upper,
    work: cpaths.work,
    cgroup: c.cgroup,
    oomScoreAdj: oomScoreAdj(pod.spec, spec, BigInt(totalmem())),
    shm: paths.shm,
    etcFiles: {
      hostname: join(paths.etcDir, 'hostname'),
      hosts: join(paths.etcDir, 'hosts'),
      resolv: join(paths.etcDir, 'resolv.conf'),
    },
    mounts,
    argv: proc.argv,
    env: [...env].map(([k, v]) => `${k}=${v}`),
    cwd: proc.cwd,
    uid,
    gid,
    groups: [...new Set([...podGroups(pod.spec.securityContext), ...proc.imageGroups])],
    // Absent for a pod created before podrun had AppArmor and SELinux: none.
    lsm: readJson<InitConfig['lsm']>(join(cpaths.dir, 'lsm.json')) ?? {},
    // The supervisor's own capabilities are what ALL and privileged can give.
    ...containerPrivileges(spec.securityContext, ownCapabilityNames()),
    privileged: spec.securityContext?.privileged === true,
    readOnlyRootFilesystem: spec.securityContext?.readOnlyRootFilesystem === true,
    ...(spec.tty ? { tty: true } : {}),
    ...(spec.stdin ? { stdin: true } : {}),
  };
  // A privileged container runs without a filter, as containerd runs it. The profile's
  // capability conditions see what the process holds at exec: a non-root user holds none.
  if (seccomp && !cfg.privileged) cfg.seccompFilter = seccompProgram(seccomp, uid === 0 ? cfg.capabilities.effective : []);
  // Likewise without a device filter, as runc gives it an allow-all rule.
  if (!cfg.privileged) cfg.deviceFilter = defaultDeviceFilter();
  return cfg;
}
