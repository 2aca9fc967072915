// What an exec'd command gets of its container: pure logic shared by `podrun exec` and the
// supervisor's exec probes and hooks. It is the container's own InitConfig (the one its
// main process was started from) with the command, environment, working directory and,
// for `exec -u`, the user replaced; everything that restricts the process (capabilities,
// no_new_privs, seccomp filter, LSM labels, supplementary groups) stays as it is.
import type { InitConfig } from './init-config.js';

export interface ExecRequest {
  argv: string[];
  /** KEY=VALUE entries added to (and overriding) the container's environment. */
  env?: string[];
  cwd?: string;
  /** `exec -u UID[:GID]`; the GID defaults to the UID. */
  user?: { uid: number; gid?: number };
  /** `exec -t`: stdio is a pty's replica, to become the controlling terminal (terminal.ts). */
  tty?: boolean;
}

/**
 * `ownCapabilities` is asked only for a container started before podrun had hardening
 * (its InitConfig has no capability sets): it ran with podrun's own capabilities, no
 * no_new_privs and no supplementary groups, and its exec'd commands get the same.
 */
export function execConfig(cfg: InitConfig, req: ExecRequest, ownCapabilities: () => string[]): InitConfig {
  if (cfg.capabilities === undefined) {
    const own = ownCapabilities();
    cfg = { ...cfg, capabilities: { effective: own, bounding: own }, noNewPrivs: false, groups: cfg.groups ?? [] };
  }
  const env = new Map<string, string>();
  for (const kv of [...cfg.env, ...(req.env ?? [])]) {
    const i = kv.indexOf('=');
    env.set(kv.slice(0, i), kv.slice(i + 1));
  }
  // Like kubectl exec, the command runs as the container's user unless told otherwise;
  // the supplementary groups (supplementalGroups, fsGroup) are the pod's, so they stay.
  const user = req.user ? { uid: req.user.uid, gid: req.user.gid ?? req.user.uid } : { uid: cfg.uid, gid: cfg.gid };
  return {
    ...cfg,
    argv: req.argv,
    env: [...env].map(([k, v]) => `${k}=${v}`),
    cwd: req.cwd ?? cfg.cwd,
    ...user,
    // The exec's own, never the container's: a probe of a tty container has no terminal.
    tty: req.tty === true,
    stdin: false,
  };
}
