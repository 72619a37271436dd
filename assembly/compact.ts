// Fused pooling with a compact (or constant) attention kernel K(u), u = w·(q − k):
//   kind 0 constant     K = 1
//   kind 1 boxcar       K = 1 where |u| ≤ 1, else 0
//   kind 2 epanechnikov K = max(0, 1 − u²),   dK/dw = −2w·d² inside the support
//   kind 3 triangular   K = max(0, 1 − |u|),  dK/dw = −|d| inside the support
// Weights are at most 1, so one pass per query suffices (no max shift as for the Gaussian).
// A query whose weights are all 0 takes the mean value of its nearest keys (weight split among
// them, no dependence on w): the limit as the support shrinks, never 0/0.
// As in pool.ts: 4 keys per iteration, f32x4 lane sums folded into f64 every BLOCK keys; the
// pooling and loss loops are inlined once per kind (a constant), so they carry no kind branch
// (kernelValues, which only fills a matrix for scores, branches per element).
import { BLOCK, lanes } from './lanes';


let se: f64 = 0; // Σ K
let sev: f64 = 0; // Σ K·v (forward) or Σ K·(v − t) (loss)
let ss: f64 = 0; // Σ dK/dw
let ssv: f64 = 0; // Σ dK/dw·(v − t)

// @ts-ignore: decorator
@inline
function weight4(kind: i32, u: v128): v128 {
  const one = f32x4.splat(1);
  if (kind == 0) return one;
  if (kind == 1) return v128.and(f32x4.le(f32x4.abs(u), one), one);
  if (kind == 2) return f32x4.max(f32x4.splat(0), f32x4.sub(one, f32x4.mul(u, u)));
  return f32x4.max(f32x4.splat(0), f32x4.sub(one, f32x4.abs(u)));
}

// @ts-ignore: decorator
@inline
function weight1(kind: i32, u: f32): f32 {
  if (kind == 0) return 1;
  if (kind == 1) return abs(u) <= 1 ? 1 : 0;
  if (kind == 2) return max<f32>(0, 1 - u * u);
  return max<f32>(0, 1 - abs(u));
}

/** dK/dw given d, w and K (0 outside the support: the mask K > 0). */
// @ts-ignore: decorator
@inline
function slope4(kind: i32, d: v128, wv: v128, e: v128): v128 {
  const inside = f32x4.gt(e, f32x4.splat(0));
  if (kind == 2) return v128.and(inside, f32x4.mul(f32x4.mul(f32x4.splat(-2), wv), f32x4.mul(d, d)));
  return v128.and(inside, f32x4.neg(f32x4.abs(d)));
}

// @ts-ignore: decorator
@inline
function slope1(kind: i32, d: f32, w: f32, e: f32): f32 {
  if (e <= 0) return 0;
  if (kind == 2) return -2 * w * d * d;
  return -abs(d);
}

/** Forward sums over keys [from, to): Σ K and Σ K·v; with `keep` each K into the weight row at wr. */
// @ts-ignore: decorator
@inline
function forward(kind: i32, keep: bool, q: f32, w: f32, k: usize, v: usize, from: i32, to: i32, wr: usize): void {
  const qv = f32x4.splat(q);
  const wv = f32x4.splat(w);
  let j = from;
  while (j < to) {
    const end = min(to, j + BLOCK);
    let eA = f32x4.splat(0), evA = f32x4.splat(0);
    for (; j + 4 <= end; j += 4) {
      const o = <usize>j << 2;
      const e = weight4(kind, f32x4.mul(wv, f32x4.sub(qv, v128.load(k + o))));
      if (keep) v128.store(wr + o, e);
      eA = f32x4.add(eA, e);
      evA = f32x4.add(evA, f32x4.mul(e, v128.load(v + o)));
    }
    for (; j < end; j++) {
      const o = <usize>j << 2;
      const e = weight1(kind, w * (q - load<f32>(k + o)));
      if (keep) store<f32>(wr + o, e);
      se += e;
      sev += <f64>e * <f64>load<f32>(v + o);
    }
    se += lanes(eA);
    sev += lanes(evA);
  }
}

