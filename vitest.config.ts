import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real-peer and netns tests spawn processes and bind ports: keep parallelism modest on 2 cores.
    maxWorkers: 2,
    pool: 'forks',
  },
});
