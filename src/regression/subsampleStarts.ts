import type { Criterion } from './bandwidthSearch.js';
import { searchBandwidths } from './bandwidthSearch.js';
import type { KeySet } from './keySet.js';
import { normalReference } from './normalReference.js';

/** Above this many points, the basins are first located on a subsample of this size. */
export const SUBSAMPLE = 250;

/**
 * For large n, where every evaluation of a criterion costs O(n²): locate the criterion's basins
 * on a fixed subsample of SUBSAMPLE points (every start of the full search, on a problem
 * (n/SUBSAMPLE)² times cheaper), and return its local minima carried over to the full data as
 * starts in v = w·h0 (h0 the full data's normal reference). Bandwidths shrink as n^(−1/(4+d)),
 * so w grows by (n/m)^(1/(4+d)) from m points to n. The full search then descends from these and
 * from statsmodels' own start, on the full data: every minimum it reports is one of the full
 * criterion.
 */
export function subsampleStarts(keys: KeySet, criterionOn: (sub: KeySet) => Criterion, h0: Float64Array): Float64Array[] {
  const { n, d } = keys;
  const m = SUBSAMPLE;
  // a fixed, evenly spread choice of points: every (n/m)-th after a seeded shuffle would be no
  // better for data in random order, and this one is reproducible and needs no generator
  const x = new Float64Array(m * d);
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const j = Math.floor((i * n) / m);
    for (let k = 0; k < d; k++) x[i * d + k] = keys.x[j * d + k];
    y[i] = keys.y[j];
  }
  const sub: KeySet = { x, y, n: m, d, kernel: keys.kernel };
  const hSub = normalReference(x, m, d);
  const found = searchBandwidths(criterionOn(sub), hSub);
  const grow = (n / m) ** (1 / (4 + d));
  return found.localMinima.map((lm) => Float64Array.from(lm.w, (wk, k) => wk * grow * h0[k]));
}
