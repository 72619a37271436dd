import type { PoolCall } from '../args/pool.js';
import { planGaussSumsNd, type GaussSumsNdOptions, type PlannedSumsNd } from './nd/gaussSumsNd.js';
import { scaleFeatures } from './nd/lossNd.js';

/**
 * The largest |w_k·x| the d-dimensional path takes: squared differences of scaled coordinates stay
 * far inside float64 (4e300 at most), so its sums never overflow. Past it every weight but the
 * nearest key's is below 2^-1074 anyway, which dense pooling handles in its float64 fallback.
 */
export const ND_SCALED_LIMIT = 1e150;

/** Whether every scaled coordinate w_k·x of the call's queries and keys is within ±ND_SCALED_LIMIT. */
export function scaledWithinLimit(p: PoolCall): boolean {
  const within = (x: Float32Array): boolean => {
    for (let i = 0; i < x.length; i += p.d) for (let f = 0; f < p.d; f++) if (Math.abs(p.w[f] * x[i + f]) > ND_SCALED_LIMIT) return false;
    return true;
  };
  return within(p.q) && within(p.k);
}

/**
 * A checked Gaussian call with d ∈ {2, 3} features and shared keys, planned on the d-dimensional
 * fast path (src/fast/nd/): features scaled by their w_k into float64, the values' columns as
 * they are; `gradient` for the loss; `options.method` forces one of its two methods (calibration);
 * `options.runExactPass` runs its exact pass on `options.exactThreads` threads (default: the
 * calling thread). The plan's cost is in the path's model ns.
 */
export function planPoolNd(p: PoolCall, gradient: boolean, options: Pick<GaussSumsNdOptions, 'method' | 'runExactPass' | 'exactThreads'> = {}): PlannedSumsNd {
  return planGaussSumsNd(scaleFeatures(p.q, p.w, p.d), scaleFeatures(p.k, p.w, p.d), Float64Array.from(p.v), p.d, p.dv, {
    excludeSelf: p.excludeSelf,
    gradient,
    ...options,
  });
}
