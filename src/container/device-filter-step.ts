// The init step that gives the container's cgroup its device filter (device-filter.ts,
// compiled by the supervisor into cfg.deviceFilter): from then on, a task in the cgroup
// opens only the standard devices, whatever its capabilities (CAP_MKNOD can still make a
// node, not open it). A privileged container has none, as runc gives it an allow-all
// rule. No undo: removing the cgroup releases the program (cgroup-device-program.ts).
import { replaceCgroupDeviceProgram } from '../kernel/cgroup-device-program.js';
import type { InitStep } from './init-config.js';

// The kernel only asks for a GPL-compatible licence to allow GPL-only helpers; this program calls none.
const LICENSE = 'Apache-2.0';

export const deviceFilterStep: InitStep = {
  name: 'device-filter',
  setUp({ cfg }) {
    if (cfg.deviceFilter) replaceCgroupDeviceProgram(cfg.cgroup, Buffer.from(cfg.deviceFilter, 'base64'), LICENSE);
  },
};
