import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Run in a VM with a pure cgroup v2 kernel by `make test-vm` (vm/vitest.config.ts).
    exclude: [...configDefaults.exclude, 'test/vm/**'],
    // Integration tests drive real namespaces and cgroups; two cores cannot run many at once.
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
