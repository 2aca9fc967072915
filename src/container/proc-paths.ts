// The /proc and /sys paths a container must not read or change, masked and made read-only
// as containerd's default spec lists them (runc applies them the same way): a masked file
// gets /dev/null bound over it, a masked directory an empty read-only tmpfs; a read-only
// path is bound onto itself and remounted read-only. Paths the kernel lacks are skipped.
// A privileged container gets neither. These run before pivot_root, on the fresh /proc and
// /sys of the root under construction, which hold no links out of it.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MS, mount } from '../../native-bindings/libc.js';
import type { InitStep } from './init-config.js';

export const MASKED_PATHS: readonly string[] = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];

export const READ_ONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

// proc's own flags, kept on the read-only remount of its subtrees.
const PROC_FLAGS = MS.NOSUID | MS.NODEV | MS.NOEXEC;

export const maskedPathsStep: InitStep = {
  name: 'masked-paths',
  setUp({ cfg }) {
    if (cfg.privileged) return;
    for (const p of MASKED_PATHS) {
      const target = join(cfg.rootfs, p);
      if (!existsSync(target)) continue;
      if (statSync(target).isDirectory()) mount('tmpfs', target, 'tmpfs', MS.RDONLY | PROC_FLAGS);
      else mount(join(cfg.rootfs, 'dev/null'), target, null, MS.BIND);
    }
  },
};

export const readOnlyPathsStep: InitStep = {
  name: 'read-only-paths',
  setUp({ cfg }) {
    if (cfg.privileged) return;
    for (const p of READ_ONLY_PATHS) {
      const target = join(cfg.rootfs, p);
      if (!existsSync(target)) continue;
      mount(target, target, null, MS.BIND | MS.REC);
      mount(null, target, null, MS.BIND | MS.REMOUNT | MS.RDONLY | PROC_FLAGS);
    }
  },
};
