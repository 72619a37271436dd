import { dRhoDw, type Bandwidths, type KeySet } from './keySet.js';
import { LocalEstimator, type Regression } from './localEstimate.js';
import type { CriterionValue } from './criterion.js';

/**
 * Least-squares leave-one-out cross-validation, statsmodels' `cv_loo`:
 * CV(w) = (1/n) Σ_i (y_i − ŷ_{−i}(x_i))², ŷ_{−i} the estimate from every point but i, and its
 * gradient (2/n) Σ_i (ŷ_{−i} − y_i) ∂ŷ_{−i}/∂w_k. Each evaluation is one fused pass per point
 * over the others (three for the local-linear gradient), O(n²·d²) time and O(n) memory: no
 * n × n matrix. The kernel's normalising constants (statsmodels' 1/√(2π) and 1/Π h_k)
 * cancel in every estimate, so the values are statsmodels' to rounding (except where a
 * local-linear query falls back to local constant: `fallbacks` counts them; statsmodels solves
 * those with a pseudo-inverse instead).
 */
export function looCv(
  keys: KeySet,
  regression: Regression,
  w: Bandwidths,
  wantGrad: boolean,
  estimator?: LocalEstimator,
): CriterionValue & { fallbacks: number } {
  const { x, y, n, d } = keys;
  const est = estimator ?? new LocalEstimator(keys, regression);
  const gradRho = new Float64Array(d);
  const before = est.fallbacks;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const r = est.at(w, x, i * d, i, wantGrad, false) - y[i];
    sum += r * r;
    if (wantGrad) for (let k = 0; k < d; k++) gradRho[k] += r * est.dyHat[k];
  }
  return { ...cvValue(keys, w, sum, gradRho), fallbacks: est.fallbacks - before };
}

/**
 * The CV and its gradients from the sums over the points: Σ r_i² and Σ r_i·∂ŷ_{−i}/∂ρ_k (in
 * place, scaled by 2/n), with the chain rule to w_k. Shared by the float64 path and the backend's.
 */
export function cvValue(keys: KeySet, w: Bandwidths, sum: number, gradRho: Float64Array): CriterionValue {
  const { n, d } = keys;
  const gradW = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    gradRho[k] *= 2 / n;
    gradW[k] = dRhoDw(keys.kernel, w[k]) * gradRho[k];
  }
  return { value: sum / n, gradW, gradRho };
}
