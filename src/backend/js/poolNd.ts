import type { CompactKernel, KernelName } from '../../args/kernel.js';
import type { PairCall } from '../../args/pool.js';
import type { RealArray } from '../../tensor.js';
import { kernelValue } from './kernelValue.js';
import type { RealPoolCall } from './pool.js';

/**
 * Fused pooling with d features and dv value columns in float64: the reference for every call
 * that is not the 1-D one-column case (pool.ts and compactPool.ts keep that one, bit for bit as
 * before). u_jf = w_f·(q_f − k_jf); the Gaussian weight is exp(−½ Σ_f u_jf²), the others are
 * product kernels Π_f K(u_jf). Per query: one pass for the scores (kept in a scratch row, O(nk)),
 * then the sums, so there is no nq × nk matrix unless the weights are asked for.
 *
 * Stability: the Gaussian scores are shifted by the query's largest score before exp (no
 * overflow or 0/0 whatever w), and values are measured from the nearest key's value (forward)
 * or the target (loss), so a common offset does not cancel in the sums.
 *
 * A compact-kernel query with every weight 0 takes the mean value of its nearest keys in the
 * L∞ norm of u (max_f |u_f|: the last keys inside the box support as it shrinks), with the
 * weight split among the ties and no dependence on w; for d = 1 that is the 1-D rule.
 */

/** What one query's pass leaves behind (one object reused for every query). */
export interface Row {
  /** the query's weights e_j (skipped key: 0), unnormalised */
  e: Float64Array;
  /** Σ_j e_j */
  sum: number;
  /** e is the nearest-keys fallback of a compact kernel (weights 1 on the nearest, no w dependence) */
  nearest: boolean;
}

/** Where query i's keys and values start in k and v. */
function bases(p: RealPoolCall, i: number): [kb: number, vb: number] {
  return p.perQuery ? [i * p.nk * p.d, i * p.nk * p.dv] : [0, 0];
}

/** Query i's weights into row.e: Gaussian (shifted by the largest score) or a product kernel. */
export function weightsOf(p: RealPoolCall, i: number, kb: number, row: Row): void {
  const { q, k, nk, d, w, kernel } = p;
  const e = row.e;
  const skip = p.excludeSelf ? i : -1;
  const qi = i * d;
  if (kernel === 'gaussian') {
    let smin = Infinity;
    for (let j = 0; j < nk; j++) {
      let s = 0;
      for (let f = 0; f < d; f++) {
        const u = w[f] * (q[qi + f] - k[kb + j * d + f]);
        s += u * u;
      }
      e[j] = s;
      if (j !== skip && s < smin) smin = s;
    }
    let sum = 0;
    for (let j = 0; j < nk; j++) {
      const x = j === skip ? 0 : Math.exp(-0.5 * (e[j] - smin));
      e[j] = x;
      sum += x;
    }
    row.sum = sum;
    row.nearest = false;
    return;
  }
  let sum = 0;
  for (let j = 0; j < nk; j++) {
    let x = j === skip ? 0 : 1;
    for (let f = 0; f < d && x !== 0; f++) x *= kernelValue(kernel, w[f] * (q[qi + f] - k[kb + j * d + f]));
    e[j] = x;
    sum += x;
  }
  row.nearest = sum === 0;
  if (row.nearest) row.sum = nearestRow(p, i, kb, e);
  else row.sum = sum;
}

/** The nearest keys in max_f |u_f| get weight 1 (the rest 0); returns how many tie. */
function nearestRow(p: RealPoolCall, i: number, kb: number, e: Float64Array): number {
  const { q, k, nk, d, w } = p;
  const skip = p.excludeSelf ? i : -1;
  const qi = i * d;
  let best = Infinity;
  for (let j = 0; j < nk; j++) {
    let m = 0;
    for (let f = 0; f < d; f++) m = Math.max(m, Math.abs(w[f] * (q[qi + f] - k[kb + j * d + f])));
    e[j] = j === skip ? Infinity : m;
    if (m < best && j !== skip) best = m;
  }
  let count = 0;
  for (let j = 0; j < nk; j++) {
    const tie = e[j] === best;
    e[j] = tie ? 1 : 0;
    if (tie) count++;
  }
  return count;
}

