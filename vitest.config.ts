import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each skipped test prints its reason (the default reporter shows no skipped test by name).
    setupFiles: ['test/setup/skip-reasons.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real-peer and netns tests spawn processes and bind ports: keep parallelism modest on 2 cores.
    maxWorkers: 2,
    pool: 'forks',
  },
});
