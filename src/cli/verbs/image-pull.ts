// image pull: a registry's image into the store; prints the image ID. On a terminal,
// stderr shows each layer's progress; otherwise only the ID is printed. Ctrl-C (or TERM)
// stops the downloads and removes what they wrote.
import { parseImageReference } from '../../model/image-reference.js';
import type { StatePaths } from '../../state/paths.js';
import { InvalidInputError } from '../../util/errors.js';
import type { ImageSubcommand } from './image.js';

async function pull(state: StatePaths, reference: string, o: { insecure: boolean }): Promise<void> {
  const [{ pullImage }, { ImageStore }, { terminalProgress }] = await Promise.all([
    import('../../image/registry/pull.js'),
    import('../../image/store/store.js'),
    import('../progress.js'),
  ]);
  // Bad input changes nothing: the reference is checked before the store is made.
  const ref = parseImageReference(reference);
  if (typeof ref === 'string') throw new InvalidInputError('REF', ref);
  const store = ImageStore.open(state.imageStore);
  const progress = terminalProgress();
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const id = await pullImage(store, reference, { insecure: o.insecure, signal: stop.signal, ...(progress ? { progress } : {}) });
    process.stdout.write(id + '\n');
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

export const pullVerb: ImageSubcommand = (image, state) => {
  image
    .command('pull')
    .description('pull an image from a registry (OCI distribution API v2) into the store; print its ID')
    .option('--insecure', 'allow plain HTTP and unverified TLS for this registry', false)
    .argument('<reference>')
    .action((reference: string, o: { insecure: boolean }, cmd) => pull(state(cmd), reference, o));
};
