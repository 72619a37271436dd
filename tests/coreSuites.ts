/**
 * The suites that hold the WASM backend to the float64 reference and its numerics to their
 * stated bounds: the `relaxed` vitest project runs them on the relaxed-SIMD build under Node 20's
 * flag, and tests/e2e/node22.test.ts under Node 22.
 */
export const CORE_SUITES = [
  'tests/backend.test.ts',
  'tests/kernels.test.ts',
  'tests/wasm.test.ts',
  'tests/wasmNd.test.ts',
  'tests/nd.test.ts',
  'tests/extremes.test.ts',
  'tests/parallel.test.ts',
  'tests/features.test.ts',
  'tests/properties.test.ts',
  'tests/issue19.test.ts',
  'tests/scaleInvariance.test.ts',
  'tests/costModel.test.ts',
  'tests/out.test.ts',
  'tests/fastNd.test.ts',
  'tests/fastGaussNdWasm.test.ts',
];
