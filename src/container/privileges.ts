// The process steps that take privileges away before execve: no_new_privs; the
// bounding set, as runc limits it, while still root (PR_CAPBSET_DROP needs
// CAP_SETPCAP), keeping the permitted set across the `user` step's setresuid
// (PR_SET_KEEPCAPS; setresuid away from 0 would clear it; execve resets the flag), then,
// as the final user, effective = permitted = the kept set, inheritable empty. The kernel
// keeps the ambient set within the inheritable one, so that empties the ambient set too.
import { readFileSync } from 'node:fs';
import { dropBoundingCapability, setCapabilities, setKeepCaps, setNoNewPrivs } from '../../native-bindings/libc.js';
import { CAPABILITY_NAMES, capabilityName } from '../model/capabilities.js';
import { capabilityMask } from './capabilities.js';
import type { InitStep } from './init-config.js';

export const noNewPrivsStep: InitStep = {
  name: 'no-new-privs',
  setUp({ cfg }) {
    if (cfg.noNewPrivs) setNoNewPrivs();
  },
};

// The kernel's own count, so that a capability newer than CAPABILITY_NAMES goes too. Read
// at import, on the host's /proc: `podrun exec` and the exec stage run the step inside the
// container's mount namespace, where a container with CAP_SYS_ADMIN could mount a smaller
// number over the file and keep capabilities in the bounding set.
const LAST_CAP = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));

export const boundingSetStep: InitStep = {
  name: 'bounding-set',
  setUp({ cfg }) {
    const kept = new Set(cfg.capabilities.bounding.map(capabilityName));
    for (let bit = 0; bit <= LAST_CAP; bit++) {
      if (!kept.has(CAPABILITY_NAMES[bit])) dropBoundingCapability(bit);
    }
    if (cfg.uid !== 0) setKeepCaps();
  },
};

export const capabilitiesStep: InitStep = {
  name: 'capabilities',
  setUp({ cfg }) {
    const mask = capabilityMask(cfg.capabilities.effective.map((n) => capabilityName(n)!));
    setCapabilities(mask, mask, 0n);
  },
};
