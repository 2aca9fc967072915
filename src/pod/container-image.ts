// What create keeps of a container's image (image.json in the container's directory), and
// how an instance's argv, env, working directory and user follow from it: a path image
// has no config (command is required, the manifest's user), a named image's config
// applies as the kubelet applies it (src/image/image-config.ts).
import { containerArgv, containerEnv, expandVars, userOf, type InitConfig } from '../container/init-config.js';
import { namedImageUser, type ContainerImage } from '../image/container-image.js';
import { effectiveArgv, type ImageRunConfig } from '../image/image-config.js';
import type { ImageUser } from '../image/image-user.js';
import { runAsNonRootError } from '../manifest/run-as-non-root.js';
import type { Container, Pod } from '../model/pod.js';
import { parseSignal } from '../model/signals.js';
import { InvalidInputError, PodrunError } from '../util/errors.js';

export type StoredImage =
  | { kind: 'host' }
  | { kind: 'dir'; path: string }
  | { kind: 'layers'; id: string; linkDir: string; lowers: string[]; config: ImageRunConfig; user: ImageUser };

/** Checks the container against its resolved image (runAsNonRoot, a command to run, the user) at create. */
export function storedImage(pod: Pod, c: Container, field: string, img: ContainerImage): StoredImage {
  if (img.kind !== 'layers') {
    containerArgv(c, new Map(), field); // command is required for path images
    return img;
  }
  const nonRoot = runAsNonRootError(pod, c, field, img.config.user);
  if (nonRoot) throw nonRoot;
  if (img.config.stopSignal !== undefined) {
    try {
      parseSignal(img.config.stopSignal);
    } catch {
      throw new PodrunError(`container ${JSON.stringify(c.name)}: image ${JSON.stringify(c.image)}: its StopSignal ${JSON.stringify(img.config.stopSignal)} is not a signal`);
    }
  }
  if (effectiveArgv(c.command, c.args, img.config).length === 0) {
    throw new InvalidInputError(`${field}.command`, `required: the image ${JSON.stringify(c.image)} has no Entrypoint or Cmd`);
  }
  const sc = c.securityContext;
  const podSc = pod.spec.securityContext;
  let user: ImageUser;
  try {
    user = namedImageUser(img, sc?.runAsUser ?? podSc?.runAsUser, sc?.runAsGroup ?? podSc?.runAsGroup);
  } catch (e) {
    throw new PodrunError(`container ${JSON.stringify(c.name)}: image ${JSON.stringify(c.image)}: ${(e as Error).message}`);
  }
  return { kind: 'layers', id: img.id, linkDir: img.linkDir, lowers: img.lowers, config: img.config, user };
}

export interface InstanceProcess {
  image: InitConfig['image'];
  argv: string[];
  env: Map<string, string>;
  cwd: string;
  uid: number;
  gid: number;
  /** Supplementary groups the image's /etc/group gives the user. */
  imageGroups: number[];
}

export function instanceProcess(pod: Pod, spec: Container, field: string, hostname: string, img: StoredImage): InstanceProcess {
  if (img.kind !== 'layers') {
    const env = containerEnv(spec, hostname);
    return { image: img, argv: containerArgv(spec, env, field), env, cwd: spec.workingDir ?? '/', ...userOf(pod, spec), imageGroups: [] };
  }
  const env = containerEnv(spec, hostname, img.config.env);
  return {
    image: { kind: 'layers', linkDir: img.linkDir, lowers: img.lowers },
    argv: effectiveArgv(spec.command, spec.args, img.config).map((a) => expandVars(a, env)),
    env,
    cwd: spec.workingDir ?? img.config.workingDir ?? '/',
    uid: img.user.uid,
    gid: img.user.gid,
    imageGroups: img.user.groups,
  };
}
