import type { Bandwidths, KeySet } from './keySet.js';
import { LocalEstimator, type Regression } from './localEstimate.js';

/** The fit at nq query points q [nq, d]: ŷ [nq] and, when asked, the marginal effects [nq, d]. */
export function fitAt(
  keys: KeySet,
  regression: Regression,
  w: Bandwidths,
  q: Float64Array,
  nq: number,
  wantMfx: boolean,
): { yHat: Float64Array; mfx: Float64Array | null } {
  const d = keys.d;
  const est = new LocalEstimator(keys, regression);
  const yHat = new Float64Array(nq);
  const mfx = wantMfx ? new Float64Array(nq * d) : null;
  for (let i = 0; i < nq; i++) {
    yHat[i] = est.at(w, q, i * d, -1, false, wantMfx);
    if (mfx) mfx.set(est.mfx, i * d);
  }
  return { yHat, mfx };
}
