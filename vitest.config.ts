import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each skipped test prints its reason (the default reporter shows no skipped test by name).
    setupFiles: ['test/setup/skip-reasons.ts', 'test/setup/plain-environment.ts'],
    // Generous: many tests start the CLI through tsx or real peers, which on a busy 2-core machine
    // takes seconds each; a test's own deadlines are what it checks, never vitest's.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Real-peer and netns tests spawn processes and bind ports: keep parallelism modest on 2 cores.
    maxWorkers: 2,
    pool: 'forks',
  },
});
