// The architecture's layering: imports point only downward (scripts/check-layers.mjs).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { layerViolations } from '../../scripts/check-layers.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'podrun-layers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmp, 't-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  mkdirSync(join(root, 'native-bindings'), { recursive: true });
  return root;
}

describe('import layering', () => {
  it('the source tree has no import that points up', () => {
    expect(layerViolations(join(__dirname, '..', '..'))).toEqual([]);
  });

  it('flags an upward import, a dynamic one, and a folder with no layer', () => {
    const root = tree({
      'src/state/records.ts': "import { advance } from '../pod/backoff.js';\n",
      'src/probe/exec.ts': "const m = await import('../pod/exec.js');\n",
      'src/pod/backoff.ts': "import type { X } from '../state/records.js';\n",
      'src/widgets/a.ts': '',
    });
    expect(layerViolations(root).sort()).toEqual([
      'src/probe/exec.ts imports src/pod/exec.js (src/probe -> src/pod)',
      'src/state/records.ts imports src/pod/backoff.js (src/state -> src/pod)',
      'src/widgets/a.ts: folder src/widgets has no layer in scripts/check-layers.mjs',
    ]);
  });
});
