// The image config as the kubelet applies it to a container (pure): command replaces
// Entrypoint, args replaces Cmd (command without args drops Cmd too), Env goes under
// the manifest's env, WorkingDir and User apply unless the manifest says otherwise.
import type { ExecConfig } from './oci/documents.js';

/** What create keeps of an image's config for its containers' instances. */
export interface ImageRunConfig {
  entrypoint: string[];
  cmd: string[];
  env: string[];
  workingDir?: string;
  user: string;
  stopSignal?: string;
}

export function runConfigOf(c: ExecConfig | undefined): ImageRunConfig {
  return {
    entrypoint: c?.Entrypoint ?? [],
    cmd: c?.Cmd ?? [],
    env: c?.Env ?? [],
    ...(c?.WorkingDir ? { workingDir: c.WorkingDir } : {}),
    user: c?.User ?? '',
    ...(c?.StopSignal ? { stopSignal: c.StopSignal } : {}),
  };
}

/** The process argv before $(VAR) expansion (Kubernetes' command/args table). */
export function effectiveArgv(command: string[] | undefined, args: string[] | undefined, img: ImageRunConfig): string[] {
  // An empty list is unset, as containerd reads the CRI request.
  if (command?.length) return [...command, ...(args ?? [])];
  return [...img.entrypoint, ...(args?.length ? args : img.cmd)];
}
