#!/usr/bin/env node
// Fails when an import points up the architecture: every module may import from its own
// folder and from folders of a lower layer only. The layers, top to bottom, are the
// README's (Architecture); a new folder must be given a layer here before it is used.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LAYERS = [
  ['src/cli'],
  ['src/supervisor'],
  ['src/api'],
  ['src/pod'],
  ['src/probe'],
  ['src/container', 'src/net', 'src/image'],
  ['src/cgroup', 'src/logs', 'src/events', 'src/manifest'],
  ['src/kernel'],
  ['src/state'],
  ['src/model', 'native-bindings'],
  ['src/util'],
];

const rankOf = new Map(LAYERS.flatMap((dirs, i) => dirs.map((d) => [d, LAYERS.length - i])));

function* sources(dir) {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

/** The folder of a module that the layer table knows (src/pod/x.ts -> src/pod). */
function folderOf(file) {
  const parts = file.split('/');
  return parts[0] === 'src' ? parts.slice(0, 2).join('/') : parts[0];
}

/** Every violation in the tree at `root`, as "from -> to" lines. */
export function layerViolations(root) {
  const bad = [];
  const files = [...sources(join(root, 'src')), ...sources(join(root, 'native-bindings'))].map((f) => relative(root, f));
  for (const file of files) {
    const from = folderOf(file);
    const fromRank = rankOf.get(from);
    if (fromRank === undefined) {
      bad.push(`${file}: folder ${from} has no layer in scripts/check-layers.mjs`);
      continue;
    }
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = normalize(join(dirname(file), m[1]));
      const to = folderOf(target);
      if (to === from) continue;
      const toRank = rankOf.get(to);
      if (toRank === undefined || toRank >= fromRank) bad.push(`${file} imports ${target} (${from} -> ${to})`);
    }
  }
  return bad;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bad = layerViolations(join(dirname(fileURLToPath(import.meta.url)), '..'));
  for (const b of bad) process.stderr.write(`${b}\n`);
  process.exit(bad.length ? 1 : 0);
}
