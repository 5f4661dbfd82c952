import { defineConfig } from 'vitest/config';

// The production topology's own suites (ORDERSYNC_TEMPORAL=server,
// ORDERSYNC_KAFKA_NODES=3). They stop brokers and servers, so they run only in
// the CI cell of that topology, never in `npm test` (vitest.config.mts leaves them out).
export default defineConfig({
  test: {
    include: ['test/production/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
