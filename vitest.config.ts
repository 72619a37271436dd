import { defineConfig } from 'vitest/config';
import { CORE_SUITES } from './tests/coreSuites.js';

// Three projects: `unit` (the library from src/, seconds), `relaxed` (the core suites again with
// Node's relaxed-SIMD flag, so the WASM backend runs its relaxed-SIMD build; Node 22+ need no
// flag) and `e2e` (what a user runs: the CLI and the packed tarball from dist/, browsers, the docs
// build, the benchmark command, the memory soak). `npm test` runs all; `npm run test:unit` only the first.

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'relaxed',
          include: CORE_SUITES,
          execArgv: ['--experimental-wasm-relaxed-simd'],
          env: { ATTNPOOL_EXPECT_RELAXED: '1' },
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/*.test.ts'],
          // These start processes (the CLI, tsc, npm, browsers); a loaded 2-core CI machine needs
          // more than the default 5 s. No test asserts speed.
          testTimeout: 120_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
