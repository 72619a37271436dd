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
 * (−1: none), the nearest key's distance |d|min and value v₀. One object reused for every query,
 * so the loops allocate nothing.
 */
const frame = { row: 0, skip: -1, dMin: 0, v0: 0 };

function startQuery(p: RealPoolCall, i: number): typeof frame {
  const row = p.perQuery ? i * p.nk : 0;
  const skip = p.excludeSelf ? i : -1;
  const jMax = nearestKey(p.q[i], p.k, row, p.nk, skip);
  frame.row = row;
  frame.skip = skip;
  frame.dMin = Math.abs(p.q[i] - p.k[row + jMax]);
  frame.v0 = p.v[row + jMax];
  return frame;
}

/**
 * The score of a key relative to the largest, x = (u²min − u²)/2 ≤ 0 with u = w·d, where
 * c·d²min = (w·d_min)²/2 > PLAIN_LIMIT: −(w·(|d| − |d|min))·(w·(|d| + |d|min))/2, never w² or d²
 * alone, so x is exact to rounding for every finite w (−c·d² − m cancels from w ≈ 1e10 on the
 * chapter's data and overflows from w ≈ 1e154), and 0 for the nearest keys (no 0·Infinity).
 * Below the limit the loops keep the plain −c·d² − m, which the float64 estimators share bit for bit.
 */
function farScore(w: number, d: number, dMin: number): number {
  const ad = Math.abs(d);
  if (ad === dMin) return 0;
  return -0.5 * (w * (ad - dMin)) * (w * (ad + dMin));
}

/** Below this c·d²min, −c·d² − m loses at most ~2^-32 of the exponent to cancellation. */
const PLAIN_LIMIT = 2 ** 20;

/** ŷ into yHat [nq]; the weights into `weights` [nq, nk] when it is given (0 for a skipped key). */
export function poolForward(p: RealPoolCall, yHat: RealArray, weights: RealArray | null): void {
  const { q, k, v, nq, nk } = p;
  const w = p.w[0];
  const c = 0.5 * w * w;
  for (let i = 0; i < nq; i++) {
    const qi = q[i];
    const { row, skip, dMin, v0 } = startQuery(p, i);
    const m = -c * dMin * dMin;
    const plain = -m <= PLAIN_LIMIT;
    let se = 0;
    let sev = 0;
    for (let j = 0; j < nk; j++) {
      if (j === skip) continue;
      const d = qi - k[row + j];
      const e = Math.exp(plain ? -c * d * d - m : farScore(w, d, dMin));
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
        weights[out + j] = Math.exp(plain ? -c * d * d - m : farScore(w, d, dMin)) * inv;
      }
    }
  }
}

/**
 * L = Σ_i (ŷ_i − t_i)² and dL/dw, where dŷ_i/dw = −w·Σ_j e_j·d_j²·(v_j − ŷ_i) / Σ_j e_j
 * (d = q − k), from the same two passes with Σe·δ and Σe·δ·(v − v₀) added. Below PLAIN_LIMIT
 * δ = d²; beyond, since Σ_j e_j·(v_j − ŷ_i) = 0, δ = d² − d²min = −2x/w² with x the relative
 * score, so dŷ_i/dw = (2/w)·Σ_j e_j·x_j·(v_j − ŷ_i) / Σ_j e_j: no term grows with w (the nearest
 * keys' is 0).
 */
export function poolLoss(p: RealPoolCall, targets: RealArray, yHat: RealArray): { loss: number; grad: number } {
  const { q, nq } = p;
  const w = p.w[0];
  const c = 0.5 * w * w;
  let loss = 0;
  let grad = 0;
  for (let i = 0; i < nq; i++) {
    const f = startQuery(p, i);
    const m = -c * f.dMin * f.dMin;
    const plain = -m <= PLAIN_LIMIT;
    // one loop per case: a branch on `plain` inside the key loop made V8's code 2.5× slower
    if (plain) plainLossSums(p, q[i], c, m);
    else farLossSums(p, q[i], w);
    const { se, sev, sed2, sed2v } = lossSums;
    const shift = sev / se; // ŷ − v₀
    const y = f.v0 + shift;
    yHat[i] = y;
    const r = y - targets[i];
    loss += r * r;
    if (plain) grad += 2 * r * ((-w * (sed2v - shift * sed2)) / se);
    else grad += (2 * r * ((2 * (sed2v - shift * sed2)) / w)) / se;
  }
  return { loss, grad };
}

/** Σe, Σe·(v − v₀), Σe·δ and Σe·δ·(v − v₀) of the query in `frame`, reused so the loops allocate nothing. */
const lossSums = { se: 0, sev: 0, sed2: 0, sed2v: 0 };

/** The loss's sums with δ = d² and e = exp(−c·d² − m). */
function plainLossSums(p: RealPoolCall, qi: number, c: number, m: number): void {
  const { k, v, nk } = p;
  const { row, skip, v0 } = frame;
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
  lossSums.se = se;
  lossSums.sev = sev;
  lossSums.sed2 = sed2;
  lossSums.sed2v = sed2v;
}

/** The loss's sums with δ = x, the score relative to the nearest key (farScore), and e = exp(x). */
function farLossSums(p: RealPoolCall, qi: number, w: number): void {
  const { k, v, nk } = p;
  const { row, skip, dMin, v0 } = frame;
  let se = 0;
  let sev = 0;
  let sed2 = 0;
  let sed2v = 0;
  for (let j = 0; j < nk; j++) {
    if (j === skip) continue;
    const x = farScore(w, qi - k[row + j], dMin);
    const e = Math.exp(x);
    if (e === 0) continue; // adds nothing, and x may be −Infinity
    const dv = v[row + j] - v0;
    se += e;
    sev += e * dv;
    sed2 += e * x;
    sed2v += e * x * dv;
  }
  lossSums.se = se;
  lossSums.sev = sev;
  lossSums.sed2 = sed2;
  lossSums.sed2v = sed2v;
}
