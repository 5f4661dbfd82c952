import { defaultExclude, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Suites that need the production topology run with vitest.production.config.mts.
    exclude: [...defaultExclude, 'test/production/**'],
    // Integration and end-to-end suites share real servers; run files one at a time.
    fileParallelism: false,
    // A test whose own waits (`eventually` bounds) add up to more sets a larger timeout,
    // so on a loaded machine the wait that ran out is named instead of a bare timeout.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
