// The decompression-bomb bound of a layer: it may expand to at most RATIO times its
// compressed size (at least FLOOR, so small layers of sparse or zero-filled files still
// import), and never past MAX. Read from the environment of the process that imports.
import { parseIntegerQuantity } from '../../model/quantity.js';
import { InvalidInputError } from '../../util/errors.js';

export const MAX_RATIO_VAR = 'PODRUN_IMAGE_MAX_RATIO';
export const MAX_LAYER_SIZE_VAR = 'PODRUN_IMAGE_MAX_LAYER_SIZE';

export interface LayerLimits {
  ratio: number;
  floor: number;
  max: number;
}

export const DEFAULT_LAYER_LIMITS: Readonly<LayerLimits> = Object.freeze({
  ratio: 100,
  floor: 1024 ** 3,
  max: 64 * 1024 ** 3,
});

function positive(name: string, text: string): number {
  const n = parseIntegerQuantity(text.trim());
  if (n === null || !(n >= 1) || !Number.isSafeInteger(n)) {
    throw new InvalidInputError(name, `${JSON.stringify(text)}: must be a positive whole number or a quantity like 512Mi`);
  }
  return n;
}

export function layerLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): LayerLimits {
  const ratio = env[MAX_RATIO_VAR] ? positive(MAX_RATIO_VAR, env[MAX_RATIO_VAR]) : DEFAULT_LAYER_LIMITS.ratio;
  const max = env[MAX_LAYER_SIZE_VAR] ? positive(MAX_LAYER_SIZE_VAR, env[MAX_LAYER_SIZE_VAR]) : DEFAULT_LAYER_LIMITS.max;
  return { ratio, max, floor: Math.min(DEFAULT_LAYER_LIMITS.floor, max) };
}

/** How many uncompressed bytes a layer of `compressed` bytes may have. */
export function expansionBound(compressed: number, limits: LayerLimits): number {
  return Math.min(limits.max, Math.max(limits.floor, compressed * limits.ratio));
}
