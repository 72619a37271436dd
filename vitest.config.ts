import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Some tests start processes (the CLI, tsc, npm, Chromium); a loaded 2-core CI machine needs
    // more than the default 5 s. No test asserts speed.
    testTimeout: 60_000,
    hookTimeout: 600_000,
  },
});
