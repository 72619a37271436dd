import type { PoolCall } from '../../args/pool.js';
import type { RealArray } from '../../tensor.js';

/**
 * Fused Nadaraya–Watson attention pooling in float64, two passes per query and no nq × nk
 * matrix: pass 1 finds the largest score m, pass 2 sums e_j = exp(s_j − m) and e_j·(v_j − v₀).
 * Subtracting m keeps exp in range whatever the scores; measuring values from v₀ (the value
 * at the largest score) keeps the sums of the gradient from cancelling when all v are close.
 */

/** A pooling call on float32 or float64 data: the reference computes in float64 either way. */
export type RealPoolCall = PoolCall<RealArray>;

/** Index of the key with the largest score for query i (the nearest key), skipping `skip`. */
function nearestKey(qi: number, k: RealArray, row: number, nk: number, skip: number): number {
  let best = -1;
  let bestD2 = Infinity;
  for (let j = 0; j < nk; j++) {
    if (j === skip) continue;
    const d = qi - k[row + j];
    const d2 = d * d;
    if (d2 < bestD2) {
      bestD2 = d2;
      best = j;
    }
  }
  return best;
}

/**
 * Where query i's sums start, shared by the forward and the loss: its key row, the key it skips
 * (−1: none), the largest score m and the value v₀ of its nearest key. One object reused for
 * every query, so the loops allocate nothing.
 */
const frame = { row: 0, skip: -1, m: 0, v0: 0 };

function startQuery(p: RealPoolCall, i: number, c: number): typeof frame {
  const row = p.perQuery ? i * p.nk : 0;
  const skip = p.excludeSelf ? i : -1;
  const jMax = nearestKey(p.q[i], p.k, row, p.nk, skip);
  const dMax = p.q[i] - p.k[row + jMax];
  frame.row = row;
  frame.skip = skip;
  frame.m = -c * dMax * dMax;
  frame.v0 = p.v[row + jMax];
  return frame;
}

/** ŷ into yHat [nq]; the weights into `weights` [nq, nk] when it is given (0 for a skipped key). */
export function poolForward(p: RealPoolCall, yHat: RealArray, weights: RealArray | null): void {
  const { q, k, v, nq, nk } = p;
  const c = 0.5 * p.w[0] * p.w[0];
  for (let i = 0; i < nq; i++) {
    const qi = q[i];
    const { row, skip, m, v0 } = startQuery(p, i, c);
    let se = 0;
    let sev = 0;
    for (let j = 0; j < nk; j++) {
      if (j === skip) continue;
      const d = qi - k[row + j];
      const e = Math.exp(-c * d * d - m);
      se += e;
      sev += e * (v[row + j] - v0);
    }
    yHat[i] = v0 + sev / se;
    if (weights) {
      const out = i * nk;
      const inv = 1 / se;
      for (let j = 0; j < nk; j++) {
        if (j === skip) {
          weights[out + j] = 0;
          continue;
        }
        const d = qi - k[row + j];
        weights[out + j] = Math.exp(-c * d * d - m) * inv;
      }
    }
  }
}

/**
 * L = Σ_i (ŷ_i − t_i)² and dL/dw, where dŷ_i/dw = −w·Σ_j e_j·d_j²·(v_j − ŷ_i) / Σ_j e_j
 * (d = q − k), from the same two passes with Σe·d² and Σe·d²·(v − v₀) added.
 */
export function poolLoss(p: RealPoolCall, targets: RealArray, yHat: RealArray): { loss: number; grad: number } {
  const { q, k, v, nq, nk } = p;
  const w = p.w[0];
  const c = 0.5 * w * w;
  let loss = 0;
  let grad = 0;
  for (let i = 0; i < nq; i++) {
    const qi = q[i];
    const { row, skip, m, v0 } = startQuery(p, i, c);
    let se = 0;
    let sev = 0;
    let sed2 = 0;
    let sed2v = 0;
    for (let j = 0; j < nk; j++) {
      if (j === skip) continue;
      const d = qi - k[row + j];
      const d2 = d * d;
      const e = Math.exp(-c * d2 - m);
      const dv = v[row + j] - v0;
      se += e;
      sev += e * dv;
      sed2 += e * d2;
      sed2v += e * d2 * dv;
    }
    const shift = sev / se; // ŷ − v₀
    const y = v0 + shift;
    yHat[i] = y;
    const r = y - targets[i];
    loss += r * r;
    grad += 2 * r * ((-w * (sed2v - shift * sed2)) / se);
  }
  return { loss, grad };
}
