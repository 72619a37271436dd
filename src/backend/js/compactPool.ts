import type { CompactKernel } from '../../args/kernel.js';
import type { RealArray } from '../../tensor.js';
import { compactSlope, kernelValue } from './kernelValue.js';
import type { RealPoolCall } from './pool.js';

/**
 * Fused pooling with a compact (or constant) kernel in float64: one pass per query, since the
 * weights K(w·d) ≤ 1 need no max shift. A query whose weights are all 0 falls back to its
 * nearest keys (see kernel.ts), found by a second pass only then.
 */

/** The mean value of the keys nearest to qi (skipping `skip`), and how many tie. */
export function nearest(qi: number, k: RealArray, v: RealArray, row: number, nk: number, skip: number): { mean: number; d2: number; count: number } {
  let d2 = Infinity;
  let sum = 0;
  let count = 0;
  for (let j = 0; j < nk; j++) {
    if (j === skip) continue;
    const d = qi - k[row + j];
    const dd = d * d;
    if (dd < d2) {
      d2 = dd;
      sum = 0;
      count = 0;
    }
    if (dd === d2) {
      sum += v[row + j];
      count++;
    }
  }
  return { mean: sum / count, d2, count };
}

export function compactForward(p: RealPoolCall, kernel: CompactKernel, yHat: RealArray, weights: RealArray | null): void {
  const { q, k, v, nq, nk, perQuery, excludeSelf } = p;
  const w = p.w[0];
  for (let i = 0; i < nq; i++) {
    const qi = q[i];
    const row = perQuery ? i * nk : 0;
    const skip = excludeSelf ? i : -1;
    let se = 0;
    let sev = 0;
    for (let j = 0; j < nk; j++) {
      if (j === skip) continue;
      const e = kernelValue(kernel, w * (qi - k[row + j]));
      se += e;
      sev += e * v[row + j];
    }
    const empty = se === 0;
    const near = empty ? nearest(qi, k, v, row, nk, skip) : null;
    yHat[i] = near ? near.mean : sev / se;
    if (!weights) continue;
    const out = i * nk;
    for (let j = 0; j < nk; j++) {
      const d = qi - k[row + j];
      if (j === skip) weights[out + j] = 0;
      else if (near) weights[out + j] = d * d === near.d2 ? 1 / near.count : 0;
      else weights[out + j] = kernelValue(kernel, w * d) / se;
    }
  }
}

/**
 * L = Σ (ŷ_i − t_i)² and dL/dw with dŷ_i/dw = Σ_j K'_j·(v_j − ŷ_i) / Σ_j K_j, K' = dK/dw.
 * Values are measured from the target t_i so that the sums do not cancel on a common offset.
 */
export function compactLoss(p: RealPoolCall, kernel: CompactKernel, targets: RealArray, yHat: RealArray): { loss: number; grad: number } {
  const { q, k, v, nq, nk, perQuery, excludeSelf } = p;
  const w = p.w[0];
  let loss = 0;
  let grad = 0;
  for (let i = 0; i < nq; i++) {
    const qi = q[i];
    const t = targets[i];
    const row = perQuery ? i * nk : 0;
    const skip = excludeSelf ? i : -1;
    let se = 0;
    let sev = 0;
    let ss = 0;
    let ssv = 0;
    for (let j = 0; j < nk; j++) {
      if (j === skip) continue;
      const d = qi - k[row + j];
      const e = kernelValue(kernel, w * d);
      const s = compactSlope(kernel, w, d);
      const dv = v[row + j] - t;
      se += e;
      sev += e * dv;
      ss += s;
      ssv += s * dv;
    }
    if (se === 0) {
      const y = nearest(qi, k, v, row, nk, skip).mean;
      yHat[i] = y;
      loss += (y - t) * (y - t);
      continue;
    }
    const r = sev / se; // ŷ − t
    yHat[i] = t + r;
    loss += r * r;
    grad += (2 * r * (ssv - r * ss)) / se;
  }
  return { loss, grad };
}
