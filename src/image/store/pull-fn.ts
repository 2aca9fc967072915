// The registry pull as the store's callers see it (types only): the `pull` side
// implements it in src/image/registry/, and create-time resolution receives it injected.
import type { ImageStore } from './store.js';

export interface PullProgress {
  layer: string;
  done: number;
  total: number;
}

export interface PullOptions {
  insecure?: boolean;
  progress?: (p: PullProgress) => void;
  signal?: AbortSignal;
}

/** Pulls `reference` into the store; resolves to the image ID (sha256 of the config). */
export type PullFn = (store: ImageStore, reference: string, opts: PullOptions) => Promise<string>;
