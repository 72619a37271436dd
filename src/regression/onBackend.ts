import { localMomentsOn, type FrontEnd } from '../backend/frontEnd.js';
import { localMomentsSize } from '../backend/kernels.js';
import type { Criterion } from './bandwidthSearch.js';
import { type Bandwidths, dRhoDw, type KeySet } from './keySet.js';
import { LocalEstimator, type Regression } from './localEstimate.js';
import { cvValue } from './looCv.js';
import { LocalSystem, solveLocalLinear } from './localSolve.js';

/**
 * The smallest pivot of the scaled Cholesky factorisation accepted from a backend's moments.
 * Their data and sums carry float32 rounding (about 1e-7 relative), which a condition number
 * of 1/FLOAT32_MIN_PIVOT amplifies to the float32 tolerance of the tests; a query with a
 * smaller pivot (few effective neighbours, or all on one side) is computed on the float64
 * path, which applies the fallback rule with its own threshold.
 */
export const FLOAT32_MIN_PIVOT = 1e-2;

/** The local-linear system A [(d+1)²], B [d+1] from one block of moments at o (Kernels.localMoments' layout). */
function systemOf(mom: Float64Array, o: number, d: number, A: Float64Array, B: Float64Array): void {
  const p = d + 1;
  const tri = o + 1 + d;
  const t0 = tri + (d * (d + 1)) / 2;
  A[0] = mom[o];
  B[0] = mom[t0];
  for (let f = 0, c = tri; f < d; f++) {
    A[1 + f] = A[(1 + f) * p] = mom[o + 1 + f];
    B[1 + f] = mom[t0 + 1 + f];
    for (let g = f; g < d; g++, c++) A[(1 + f) * p + 1 + g] = A[(1 + g) * p + 1 + f] = mom[c];
  }
}

/**
 * Kernel regression's O(n²) passes on a backend (float32 data, float64 sums):
 *
 * - local constant: the leave-one-out CV and its gradient are the backend's leave-one-out
 *   pooling loss Σ_i (ŷ_{−i} − y_i)² and its gradient per feature, divided by n
 *   (`attentionPoolLoss(x, x, y, y, w, { excludeSelf: true })`); predictions are
 *   `attentionPool`. Marginal effects stay on the float64 path.
 * - local linear: the moments of every query come from the backend's fused pass
 *   (`Kernels.localMoments`); each (d+1)×(d+1) system is solved here in float64 with the same
 *   fallback rule as the float64 path. A query that falls back (or that no key reaches) is
 *   computed on the float64 path, so the rule gives the same answer on every backend.
 *   Predictions, fitted values, the CV value and the marginal effects (the slopes β̂) use it;
 *   for the Gaussian, the moments' slope blocks give the CV's gradient too (llCriterion).
 *
 * x (per column) and y are centred at their means before they go to float32 (queries shifted
 * with x), so a large common offset costs no digits; every estimate is invariant to both shifts.
 */
export class BackendPasses {
  private readonly x32: { data: Float64Array; shape: number[] };
  private readonly est: LocalEstimator;
  private readonly sys: LocalSystem;
  private readonly yc: Float64Array;
  private readonly yMean: number;
  private readonly xMean: Float64Array;

