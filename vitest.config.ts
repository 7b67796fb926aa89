import { defineConfig } from 'vitest/config';

// Integration tests start real registry processes; two cores are all a CI machine has, so the
// file-level parallelism is capped and timeouts are generous for process start-up.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
