// The detach keys of an attach session, in Docker's syntax ("ctrl-p,ctrl-q": a comma
// list of single characters and ctrl-@, ctrl-a..ctrl-z, ctrl-[, ctrl-\, ctrl-], ctrl-^,
// ctrl-_), and the scan of the input for them: bytes that could start the sequence are
// held back until it is complete (detach) or broken (they are passed on), as Docker does.
import { InvalidInputError } from '../util/errors.js';

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';
const CTRL_NAMES = '@abcdefghijklmnopqrstuvwxyz[\\]^_';

export function parseDetachKeys(spec: string, field = '--detach-keys'): Buffer {
  const codes: number[] = [];
  for (const key of (spec || DEFAULT_DETACH_KEYS).split(',')) {
    const ctrl = /^ctrl-(.)$/.exec(key);
    if (key.length === 1) codes.push(key.charCodeAt(0));
    else if (ctrl && CTRL_NAMES.includes(ctrl[1])) codes.push(CTRL_NAMES.indexOf(ctrl[1]));
    else throw new InvalidInputError(field, `"${key}": not a key (a character, or ctrl- and one of a-z @ [ \\ ] ^ _)`);
  }
  return Buffer.from(codes);
}

export class DetachScanner {
  private matched = 0;

  constructor(private readonly keys: Buffer) {}

  /** What to pass on of `chunk`, and whether the keys were typed (the rest is then dropped). */
  scan(chunk: Buffer): { pass: Buffer; detach: boolean } {
    const pass: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.matched]) {
        if (++this.matched === this.keys.length) return { pass: Buffer.from(pass), detach: true };
        continue;
      }
      // A broken sequence: what was held back goes on, and this byte may start a new one.
      pass.push(...this.keys.subarray(0, this.matched));
      this.matched = 0;
      if (b === this.keys[0]) this.matched = 1;
      else pass.push(b);
    }
    return { pass: Buffer.from(pass), detach: false };
  }
}
