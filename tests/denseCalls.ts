import type { Kernels } from '../src/backend/kernels.js';

/**
 * Which way a backend's calls go: wraps its dense `pool` and `poolLoss` kernels to count their
 * calls. `ranDense(f)` says whether f called either; `restore()` puts the kernels back.
 */
export function watchDenseCalls(kernels: Kernels): { ranDense(f: () => unknown): boolean; restore(): void } {
  const { pool, poolLoss } = kernels;
  let calls = 0;
  kernels.pool = (...a) => {
    calls++;
    return pool.apply(kernels, a);
  };
  kernels.poolLoss = (...a) => {
    calls++;
    return poolLoss.apply(kernels, a);
  };
  return {
    ranDense(f) {
      const before = calls;
      f();
      return calls > before;
    },
    restore() {
      kernels.pool = pool;
      kernels.poolLoss = poolLoss;
    },
  };
}
