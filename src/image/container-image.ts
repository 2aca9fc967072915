// A container's `image:` at create: an absolute path (resolve.ts, as before) or a name
// (resolve-named.ts, the store); and the user a named image's container runs as.
import { isAbsolute } from 'node:path';
import { readImageFile } from './image-files.js';
import { type ImageUser, resolveImageUser } from './image-user.js';
import type { NamedImage, PullPolicy } from './resolve-named.js';
import { resolveImage, type ResolvedImage } from './resolve.js';
import type { PullFn } from './store/pull-fn.js';

export type ContainerImage = ResolvedImage | NamedImage;

export interface ImageRequest {
  image: string;
  /** The manifest field, for path errors. */
  field: string;
  container: string;
  pullPolicy?: PullPolicy;
  /** Where path tarballs are extracted. */
  cacheDir: string;
  storeRoot: string;
  /** The pod that will use a named image: its uid, and its record that names the uid. */
  holder: { uid: string; record: string };
}

export async function resolveContainerImage(req: ImageRequest, pull: PullFn | undefined): Promise<ContainerImage> {
  if (isAbsolute(req.image)) return resolveImage(req.image, req.field, req.cacheDir);
  // Loaded on the first named image: pods of path images never load the store.
  const [{ resolveNamedImage }, { ImageStore }] = await Promise.all([import('./resolve-named.js'), import('./store/store.js')]);
  return resolveNamedImage(req, ImageStore.open(req.storeRoot), pull);
}

/**
 * The user of a named image's container: runAsUser/runAsGroup over the image's USER,
 * names and a bare uid's group from the image's /etc/passwd and /etc/group.
 */
export function namedImageUser(img: NamedImage, runAsUser: number | undefined, runAsGroup: number | undefined): ImageUser {
  let spec = img.config.user;
  if (runAsUser !== undefined) spec = String(runAsUser);
  if (runAsGroup !== undefined) spec = `${spec.split(':')[0] ?? ''}:${runAsGroup}`;
  return resolveImageUser(spec, readImageFile(img.dirs, 'etc/passwd'), readImageFile(img.dirs, 'etc/group'));
}
