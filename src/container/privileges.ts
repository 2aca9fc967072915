// The process steps that take privileges away before execve, in the order runc uses:
// no_new_privs, then the bounding set while still root (PR_CAPBSET_DROP needs
// CAP_SETPCAP), keeping the permitted set across the `user` step's setresuid
// (PR_SET_KEEPCAPS; setresuid away from 0 would clear it), then, as the final user,
// effective = permitted = the kept set, inheritable and ambient empty.
import { readFileSync } from 'node:fs';
import {
  clearAmbientCapabilities,
  dropBoundingCapability,
  setCapabilities,
  setKeepCaps,
  setNoNewPrivs,
} from '../../native-bindings/libc.js';
import { CAPABILITY_NAMES } from '../model/capabilities.js';
import { capabilityMask } from './capabilities.js';
import type { InitStep } from './init-config.js';

export const noNewPrivsStep: InitStep = {
  name: 'no-new-privs',
  setUp({ cfg }) {
    if (cfg.noNewPrivs) setNoNewPrivs();
  },
};

export const boundingSetStep: InitStep = {
  name: 'bounding-set',
  setUp({ cfg }) {
    const kept = new Set(cfg.capabilities.bounding);
    // The kernel's own count, so that a capability newer than CAPABILITY_NAMES goes too.
    const last = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
    for (let bit = 0; bit <= last; bit++) {
      if (!kept.has(CAPABILITY_NAMES[bit])) dropBoundingCapability(bit);
    }
    if (cfg.uid !== 0) setKeepCaps(true);
  },
};

export const capabilitiesStep: InitStep = {
  name: 'capabilities',
  setUp({ cfg }) {
    const mask = capabilityMask(cfg.capabilities.effective);
    setCapabilities(mask, mask, 0n);
    clearAmbientCapabilities();
    if (cfg.uid !== 0) setKeepCaps(false);
  },
};
