// An image that podrun refuses: a blob or layer whose digest does not match, a manifest
// or config that is not what it must be, a hostile or corrupt archive. Input at fault,
// so exit 2; the message names the blob, file or archive entry.
import { PodrunError } from '../util/errors.js';

export class BadImageError extends PodrunError {
  constructor(message: string) {
    super(message, 'invalid');
  }
}

export function digestMismatch(what: string, digest: string, actual: string): BadImageError {
  return new BadImageError(`${what} ${digest}: content does not match its digest (it hashes to ${actual})`);
}
