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
 */
export function searchWithSubsamples(keys: KeySet, criterionOn: (keys: KeySet) => Criterion): BandwidthSearch {
  const { n, d } = keys;
  const h0 = normalReference(keys.x, n, d);
  if (n <= SUBSAMPLE) return searchBandwidths(criterionOn(keys), h0);
  // one level: intermediate levels (n/4, n/16, …) were tried, and cost more than they saved
  const m = SUBSAMPLE;
  const x = new Float64Array(m * d);
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const j = Math.floor((i * n) / m);
    for (let k = 0; k < d; k++) x[i * d + k] = keys.x[j * d + k];
    y[i] = keys.y[j];
  }
  const sub: KeySet = { x, y, n: m, d, kernel: keys.kernel };
  const found = searchWithSubsamples(sub, criterionOn);
  const grow = (n / m) ** (1 / (4 + d));
  const starts = [new Float64Array(d).fill(1), ...found.localMinima.map((lm) => Float64Array.from(lm.w, (wk, k) => wk * grow * h0[k]))];
  return searchBandwidths(criterionOn(keys), h0, { starts, prune: 0.05 });
}
