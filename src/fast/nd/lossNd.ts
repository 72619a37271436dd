import { type GaussSumsNd, gaussSumsNd, type GaussSumsNdOptions } from './gaussSumsNd.js';

/**
 * The loss L = Σ_i Σ_c (ŷ_ic − t_ic)² of Nadaraya–Watson pooling with the kernel
 * e_ij = exp(−½ Σ_k w_k² (q_ik − k_jk)²) and its gradient in each w_k, through gaussSumsNd (so ŷ
 * carries its per-query guarantee). Queries and keys are raw features here; they are scaled by w
 * before the sums.
 *
 * Gradient. ∂e_ij/∂w_k = −w_k Δ_ijk² e_ij = −(u_ijk²/w_k) e_ij with u = w·Δ, so
 *
 *     ∂ŷ_ic/∂w_k = −Σ_j e_ij u_ijk² (V_jc − ŷ_ic) / (w_k Σ_j e_ij) = −G_ikc/w_k,
 *
 * G from the P and PV sums in scaled units (gaussSumsNd's `slope`). Since u_k² = w_k²Δ_k², G_ikc/w_k
 * is O(w_k) for small w_k: it is formed as G/w_k only when G ≠ 0, so w_k = 0 (where the
 * coordinate drops out and the derivative is 0) and a w_k whose square underflows give 0, never
 * 0/0. With every w_k = 0 all weights are 1 and ŷ is the plain average.
 */
export interface LossNd {
  loss: number;
  /** dL/dw_k */
  grad: Float64Array;
  yHat: Float64Array;
  exactQueries: number;
  method: 'hermite' | 'exact' | 'average';
}

export function gaussLossNd(
  q: Float64Array,
  k: Float64Array,
  V: Float64Array,
  t: Float64Array,
  w: Float64Array,
  d: number,
  dv: number,
  options: Omit<GaussSumsNdOptions, 'gradient'> = {},
): LossNd {
  const nq = q.length / d;
  const nk = k.length / d;
  const grad = new Float64Array(d);
  if (w.every((x) => x === 0)) {
    const yHat = new Float64Array(nq * dv);
    const sum = new Float64Array(dv);
    for (let j = 0; j < nk; j++) for (let c = 0; c < dv; c++) sum[c] += V[j * dv + c];
    let loss = 0;
    for (let i = 0; i < nq; i++) {
      for (let c = 0; c < dv; c++) {
        const y = options.excludeSelf ? (sum[c] - V[i * dv + c]) / (nk - 1) : sum[c] / nk;
        yHat[i * dv + c] = y;
        loss += (y - t[i * dv + c]) ** 2;
      }
    }
    return { loss, grad, yHat, exactQueries: 0, method: 'average' };
  }
  const r = gaussSumsNd(scaleFeatures(q, w, d), scaleFeatures(k, w, d), V, d, dv, { ...options, gradient: true });
  return { ...lossOfSums(r, t, w), exactQueries: r.exactQueries, method: r.method };
}

/** x [n, d] with feature k multiplied by w_k, in float64 (the features gaussSumsNd takes). */
export function scaleFeatures(x: ArrayLike<number>, w: ArrayLike<number>, d: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i += d) for (let f = 0; f < d; f++) out[i + f] = w[f] * x[i + f];
  return out;
}

/** The loss Σ (ŷ − t)² and dL/dw_k from gaussSumsNd's sums with the gradient terms (see {@link gaussLossNd}). */
export function lossOfSums(r: GaussSumsNd, t: ArrayLike<number>, w: ArrayLike<number>): { loss: number; grad: Float64Array; yHat: Float64Array } {
  const { d, dv } = r;
  const nq = r.yHat.length / dv;
  const slope = r.slope as Float64Array;
  const grad = new Float64Array(d);
  let loss = 0;
  for (let i = 0; i < nq; i++) {
    for (let c = 0; c < dv; c++) {
      const res = r.yHat[i * dv + c] - t[i * dv + c];
      loss += res * res;
      for (let f = 0; f < d; f++) {
        const G = slope[(i * d + f) * dv + c];
        if (G !== 0) grad[f] += (2 * res * -G) / w[f];
      }
    }
  }
  return { loss, grad, yHat: r.yHat };
}
