import { linearSlopes } from './linearSlopes.js';
import { LocalSystem, solveLocalLinear } from './localSolve.js';
import { QueryMoments } from './moments.js';
import { gatherMoments } from './queryMoments.js';
import type { Bandwidths, KeySet } from './keySet.js';

/** Local constant (Nadaraya–Watson) or local linear. */
export type Regression = 'lc' | 'll';

/**
 * The estimate at one query from its moments, with what the criteria and the marginal effects
 * need: local linear where asked and the system is well-posed (see {@link solveLocalLinear}),
 * local constant otherwise. Reuses its buffers from query to query: no allocation per query.
 */
export class LocalEstimator {
  readonly keys: KeySet;
  readonly regression: Regression;
  readonly mom: QueryMoments;
  readonly sys: LocalSystem;
  /** ∂ŷ/∂ρ_k of the last query (when asked) */
  readonly dyHat: Float64Array;
  /** Σ_j e_j ∂log K_j/∂ρ_k of the last query (when asked) */
  readonly sumSlopes: Float64Array;
  /** the marginal effects of the last query (when asked) */
  readonly mfx: Float64Array;
  /** whether the last query was solved local-linearly (false: local constant, asked for or fallen back to) */
  linear = false;
  /** how many local-linear queries fell back to local constant so far */
  fallbacks = 0;
  private readonly lcTheta: Float64Array;
  private readonly lcEll: Float64Array;

  constructor(keys: KeySet, regression: Regression) {
    this.keys = keys;
    this.regression = regression;
    this.mom = new QueryMoments(keys.n, keys.d);
    this.sys = new LocalSystem(keys.d);
    this.dyHat = new Float64Array(keys.d);
    this.sumSlopes = new Float64Array(keys.d);
    this.mfx = new Float64Array(keys.d);
    this.lcTheta = new Float64Array(keys.d + 1);
    this.lcEll = new Float64Array(keys.d + 1);
  }

  /**
   * ŷ at the query q[qOff .. qOff + d), leaving out key `skip` (−1: none). `wantGrad`: also
   * ∂ŷ/∂ρ and Σe·∂log K/∂ρ. `wantMfx`: also the marginal effects — for local linear the
   * local slope β (what statsmodels and np report), for local constant the derivative of ŷ.
   */
  at(w: Bandwidths, q: Float64Array, qOff: number, skip: number, wantGrad: boolean, wantMfx: boolean): number {
    const { keys, mom, sys } = this;
    const d = keys.d;
    const ll = this.regression === 'll';
    gatherMoments(keys, w, q, qOff, skip, { linear: ll, bandwidthSlopes: wantGrad && !ll, querySlopes: wantMfx }, mom);
    this.linear = ll && solveLocalLinear(mom.A, mom.B, sys, wantGrad);
    if (ll && !this.linear) this.fallbacks++;
    if (this.linear) {
      const theta = sys.theta;
      if (wantMfx) for (let k = 0; k < d; k++) this.mfx[k] = theta[1 + k];
      if (wantGrad) linearSlopes(keys, w, q, qOff, skip, mom, theta, sys.ell, this.dyHat, this.sumSlopes);
      return mom.y0 + theta[0];
    }
    const s0 = mom.A[0];
    const t = mom.B[0] / s0;
    if (wantMfx) for (let k = 0; k < d; k++) this.mfx[k] = (mom.QY[k] - t * mom.Q[k]) / s0;
    if (wantGrad) {
      if (ll) {
        // fell back: the local-constant derivative through the third pass (its moments were not gathered)
        this.lcTheta[0] = t;
        this.lcEll[0] = 1 / s0;
        linearSlopes(keys, w, q, qOff, skip, mom, this.lcTheta, this.lcEll, this.dyHat, this.sumSlopes);
      } else {
        for (let k = 0; k < d; k++) {
          this.dyHat[k] = (mom.GY[k] - t * mom.G[k]) / s0;
          this.sumSlopes[k] = mom.G[k];
        }
      }
    }
    return mom.y0 + t;
  }
}
