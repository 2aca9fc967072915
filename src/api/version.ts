// podrun's version: package.json's, read at run time (dist/src/api/ in a build, src/api/
// under the tests), so there is no second copy to forget.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PodrunError } from '../util/errors.js';

let version: string | undefined;

export function podrunVersion(): string {
  if (version) return version;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'podrun' && pkg.version) return (version = pkg.version);
    } catch {
      /* none here: look further up */
    }
    if (dirname(dir) === dir) throw new PodrunError('package.json not found above the installed code');
  }
}
