import { gaussLossNd, gaussSumsNd } from '../fast/nd/index.js';
import { scaleFeatures } from '../fast/nd/lossNd.js';
import type { Criterion } from './bandwidthSearch.js';
import { dRhoDw, type Bandwidths, type KeySet } from './keySet.js';
import { LocalEstimator } from './localEstimate.js';
import { fitAt } from './localFit.js';
import { looCv } from './looCv.js';

/**
 * From this many points on, local constant with the Gaussian kernel in two or three variables
 * runs its O(n²) passes (the CV and its gradient, the fitted values) on the d-dimensional fast
 * path instead of the exact float64 loops. One CV with its gradient, uniform x, h at ½ and 1 times
 * the normal reference (Node 20, the benchmark machine): n = 300 exact 6–12 ms, fast 7–22 ms;
 * n = 600 exact 20–36 ms, fast 3–10 ms; n = 3000 exact 350–650 ms, fast 52–90 ms; the CVs agreed
 * within 1.2e-9 relative. Below it the exact loops are as fast and keep statsmodels' values to
 * rounding.
 */
export const FAST_LC_MIN_POINTS = 600;

/**
 * Whether the fast path (src/fast/nd/, |ŷ − ŷ_exact| ≤ 1e-9·(max y − min y)/2 per point) takes
 * a local-constant fit's passes: the Gaussian kernel, d ∈ {2, 3}, n ≥ FAST_LC_MIN_POINTS (an
 * evaluation at an infinite w_k goes to the exact loops).
 */
export function fastLocalConstant(keys: KeySet): boolean {
  return keys.kernel === 'gaussian' && (keys.d === 2 || keys.d === 3) && keys.n >= FAST_LC_MIN_POINTS;
}

/**
 * Local constant's CV(w) = (1/n) Σ_i (y_i − ŷ_{−i})² and ∂CV/∂w_k through the fast path's
 * leave-one-out loss (gaussLossNd with excludeSelf: the self term is skipped exactly). ∂/∂ρ_k
 * (ρ = w²/2) is ∂/∂w_k / w_k; at w_k = 0, where ∂/∂w_k is 0 by symmetry, it is reported as 0, as
 * the backend's passes do (the search does not read it).
 */
export function fastLcCriterion(keys: KeySet): Criterion {
  const { x, y, n, d } = keys;
  const exact = new LocalEstimator(keys, 'lc');
  return (w, wantGrad) => {
    // an infinite w (a subnormal h given as the bandwidth) is the exact loops' nearest-neighbour limit
    if (!w.every(Number.isFinite)) return looCv(keys, 'lc', w, wantGrad, exact);
    const r = gaussLossNd(x, x, y, y, w, d, 1, { excludeSelf: true });
    const gradW = new Float64Array(d);
    const gradRho = new Float64Array(d);
    if (wantGrad) {
      for (let k = 0; k < d; k++) {
        gradW[k] = r.grad[k] / n;
        const s = dRhoDw(keys.kernel, w[k]);
        gradRho[k] = s === 0 ? 0 : gradW[k] / s;
      }
    }
    return { value: r.loss / n, gradW, gradRho };
  };
}

/** Local constant ŷ at queries q [nq, d] on the fast path (every w_k = 0: the mean of y, as the kernel is then flat). */
export function fastLcAt(keys: KeySet, w: Bandwidths, q: Float64Array): Float64Array {
  const { x, y, n, d } = keys;
  if (!w.every(Number.isFinite)) return fitAt(keys, 'lc', w, q, q.length / d, false).yHat;
  if (w.every((wk) => wk === 0)) return new Float64Array(q.length / d).fill(y.reduce((a, b) => a + b, 0) / n);
  return gaussSumsNd(scaleFeatures(q, w, d), scaleFeatures(x, w, d), y, d, 1).yHat;
}
