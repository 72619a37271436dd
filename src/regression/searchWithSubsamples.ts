import type { BandwidthSearch, Criterion } from './bandwidthSearch.js';
import { searchBandwidths } from './bandwidthSearch.js';
import type { KeySet } from './keySet.js';
import { normalReference } from './normalReference.js';

/** Up to this many points, the search runs every start on the data themselves. */
export const SUBSAMPLE = 250;

/**
 * The global search of a bandwidth criterion, cheap for large n, where every evaluation costs
 * O(n²). Up to SUBSAMPLE points: every start on the data (see `searchBandwidths`). Above: the
 * basins are first located on a fixed, evenly spread subsample of SUBSAMPLE points, by every
 * start ((n/SUBSAMPLE)² times cheaper), and its local minima,
 * carried over to the full data, are the starts of the full search, together with statsmodels'
 * own start, the normal reference. Bandwidths shrink as n^(−1/(4+d)), so w grows by
 * (n/m)^(1/(4+d)) from m points to n. A carried-over start whose value is more than 5% above
 * the best minimum found is not descended from. Every minimum reported is one of the full data's
 * criterion.
 *
 * `carryOnly` (criteria on the d-dimensional fast path, whose evaluations cost least at the
 * narrow bandwidths of the minima and most at the wide ones of the normal reference): above the
 * subsample only the carried-over minima are descended from, statsmodels' start having been
 * descended from on the subsample, and the data are reached through levels 16 times apart
 * (250 → n/16 → n for n ≥ 16 000), so that each level starts next to its minima. A whole cv_ls
 * fit at n = 10⁵, d = 2 (bench/kernelRegressionNd.mjs) went from 219 s (157 s CPU) to 26 s
 * (16 s CPU; the machine shared), with the same bandwidths and CV to the digits printed.
 */
export function searchWithSubsamples(keys: KeySet, criterionOn: (keys: KeySet) => Criterion, options: { carryOnly?: boolean } = {}): BandwidthSearch {
  const { n, d } = keys;
  const carryOnly = options.carryOnly ?? false;
  const h0 = normalReference(keys.x, n, d);
  if (n <= SUBSAMPLE) return searchBandwidths(criterionOn(keys), h0);
  // one level: intermediate levels (n/4, n/16, …) were tried for the exact O(n²) passes, and cost
  // more than they saved; the fast path's evaluations cost O(n·neighbours), and there they pay
  const m = carryOnly && n >= LEVEL_RATIO * 4 * SUBSAMPLE ? Math.floor(n / LEVEL_RATIO) : SUBSAMPLE;
  const x = new Float64Array(m * d);
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const j = Math.floor((i * n) / m);
    for (let k = 0; k < d; k++) x[i * d + k] = keys.x[j * d + k];
    y[i] = keys.y[j];
  }
  const sub: KeySet = { x, y, n: m, d, kernel: keys.kernel };
  const found = searchWithSubsamples(sub, criterionOn, options);
  const grow = (n / m) ** (1 / (4 + d));
  const carried = found.localMinima.map((lm) => Float64Array.from(lm.w, (wk, k) => wk * grow * h0[k]));
  const starts = carryOnly ? carried : [new Float64Array(d).fill(1), ...carried];
  return searchBandwidths(criterionOn(keys), h0, { starts, prune: 0.05 });
}

/** With `carryOnly`, consecutive levels of the search differ by this factor in n. */
const LEVEL_RATIO = 16;
