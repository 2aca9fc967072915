// A CommonJS `require` in both builds, for modules loaded on first use rather than at
// import: dist/exec.cjs and dist/exec-stage.cjs (esbuild bundles, CommonJS) have their own
// and an empty import.meta; the ESM build (dist/src) has only import.meta, so it makes one.
import { createRequire } from 'node:module';

export const nodeRequire: NodeJS.Require = typeof require === 'function' ? require : createRequire(import.meta.url);
