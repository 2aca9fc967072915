// A named `image:` at create: look it up in the store and pull it when imagePullPolicy
// says so (Always: every create; IfNotPresent: when absent; Never: the store only), then
// hold it for the pod so that no removal or GC takes its layers while the pod lives.
// A failure is one line naming the container, the image and the cause (exit 1).
import { defaultPullPolicy, parseImageReference } from '../model/image-reference.js';
import { PodrunError } from '../util/errors.js';
import { runConfigOf, type ImageRunConfig } from './image-config.js';
import type { PullFn } from './store/pull-fn.js';
import type { ImageStore } from './store/store.js';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

export interface NamedImage {
  kind: 'layers';
  id: string;
  /** The directory `lowers` are relative to. */
  linkDir: string;
  /** Short overlay lowerdir names, top first. */
  lowers: string[];
  /** The layer directories, top first. */
  dirs: string[];
  config: ImageRunConfig;
}

export interface NamedRequest {
  image: string;
  container: string;
  pullPolicy?: PullPolicy;
  holder: { uid: string; record: string };
}

/** The policy Kubernetes defaults to for this reference. */
export function pullPolicyFor(image: string, given: PullPolicy | undefined): PullPolicy {
  if (given) return given;
  const ref = parseImageReference(image);
  return typeof ref === 'string' ? 'IfNotPresent' : defaultPullPolicy(ref);
}

export async function resolveNamedImage(req: NamedRequest, store: ImageStore, pull: PullFn | undefined): Promise<NamedImage> {
  const fail = (cause: string) => new PodrunError(`container ${JSON.stringify(req.container)}: image ${JSON.stringify(req.image)}: ${cause}`);
  const policy = pullPolicyFor(req.image, req.pullPolicy);
  let image = policy === 'Always' ? undefined : store.hold(req.image, req.holder);
  if (!image) {
    if (policy === 'Never') throw fail('not present in the image store, and imagePullPolicy is Never');
    if (!pull) throw fail(`not present in the image store, and this podrun cannot pull (import it with podrun image import)`);
    let id: string;
    try {
      id = await pull(store, req.image, {});
    } catch (e) {
      throw fail(`pull failed: ${(e as Error).message}`);
    }
    image = store.hold(id, req.holder);
    if (!image) throw fail('pulled, but the store has no image by that name');
  }
  return { kind: 'layers', id: image.id, ...store.layers(image), config: runConfigOf(store.config(image).config) };
}