/** Loss sums over keys [from, to): Σ K, Σ K·(v − t), and for the differentiable kinds Σ K', Σ K'·(v − t). */
// @ts-ignore: decorator
@inline
function lossSums(kind: i32, q: f32, w: f32, t: f32, k: usize, v: usize, from: i32, to: i32): void {
  const qv = f32x4.splat(q);
  const wv = f32x4.splat(w);
  const tv = f32x4.splat(t);
  const slopes = kind >= 2;
  let j = from;
  while (j < to) {
    const end = min(to, j + BLOCK);
    let eA = f32x4.splat(0), evA = f32x4.splat(0), sA = f32x4.splat(0), svA = f32x4.splat(0);
    for (; j + 4 <= end; j += 4) {
      const o = <usize>j << 2;
      const d = f32x4.sub(qv, v128.load(k + o));
      const e = weight4(kind, f32x4.mul(wv, d));
      const dv = f32x4.sub(v128.load(v + o), tv);
      eA = f32x4.add(eA, e);
      evA = f32x4.add(evA, f32x4.mul(e, dv));
      if (slopes) {
        const s = slope4(kind, d, wv, e);
        sA = f32x4.add(sA, s);
        svA = f32x4.add(svA, f32x4.mul(s, dv));
      }
    }
    for (; j < end; j++) {
      const o = <usize>j << 2;
      const d = q - load<f32>(k + o);
      const e = weight1(kind, w * d);
      const dv = load<f32>(v + o) - t;
      se += e;
      sev += <f64>(e * dv);
      if (slopes) {
        const s = slope1(kind, d, w, e);
        ss += s;
        ssv += <f64>(s * dv);
      }
    }
    se += lanes(eA);
    sev += lanes(evA);
    if (slopes) {
      ss += lanes(sA);
      ssv += lanes(svA);
    }
  }
}

/**
 * The squared distance from q to key j in f64, as the float64 reference computes it: float32's
 * rounded q − k and its square (which overflows from 1.8e19 and underflows below 1e-19) could
 * make distinct distances tie.
 */
// @ts-ignore: decorator
@inline
function dist2(q: f32, k: usize, j: i32): f64 {
  const d = <f64>q - <f64>load<f32>(k + (<usize>j << 2));
  return d * d;
}

/** The smallest squared distance from q to a key of the row, skipping `skip`. */
function nearestD2(q: f32, k: usize, nk: i32, skip: i32): f64 {
  let r: f64 = Infinity;
  for (let j = 0; j < nk; j++) {
    if (j == skip) continue;
    r = min(r, dist2(q, k, j));
  }
  return r;
}

/** The mean value of the nearest keys; with wr != 0 also their weights (1/count each, 0 elsewhere). */
function nearestMean(q: f32, k: usize, v: usize, nk: i32, skip: i32, wr: usize): f64 {
  const d2 = nearestD2(q, k, nk, skip);
  let sum: f64 = 0;
  let count = 0;
  for (let j = 0; j < nk; j++) {
    if (j == skip) continue;
    if (dist2(q, k, j) == d2) {
      sum += <f64>load<f32>(v + (<usize>j << 2));
      count++;
    }
  }
  if (wr != 0) {
    const share = <f32>(1.0 / <f64>count);
    for (let j = 0; j < nk; j++) {
      store<f32>(wr + (<usize>j << 2), j != skip && dist2(q, k, j) == d2 ? share : 0);
    }
  }
  return sum / <f64>count;
}

// @ts-ignore: decorator
@inline
function forwardRow(kind: i32, keep: bool, q: f32, w: f32, k: usize, v: usize, nk: i32, skip: i32, wr: usize): void {
  if (skip < 0) {
    forward(kind, keep, q, w, k, v, 0, nk, wr);
  } else {
    forward(kind, keep, q, w, k, v, 0, skip, wr);
    forward(kind, keep, q, w, k, v, skip + 1, nk, wr);
  }
}

/** Forward of every query for one kind (inlined per kind). */
// @ts-ignore: decorator
@inline
function poolKind(kind: i32, q: usize, nq: i32, k: usize, v: usize, nk: i32, perQuery: bool, excludeSelf: bool, w: f32, yHat: usize, weights: usize): void {
  const rowBytes = <usize>nk << 2;
  for (let i = 0; i < nq; i++) {
    const qi = load<f32>(q + (<usize>i << 2));
    const kr = perQuery ? k + <usize>i * rowBytes : k;
    const vr = perQuery ? v + <usize>i * rowBytes : v;
    const skip = excludeSelf ? i : -1;
    const wr: usize = weights == 0 ? <usize>0 : weights + <usize>i * rowBytes;
    se = 0;
    sev = 0;
    if (wr == 0) forwardRow(kind, false, qi, w, kr, vr, nk, skip, <usize>0);
    else forwardRow(kind, true, qi, w, kr, vr, nk, skip, wr);
    let y: f64;
    if (se == 0) {
      y = nearestMean(qi, kr, vr, nk, skip, wr);
    } else {
      y = sev / se;
      if (wr != 0) {
        if (skip >= 0) store<f32>(wr + (<usize>skip << 2), 0);
        const inv = <f32>(1.0 / se);
        for (let j = 0; j < nk; j++) {
          const o = <usize>j << 2;
          store<f32>(wr + o, load<f32>(wr + o) * inv);
        }
      }
    }
    store<f32>(yHat + (<usize>i << 2), <f32>y);
  }
}

