import { defineConfig } from 'vitest/config';

/** Runs the pure unit tests without the global setup that starts servers. */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
  },
});
