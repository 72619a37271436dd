import { dRhoDw, type Bandwidths, type KeySet } from './keySet.js';
import { LocalEstimator, type Regression } from './localEstimate.js';
import type { CriterionValue } from './criterion.js';

/**
 * The AICc of Hurvich, Simonoff and Tsai (1998) as statsmodels' `KernelReg(bw='aic')`
 * computes it: AICc = log σ̂² + (1 + tr H/n) / (1 − (tr H + 2)/n), σ̂² = (1/n) Σ (y_i − ŷ_i)²
 * with ŷ the fit at the training points (local constant or local linear), and tr H the trace
 * of the local-constant smoother, Σ_i K(0) / Σ_j K(x_i − x_j), for both regressions
 * (statsmodels uses the local-constant trace for 'll' too; so do we, to choose the same
 * bandwidths). Where 1 − (tr H + 2)/n ≤ 0 the criterion has no meaning (statsmodels goes on
 * with a negative penalty); it is +Infinity here. With its gradient in w.
 */
export function aicc(
  keys: KeySet,
  regression: Regression,
  w: Bandwidths,
  wantGrad: boolean,
  estimator?: LocalEstimator,
): CriterionValue & { trace: number; sigma2: number } {
  const { x, y, n, d } = keys;
  const est = estimator ?? new LocalEstimator(keys, regression);
  const dSigma = new Float64Array(d);
  const dTrace = new Float64Array(d);
  let sum = 0;
  let trace = 0;
  for (let i = 0; i < n; i++) {
    const r = est.at(w, x, i * d, -1, wantGrad, false) - y[i];
    sum += r * r;
    // the point's own weight in the local-constant smoother: K(0) = 1, e_ii = K(0)/max K
    const s0 = est.mom.A[0];
    const hat = Math.exp(-est.mom.logMax) / s0;
    trace += hat;
    if (wantGrad) {
      for (let k = 0; k < d; k++) {
        dSigma[k] += r * est.dyHat[k];
        dTrace[k] -= (hat * est.sumSlopes[k]) / s0; // ∂(K_ii/ΣK)/∂ρ, K_ii not moving
      }
    }
  }
  const sigma2 = sum / n;
  const den = 1 - (trace + 2) / n;
  const gradRho = new Float64Array(d);
  const gradW = new Float64Array(d);
  if (!(den > 0)) return { value: Infinity, gradW, gradRho, trace, sigma2 };
  const value = Math.log(sigma2) + (1 + trace / n) / den;
  const dPenalty = (2 - 2 / n) / (n * den * den);
  for (let k = 0; k < d; k++) {
    gradRho[k] = ((2 / n) * dSigma[k]) / sigma2 + dPenalty * dTrace[k];
    gradW[k] = dRhoDw(keys.kernel, w[k]) * gradRho[k];
  }
  return { value, gradW, gradRho, trace, sigma2 };
}
