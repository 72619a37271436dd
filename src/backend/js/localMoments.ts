import type { RealPoolCall } from './pool.js';
import { localMomentsSize } from '../kernels.js';
import { type Row, weightsOf } from './poolNd.js';

/**
 * The float64 reference of {@link Kernels.localMoments}: per query, the weights of the pooling
 * kernels (poolNd.ts: Gaussian shifted by the largest score, so the largest e is 1; product
 * kernels otherwise), then one pass over the keys for every sum (and, with `slopes`, the
 * blocks weighted by e·Δ_f²). A query on the compact kernels' nearest-keys fallback gets zeros.
 */
export function localMomentsRef(p: RealPoolCall, slopes: boolean, out: Float64Array): void {
  const { q, k, v, nq, nk, d } = p;
  const m = localMomentsSize(d);
  const blocks = slopes ? 1 + d : 1;
  const row: Row = { e: new Float64Array(nk), sum: 0, nearest: false };
  const delta = new Float64Array(d);
  out.fill(0, 0, nq * m * blocks);
  for (let i = 0; i < nq; i++) {
    weightsOf(p, i, 0, row);
    if (row.nearest) continue;
    const e = row.e;
    for (let j = 0; j < nk; j++) {
      const ej = e[j];
      if (ej === 0) continue;
      for (let f = 0; f < d; f++) delta[f] = k[j * d + f] - q[i * d + f];
      const o = i * m * blocks;
      accumulate(out, o, ej, delta, v[j], d);
      if (slopes) for (let f = 0; f < d; f++) accumulate(out, o + (1 + f) * m, ej * delta[f] * delta[f], delta, v[j], d);
    }
  }
}

/** Adds one key of weight e to the block at o: Σe, Σe·Δ, Σe·ΔΔᵀ (upper triangle), Σe·v, Σe·Δ·v. */
function accumulate(out: Float64Array, o: number, e: number, delta: Float64Array, v: number, d: number): void {
  const tri = o + 1 + d;
  const t0 = tri + (d * (d + 1)) / 2;
  out[o] += e;
  out[t0] += e * v;
  for (let f = 0, c = tri; f < d; f++) {
    const ed = e * delta[f];
    out[o + 1 + f] += ed;
    out[t0 + 1 + f] += ed * v;
    for (let g = f; g < d; g++) out[c++] += ed * delta[g];
  }
}