/** ŷ [nq, dv] into yHat; the normalised weights [nq, nk] into `weights` when it is given. */
export function poolForwardNd(p: RealPoolCall, yHat: RealArray, weights: RealArray | null): void {
  const { v, nq, nk, dv } = p;
  const row: Row = { e: new Float64Array(nk), sum: 0, nearest: false };
  for (let i = 0; i < nq; i++) {
    const [kb, vb] = bases(p, i);
    weightsOf(p, i, kb, row);
    const { e, sum } = row;
    let jRef = 0; // a key of the largest weight: values are measured from its value
    for (let j = 1; j < nk; j++) if (e[j] > e[jRef]) jRef = j;
    for (let c = 0; c < dv; c++) {
      const v0 = v[vb + jRef * dv + c];
      let sev = 0;
      for (let j = 0; j < nk; j++) sev += e[j] * (v[vb + j * dv + c] - v0);
      yHat[i * dv + c] = v0 + sev / sum;
    }
    if (weights) for (let j = 0; j < nk; j++) weights[i * nk + j] = e[j] / sum;
  }
}

/**
 * L = Σ_i Σ_c (ŷ_ic − t_ic)² and ∂L/∂w_f into grad [d]: ∂ŷ_ic/∂w_f = Σ_j ∂e_j/∂w_f·(v_jc − ŷ_ic) / Σ_j e_j,
 * with ∂e/∂w_f = −w_f Δ_f² e (Gaussian), e·(−2 w_f Δ_f²)/(1 − u_f²) (Epanechnikov) and
 * e·(−|Δ_f|)/(1 − |u_f|) (triangular) inside the support, 0 for boxcar and constant and for a
 * query on the nearest-keys fallback. Values are measured from the targets.
 */
export function poolLossNd(p: RealPoolCall, targets: RealArray, yHat: RealArray, grad: Float64Array): number {
  const { q, k, v, nq, nk, d, dv, w, kernel } = p;
  const row: Row = { e: new Float64Array(nk), sum: 0, nearest: false };
  const r = new Float64Array(dv);
  const slope = new Float64Array(nk);
  grad.fill(0);
  let loss = 0;
  for (let i = 0; i < nq; i++) {
    const [kb, vb] = bases(p, i);
    weightsOf(p, i, kb, row);
    const { e, sum } = row;
    for (let c = 0; c < dv; c++) {
      const t = targets[i * dv + c];
      let sev = 0;
      for (let j = 0; j < nk; j++) sev += e[j] * (v[vb + j * dv + c] - t);
      r[c] = sev / sum; // ŷ − t
      yHat[i * dv + c] = t + r[c];
      loss += r[c] * r[c];
    }
    if (row.nearest || kernel === 'boxcar' || kernel === 'constant') continue;
    for (let f = 0; f < d; f++) {
      const qf = q[i * d + f];
      let ss = 0;
      for (let j = 0; j < nk; j++) {
        const s = e[j] === 0 ? 0 : slopeOf(kernel, w[f], qf - k[kb + j * d + f], e[j]);
        slope[j] = s;
        ss += s;
      }
      let g = 0;
      for (let c = 0; c < dv; c++) {
        const t = targets[i * dv + c];
        let ssv = 0;
        for (let j = 0; j < nk; j++) ssv += slope[j] * (v[vb + j * dv + c] - t);
        g += 2 * r[c] * ((ssv - r[c] * ss) / sum);
      }
      grad[f] += g;
    }
  }
  return loss;
}

/** ∂e/∂w_f for a key of weight e > 0 at difference Δ in feature f. */
function slopeOf(kernel: KernelName, wf: number, delta: number, e: number): number {
  const u = wf * delta;
  if (kernel === 'gaussian') return -wf * delta * delta * e;
  if (kernel === 'epanechnikov') return (e * (-2 * wf * delta * delta)) / (1 - u * u);
  return (e * -Math.abs(delta)) / (1 - Math.abs(u)); // triangular
}

/** log K(u) into out [nq, nk]: −½ Σ_f u_f² (Gaussian) or Σ_f log K(u_f) (−Infinity outside a support). */
export function scoresNd(p: PairCall<RealArray>, w: Float64Array, kernel: KernelName, out: RealArray): void {
  const { q, k, nq, nk, d } = p;
  for (let i = 0; i < nq; i++) {
    const kb = p.perQuery ? i * nk * d : 0;
    for (let j = 0; j < nk; j++) {
      let s = 0;
      for (let f = 0; f < d; f++) {
        const u = w[f] * (q[i * d + f] - k[kb + j * d + f]);
        s += kernel === 'gaussian' ? -0.5 * u * u : Math.log(kernelValue(kernel as CompactKernel, u));
      }
      out[i * nk + j] = s;
    }
  }
}
