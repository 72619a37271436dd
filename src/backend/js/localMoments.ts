import type { RealPoolCall } from './pool.js';
import { localMomentsSize } from '../kernels.js';
import { type Row, weightsOf } from './poolNd.js';

/**
 * The float64 reference of {@link Kernels.localMoments}: per query, the weights of the pooling
 * kernels (poolNd.ts: Gaussian shifted by the largest score, so the largest e is 1; product
 * kernels otherwise), then one pass over the keys for every sum. A query on the compact
 * kernels' nearest-keys fallback gets zeros.
 */
export function localMomentsRef(p: RealPoolCall, out: Float64Array): void {
  const { q, k, v, nq, nk, d } = p;
  const m = localMomentsSize(d);
  const row: Row = { e: new Float64Array(nk), sum: 0, nearest: false };
  const delta = new Float64Array(d);
  out.fill(0, 0, nq * m);
  for (let i = 0; i < nq; i++) {
    weightsOf(p, i, 0, row);
    if (row.nearest) continue;
    const o = i * m;
    const e = row.e;
    const tri = o + 1 + d; // Σe·ΔΔᵀ
    const t0 = tri + (d * (d + 1)) / 2; // Σe·v, then Σe·Δ·v
    for (let j = 0; j < nk; j++) {
      const ej = e[j];
      if (ej === 0) continue;
      const vj = v[j];
      for (let f = 0; f < d; f++) delta[f] = k[j * d + f] - q[i * d + f];
      out[o] += ej;
      out[t0] += ej * vj;
      for (let f = 0, c = tri; f < d; f++) {
        const ed = ej * delta[f];
        out[o + 1 + f] += ed;
        out[t0 + 1 + f] += ed * vj;
        for (let g = f; g < d; g++) out[c++] += ed * delta[g];
      }
    }
  }
}