/** Forward: yHat [nq] and, with weights != 0, the [nq, nk] weight rows. `kind` as at the top. */
export function poolCompact(kind: i32, q: usize, nq: i32, k: usize, v: usize, nk: i32, perQuery: bool, excludeSelf: bool, w: f32, yHat: usize, weights: usize): void {
  if (kind == 0) poolKind(0, q, nq, k, v, nk, perQuery, excludeSelf, w, yHat, weights);
  else if (kind == 1) poolKind(1, q, nq, k, v, nk, perQuery, excludeSelf, w, yHat, weights);
  else if (kind == 2) poolKind(2, q, nq, k, v, nk, perQuery, excludeSelf, w, yHat, weights);
  else poolKind(3, q, nq, k, v, nk, perQuery, excludeSelf, w, yHat, weights);
}

// @ts-ignore: decorator
@inline
function lossKind(kind: i32, q: usize, nq: i32, k: usize, v: usize, nk: i32, perQuery: bool, excludeSelf: bool, w: f32, targets: usize, yHat: usize, result: usize): void {
  const rowBytes = <usize>nk << 2;
  let loss: f64 = 0;
  let grad: f64 = 0;
  for (let i = 0; i < nq; i++) {
    const qi = load<f32>(q + (<usize>i << 2));
    const kr = perQuery ? k + <usize>i * rowBytes : k;
    const vr = perQuery ? v + <usize>i * rowBytes : v;
    const skip = excludeSelf ? i : -1;
    const t = load<f32>(targets + (<usize>i << 2));
    se = 0;
    sev = 0;
    ss = 0;
    ssv = 0;
    if (skip < 0) {
      lossSums(kind, qi, w, t, kr, vr, 0, nk);
    } else {
      lossSums(kind, qi, w, t, kr, vr, 0, skip);
      lossSums(kind, qi, w, t, kr, vr, skip + 1, nk);
    }
    let r: f64;
    if (se == 0) {
      r = nearestMean(qi, kr, vr, nk, skip, <usize>0) - <f64>t;
    } else {
      r = sev / se; // ŷ − t
      grad += (2 * r * (ssv - r * ss)) / se;
    }
    store<f32>(yHat + (<usize>i << 2), <f32>(<f64>t + r));
    loss += r * r;
  }
  store<f64>(result, loss);
  store<f64>(result, grad, 8);
}

/** Loss Σ (ŷ − t)² and dL/dw into two f64 at `result`; yHat written. grad is 0 for kinds 0 and 1. */
export function poolLossCompact(kind: i32, q: usize, nq: i32, k: usize, v: usize, nk: i32, perQuery: bool, excludeSelf: bool, w: f32, targets: usize, yHat: usize, result: usize): void {
  if (kind == 0) lossKind(0, q, nq, k, v, nk, perQuery, excludeSelf, w, targets, yHat, result);
  else if (kind == 1) lossKind(1, q, nq, k, v, nk, perQuery, excludeSelf, w, targets, yHat, result);
  else if (kind == 2) lossKind(2, q, nq, k, v, nk, perQuery, excludeSelf, w, targets, yHat, result);
  else lossKind(3, q, nq, k, v, nk, perQuery, excludeSelf, w, targets, yHat, result);
}

/** K(w·(q_i − k_ij)) into out [nq, nk] (the host takes logs for scores). */
export function kernelValues(kind: i32, q: usize, nq: i32, k: usize, nk: i32, perQuery: bool, w: f32, out: usize): void {
  const rowBytes = <usize>nk << 2;
  for (let i = 0; i < nq; i++) {
    const qi = load<f32>(q + (<usize>i << 2));
    const kr = perQuery ? k + <usize>i * rowBytes : k;
    const or = out + <usize>i * rowBytes;
    for (let j = 0; j < nk; j++) {
      const o = <usize>j << 2;
      store<f32>(or + o, kindValue(kind, w * (qi - load<f32>(kr + o))));
    }
  }
}

function kindValue(kind: i32, u: f32): f32 {
  if (kind == 0) return weight1(0, u);
  if (kind == 1) return weight1(1, u);
  if (kind == 2) return weight1(2, u);
  return weight1(3, u);
}
