import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Temporal workers run out of memory in worker threads, so each test file gets its own process.
    pool: 'forks',
    globalSetup: 'test/support/global-setup.ts',
    // Tests run real workflows against a real Temporal server and FerretDB.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The Temporal runtime can keep a process alive after its workers shut down.
    teardownTimeout: 30_000,
  },
});
