// The pod network's settings: the bridge's name (PODRUN_BRIDGE), the address ranges
// (PODRUN_POD_IPV4_RANGE, PODRUN_POD_IPV6_RANGE, see ipam) and where the state root keeps
// the leases. Read by the supervisor from its environment; the CLI checks the same values
// before it starts one, so a bad value is refused (exit 2, naming the variable).
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '../util/errors.js';
import { gateways, netRangesFromEnv, type NetRanges } from './ipam.js';

export const BRIDGE_VARIABLE = 'PODRUN_BRIDGE';
export const DEFAULT_BRIDGE = 'podrun0';

export interface NetConfig {
  /** The bridge, and also the name of podrun's nftables table (one of each per state root). */
  bridge: string;
  ranges: NetRanges;
  /** The state root's lease file. */
  leases: string;
  /** The state root's pods directory: a lease whose pod has no network plan there is dead. */
  podsDir: string;
}

// A Linux interface name (at most 15 bytes) that is also a valid nftables table name.
const BRIDGE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,14}$/;

export function bridgeFromEnv(env: NodeJS.ProcessEnv): string {
  const name = env[BRIDGE_VARIABLE] || DEFAULT_BRIDGE;
  if (!BRIDGE_NAME.test(name)) {
    throw new InvalidInputError(
      BRIDGE_VARIABLE,
      `${JSON.stringify(name)}: must be 1-15 letters, digits or underscores, starting with a letter (an interface and nftables table name)`,
    );
  }
  return name;
}

/** The settings for the state root at `stateDir`; InvalidInputError naming the variable at fault. */
export function netConfigFromEnv(env: NodeJS.ProcessEnv, stateDir: string): NetConfig {
  return {
    bridge: bridgeFromEnv(env),
    ranges: netRangesFromEnv(env),
    leases: join(stateDir, 'net', 'leases.json'),
    podsDir: join(stateDir, 'pods'),
  };
}

/**
 * The host's addresses, IPv4 first, as Kubernetes reports a node's: the first global one of
 * each family in the supervisor's network namespace other than the bridge's own, or else the
 * bridge's (the pods' gateways: the host's only addresses in a namespace with no other).
 * getifaddrs(3) asks the calling thread's namespace: the supervisor's.
 */
export function hostAddresses(config: NetConfig): string[] {
  const g = gateways(config.ranges);
  const others = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal && a.address !== g.gateway4 && a.address !== g.gateway6);
  const v4 = others.find((a) => a!.family === 'IPv4')?.address ?? g.gateway4;
  const v6 = others.find((a) => a!.family === 'IPv6' && a!.scopeid === 0)?.address ?? g.gateway6;
  return [v4, v6];
}