  constructor(
    private readonly backend: FrontEnd,
    private readonly keys: KeySet,
    private readonly regression: Regression,
  ) {
    const { n, d } = keys;
    this.xMean = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) this.xMean[k] += keys.x[i * d + k] / n;
    this.x32 = { data: this.centred(keys.x, n), shape: [n, d] };
    this.est = new LocalEstimator(keys, regression);
    this.sys = new LocalSystem(keys.d);
    let s = 0;
    for (let i = 0; i < keys.n; i++) s += keys.y[i];
    this.yMean = s / keys.n;
    this.yc = Float64Array.from(keys.y, (v) => v - this.yMean);
  }

  /** Points [nq, d] measured from the mean of x. */
  private centred(q: Float64Array, nq: number): Float64Array {
    const d = this.keys.d;
    const out = new Float64Array(nq * d);
    for (let i = 0; i < nq; i++) for (let k = 0; k < d; k++) out[i * d + k] = q[i * d + k] - this.xMean[k];
    return out;
  }

  /** Local constant: CV(w) = (leave-one-out pooling loss)/n with its gradient per feature. */
  lcCriterion(): Criterion {
    const { keys, x32, backend } = this;
    const n = keys.n;
    return (w, wantGrad) => {
      const r = backend.attentionPoolLoss(x32, x32, this.yc, this.yc, Array.from(w), { excludeSelf: true, kernel: keys.kernel, method: 'auto' });
      const gradW = new Float64Array(keys.d);
      const gradRho = new Float64Array(keys.d);
      if (wantGrad) {
        for (let k = 0; k < keys.d; k++) {
          gradW[k] = r.grad[k] / n;
          const s = dRhoDw(keys.kernel, w[k]);
          gradRho[k] = s === 0 ? 0 : gradW[k] / s;
        }
      }
      return { value: r.loss / n, gradW, gradRho };
    };
  }

  /**
   * Local linear, Gaussian kernel: CV(w) and its gradient from the backend's moments with their
   * slope blocks. Per query, ∂ŷ/∂ρ_k = ℓᵀ(B'_k − A'_k·θ) with A'_k, B'_k the moments weighted by
   * ∂e/∂ρ_k = −e·Δ_k² (see linearSlopes.ts: the same formula summed over the keys); a query the
   * float32 moments cannot resolve (FLOAT32_MIN_PIVOT) or that falls back takes the float64 path's
   * value and derivative.
   */
  llCriterion(): Criterion {
    const { keys, sys, est } = this;
    const { n, d, x, y } = keys;
    const p = d + 1;
    const m = localMomentsSize(d);
    const A = new Float64Array(p * p);
    const B = new Float64Array(p);
    const dA = new Float64Array(p * p);
    const dB = new Float64Array(p);
    return (w, wantGrad) => {
      const blocks = wantGrad ? 1 + d : 1;
      const mom = localMomentsOn(this.backend, this.x32, this.x32, this.yc, w, { excludeSelf: true, kernel: keys.kernel, slopes: wantGrad });
      const gradRho = new Float64Array(d);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const o = i * m * blocks;
        systemOf(mom, o, d, A, B);
        if (A[0] > 0 && solveLocalLinear(A, B, sys, wantGrad, FLOAT32_MIN_PIVOT)) {
          const r = this.yMean + sys.theta[0] - y[i];
          sum += r * r;
          if (!wantGrad) continue;
          for (let k = 0; k < d; k++) {
            systemOf(mom, o + (1 + k) * m, d, dA, dB);
            // ∂ŷ/∂ρ_k = −ℓᵀ(B' − A'θ): the slope block is weighted by +e·Δ_k²
            let dy = 0;
            for (let a = 0; a < p; a++) {
              let t = dB[a];
              for (let b = 0; b < p; b++) t -= dA[a * p + b] * sys.theta[b];
              dy -= sys.ell[a] * t;
            }
            gradRho[k] += r * dy;
          }
        } else {
          const r = est.at(w, x, i * d, i, wantGrad, false) - y[i];
          sum += r * r;
          if (wantGrad) for (let k = 0; k < d; k++) gradRho[k] += r * est.dyHat[k];
        }
      }
      return cvValue(keys, w, sum, gradRho);
    };
  }

  /** The mean squared leave-one-out error at w. */
  cv(w: Bandwidths): number {
    const { keys } = this;
    if (this.regression === 'lc') return this.lcCriterion()(w, false).value;
    const yHat = this.llAt(w, keys.x, keys.n, true, null);
    let s = 0;
    for (let i = 0; i < keys.n; i++) s += (keys.y[i] - yHat[i]) ** 2;
    return s / keys.n;
  }

  /** ŷ at queries q [nq, d] and, when asked, the marginal effects [nq, d]. */
  fitAt(w: Bandwidths, q: Float64Array, nq: number, wantMfx: boolean): { yHat: Float64Array; mfx: Float64Array | null } {
    const d = this.keys.d;
    const mfx = wantMfx ? new Float64Array(nq * d) : null;
    if (this.regression === 'll') return { yHat: this.llAt(w, q, nq, false, mfx), mfx };
    const { yHat } = this.backend.attentionPool({ data: this.centred(q, nq), shape: [nq, d] }, this.x32, this.yc, Array.from(w), {
      kernel: this.keys.kernel,
      method: 'dense',
    });
    const out = Float64Array.from(yHat.data, (v) => v + this.yMean);
    if (mfx) {
      for (let i = 0; i < nq; i++) {
        this.est.at(w, q, i * d, -1, false, true);
        mfx.set(this.est.mfx, i * d);
      }
    }
    return { yHat: out, mfx };
  }

  /** Local linear at queries q [nq, d] from the backend's moments (leave-one-out: q is x, key i skipped). */
  private llAt(w: Bandwidths, q: Float64Array, nq: number, loo: boolean, mfx: Float64Array | null): Float64Array {
    const { keys, sys, est } = this;
    const d = keys.d;
    const p = d + 1;
    const m = localMomentsSize(d);
    const queries = loo ? this.x32 : { data: this.centred(q, nq), shape: [nq, d] };
    const mom = localMomentsOn(this.backend, queries, this.x32, this.yc, w, { excludeSelf: loo, kernel: keys.kernel });
    const A = new Float64Array(p * p);
    const B = new Float64Array(p);
    const yHat = new Float64Array(nq);
    for (let i = 0; i < nq; i++) {
      systemOf(mom, i * m, d, A, B);
      if (A[0] > 0 && solveLocalLinear(A, B, sys, false, FLOAT32_MIN_PIVOT)) {
        yHat[i] = this.yMean + sys.theta[0];
        if (mfx) for (let k = 0; k < d; k++) mfx[i * d + k] = sys.theta[1 + k];
      } else {
        // no key in reach, the fallback rule, or a system too ill-conditioned for moments summed
        // from float32 data: the float64 path's answer for this query
        yHat[i] = est.at(w, q, i * d, loo ? i : -1, false, mfx !== null);
        if (mfx) mfx.set(est.mfx, i * d);
      }
    }
    return yHat;
  }
}
