// The VM tests (test/vm/*.test.ts), run by vm/test-vm.sh inside the guest. One file at a
// time: the guest has 2 emulated CPUs and each podrun command costs seconds there.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/vm/**/*.test.ts'],
    fileParallelism: false,
    maxWorkers: 1,
    minWorkers: 1,
    testTimeout: 240_000,
    hookTimeout: 300_000,
  },
});
