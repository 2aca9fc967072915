// Reading a manifest from a file or stdin, and the checks the CLI can make before it
// touches the machine (so invalid input changes nothing, not even a supervisor start).
import { readFileSync, statSync } from 'node:fs';
import { parseManifest } from '../manifest/parse.js';
import type { Pod } from '../model/pod.js';
import { InvalidInputError } from '../util/errors.js';

export function readManifestText(file: string): string {
  try {
    return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    throw new InvalidInputError('-f', `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

export function loadManifest(file: string): { text: string; pod: Pod } {
  const text = readManifestText(file);
  const pod = parseManifest(text, file === '-' ? '<stdin>' : file);
  const lists: [string, Pod['spec']['containers']][] = [
    ['spec.initContainers', pod.spec.initContainers],
    ['spec.containers', pod.spec.containers],
  ];
  for (const [field, list] of lists) {
    list.forEach((c, i) => {
      if (c.image === '/' || !c.image.startsWith('/')) return; // a name: resolved from the store at create
      try {
        statSync(c.image);
      } catch {
        throw new InvalidInputError(`${field}[${i}].image`, `"${c.image}": no such file or directory`);
      }
    });
  }
  return { text, pod };
}
