// image pull: a registry's image into the store; prints the image ID. On a terminal,
// stderr shows each layer's progress; otherwise only the ID is printed. Ctrl-C (or TERM)
// stops the downloads and removes what they wrote.
import { pullImage } from '../../image/registry/pull.js';
import { ImageStore } from '../../image/store/store.js';
import type { StatePaths } from '../../state/paths.js';
import { TransferProgress } from '../transfer-progress.js';

export async function pull(state: StatePaths, reference: string, o: { insecure: boolean }): Promise<void> {
  const store = ImageStore.open(state.imageStore);
  const progress = process.stderr.isTTY ? new TransferProgress(process.stderr) : undefined;
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const id = await pullImage(store, reference, {
      insecure: o.insecure,
      signal: stop.signal,
      ...(progress ? { progress: (p) => progress.update(p.layer, p.done, p.total) } : {}),
    });
    progress?.finish();
    process.stdout.write(id + '\n');
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}
