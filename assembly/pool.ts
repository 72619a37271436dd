// Fused attention pooling: ŷ_i = Σ_j e_ij·v_ij / Σ_j e_ij with e_ij = exp(s_ij − max_j s_ij),
// s_ij = −(w·(q_i − k_ij))²/2, two passes per query and no nq × nk matrix.
//
// Pass 1 finds the nearest key's squared scaled distance u²min (the largest score). Pass 2
// evaluates e = 2^(u²min − u²) with u = S·(q − k), S = w·√(log2(e)/2) (log2 e folded in, see
// exp.ts) and sums. Scaling the difference before squaring keeps u² within float32 wherever the
// score itself is (|q − k| up to float32's range, w·|q − k| moderate); squaring d first overflows
// from |q − k| ≈ 1.8e19 and loses precision below |q − k| ≈ 1e-19. The exponent's rounding error
// is of the order of ulp(u²), the same as that of the float32 difference q − k itself, which no
// float32 kernel avoids (tests bound both to first order).
// Loops take 4 keys at a time: with 8 constants held in registers, wider bodies make V8 spill.
// Sums run in f32x4 lanes over blocks of at most BLOCK keys and each block is folded into f64
// totals, so the rounding error of a sum does not grow with the number of keys.
// Keys are one shared row, or one row per query (row i for query i); with excludeSelf (shared
// keys, nq == nk), query i skips key i by running both passes on [0, i) and (i, nk).
import { exp2s, exp2x4, madd, V0, V1, V2, V3, V4, V5, VFLUSH, VMAGIC } from './exp';
import { BLOCK, lanes } from './lanes';


// Running totals of pass 2, in f64 (module globals: a function cannot return several values).
let se: f64 = 0; // Σ e
let sev: f64 = 0; // Σ e·v (forward) or Σ e·(v − v0) (loss)
let sed2: f64 = 0; // Σ e·(u² − u²min)
let sed2v: f64 = 0; // Σ e·(u² − u²min)·(v − v0)
// Result of pass 1: the smallest squared scaled distance u² (the nearest key's).
let d2min: f32 = Infinity;


/** Pass 1 on keys [from, to): lowers d2min, the smallest u². pmin is one minps. */
function nearestD2(q: f32, k: usize, from: i32, to: i32, c: f32): void {
  const qv = f32x4.splat(q);
  const cv = f32x4.splat(c);
  let m = f32x4.splat(Infinity);
  let j = from;
  for (; j + 4 <= to; j += 4) {
    const d = f32x4.mul(cv, f32x4.sub(qv, v128.load(k + (<usize>j << 2))));
    m = f32x4.pmin(f32x4.mul(d, d), m);
  }
  let r = min(min(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), min(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
  for (; j < to; j++) {
    const d = c * (q - load<f32>(k + (<usize>j << 2)));
    r = min(r, d * d);
  }
  if (r < d2min) d2min = r;
}

/**
 * Pass 2 of the forward on keys [from, to): Σe and Σe·v, and with `keepWeights` each e into the
 * weight row at w + 4j. Inlined with a constant `keepWeights`, so each caller gets a loop without
 * the branch.
 */
// @ts-ignore: decorator
@inline
function forwardSums(q: f32, k: usize, v: usize, from: i32, to: i32, c: f32, w: usize, keepWeights: bool): void {
  const k0 = V0, k1 = V1, k2 = V2, k3 = V3, k4 = V4, k5 = V5, magic = VMAGIC, flush = VFLUSH;
  const qv = f32x4.splat(q);
  const cv = f32x4.splat(c);
  const top = d2min;
  const tv = f32x4.splat(top);
  let j = from;
  while (j < to) {
    const end = min(to, j + BLOCK);
    let eA = f32x4.splat(0), evA = f32x4.splat(0);
    for (; j + 4 <= end; j += 4) {
      const o = <usize>j << 2;
      const d = f32x4.mul(cv, f32x4.sub(qv, v128.load(k + o)));
      const e = exp2x4(f32x4.sub(tv, f32x4.mul(d, d)), k0, k1, k2, k3, k4, k5, magic, flush);
      if (keepWeights) v128.store(w + o, e);
      eA = f32x4.add(eA, e);
      evA = madd(e, v128.load(v + o), evA);
    }
    for (; j < end; j++) {
      const o = <usize>j << 2;
      const d = c * (q - load<f32>(k + o));
      const e = exp2s(top - d * d);
      if (keepWeights) store<f32>(w + o, e);
      se += e;
      sev += <f64>e * <f64>load<f32>(v + o);
    }
    se += lanes(eA);
    sev += lanes(evA);
  }
}

function sums(q: f32, k: usize, v: usize, from: i32, to: i32, c: f32): void {
  forwardSums(q, k, v, from, to, c, 0, false);
}

function sumsWeights(q: f32, k: usize, v: usize, from: i32, to: i32, c: f32, w: usize): void {
  forwardSums(q, k, v, from, to, c, w, true);
}

/**
 * Pass 2 of the loss: also Σe·(u² − u²min) and Σe·(u² − u²min)·(v − v0). Since Σe·(v − ŷ) = 0,
 * u² may be measured from u²min in the gradient's Σe·u²·(v − ŷ); so measured, the nearest key's
 * term is 0 instead of u²min·(float32 rounding of v − ŷ), an error that grew as w·d²min (7% at
 * w = 300 on the chapter's data). Values are measured from v0, the query's
 * target (close to ŷ wherever the fit is any good), so that Σe·δ·(v − ŷ) = Σe·δ·(v − v0) −
 * (ŷ − v0)·Σe·δ (δ = u² − u²min) does not cancel even when every value carries a large common offset.
 */
function sumsLoss(q: f32, k: usize, v: usize, from: i32, to: i32, c: f32, v0: f32): void {
  const k0 = V0, k1 = V1, k2 = V2, k3 = V3, k4 = V4, k5 = V5, magic = VMAGIC, flush = VFLUSH;
  const qv = f32x4.splat(q);
  const cv = f32x4.splat(c);
  const top = d2min;
  const tv = f32x4.splat(top);
  const v0v = f32x4.splat(v0);
  let j = from;
  while (j < to) {
    const end = min(to, j + BLOCK);
    let eA = f32x4.splat(0), evA = f32x4.splat(0), ed2A = f32x4.splat(0), ed2vA = f32x4.splat(0);
    for (; j + 4 <= end; j += 4) {
      const o = <usize>j << 2;
      const d = f32x4.mul(cv, f32x4.sub(qv, v128.load(k + o)));
      const d2 = f32x4.mul(d, d);
      const e = exp2x4(f32x4.sub(tv, d2), k0, k1, k2, k3, k4, k5, magic, flush);
      const dv = f32x4.sub(v128.load(v + o), v0v);
      const ed2 = f32x4.mul(e, f32x4.sub(d2, tv));
      eA = f32x4.add(eA, e);
      evA = madd(e, dv, evA);
      ed2A = f32x4.add(ed2A, ed2);
      ed2vA = madd(ed2, dv, ed2vA);
    }
    for (; j < end; j++) {
      const o = <usize>j << 2;
      const d = c * (q - load<f32>(k + o));
      const d2 = d * d;
      const e = exp2s(top - d2);
      const dv = load<f32>(v + o) - v0;
      se += e;
      sev += <f64>(e * dv);
      sed2 += <f64>(e * (d2 - top));
      sed2v += <f64>(e * (d2 - top) * dv);
    }
    se += lanes(eA);
    sev += lanes(evA);
    sed2 += lanes(ed2A);
    sed2v += lanes(ed2vA);
  }
}

/** Pass 1 over a row, skipping index `skip` (−1: none). */
function pass1(q: f32, k: usize, nk: i32, skip: i32, c: f32): void {
  if (skip < 0) {
    nearestD2(q, k, 0, nk, c);
  } else {
    nearestD2(q, k, 0, skip, c);
    nearestD2(q, k, skip + 1, nk, c);
  }
}

function resetQuery(): void {
  se = 0;
  sev = 0;
  sed2 = 0;
  sed2v = 0;
  d2min = Infinity;
}

/**
 * Forward: yHat[i] for every query; with `weights` != 0 also the [nq, nk] weight rows
 * (a skipped key gets weight 0). `c` = S = w·√(log2(e)/2), the scale of the differences.
 */
export function pool(q: usize, nq: i32, k: usize, v: usize, nk: i32, perQuery: bool, excludeSelf: bool, c: f32, yHat: usize, weights: usize): void {
  poolRows(0, nq, q, k, v, nk, perQuery, excludeSelf, c, yHat, weights);
}

/**
 * pool for queries [i0, i1) only, i being the query's index in the whole call: excludeSelf skips
 * key i and per-query rows are row i. Pointers are those of the whole call (a host holding only
 * the slice passes them shifted back by i0 rows; wasm32 pointer arithmetic wraps). For threads.
 */
export function poolRows(i0: i32, i1: i32, q: usize, k: usize, v: usize, nk: i32, perQuery: bool, excludeSelf: bool, c: f32, yHat: usize, weights: usize): void {
  const rowBytes = <usize>nk << 2;
  for (let i = i0; i < i1; i++) {
    const qi = load<f32>(q + (<usize>i << 2));
    const kr = perQuery ? k + <usize>i * rowBytes : k;
    const vr = perQuery ? v + <usize>i * rowBytes : v;
    const skip = excludeSelf ? i : -1;
    resetQuery();
    pass1(qi, kr, nk, skip, c);
    if (weights == 0) {
      if (skip < 0) {
        sums(qi, kr, vr, 0, nk, c);
      } else {
        sums(qi, kr, vr, 0, skip, c);
        sums(qi, kr, vr, skip + 1, nk, c);
      }
    } else {
      const wr = weights + <usize>i * rowBytes;
      if (skip < 0) {
        sumsWeights(qi, kr, vr, 0, nk, c, wr);
      } else {
        sumsWeights(qi, kr, vr, 0, skip, c, wr);
        sumsWeights(qi, kr, vr, skip + 1, nk, c, wr);
        store<f32>(wr + (<usize>skip << 2), 0);
      }
      const inv = f32x4.splat(<f32>(1.0 / se));
      let j = 0;
      for (; j + 4 <= nk; j += 4) {
        const o = <usize>j << 2;
        v128.store(wr + o, f32x4.mul(v128.load(wr + o), inv));
      }
      for (; j < nk; j++) {
        const o = <usize>j << 2;
        store<f32>(wr + o, load<f32>(wr + o) * f32x4.extract_lane(inv, 0));
      }
    }
    store<f32>(yHat + (<usize>i << 2), <f32>(sev / se));
  }
}

// One query's terms of the loss and of its gradient (module globals, like the sums above).
let termLoss: f64 = 0;
let termGrad: f64 = 0;

/** Query i of poolLoss: writes ŷ_i and sets termLoss = (ŷ_i − t_i)², termGrad = its d/dw. */
function lossQuery(i: i32, q: usize, k: usize, v: usize, nk: i32, perQuery: bool, excludeSelf: bool, c: f32, g: f64, targets: usize, yHat: usize): void {
  const rowBytes = <usize>nk << 2;
  const qi = load<f32>(q + (<usize>i << 2));
  const kr = perQuery ? k + <usize>i * rowBytes : k;
  const vr = perQuery ? v + <usize>i * rowBytes : v;
  const skip = excludeSelf ? i : -1;
  const t = load<f32>(targets + (<usize>i << 2));
  resetQuery();
  pass1(qi, kr, nk, skip, c);
  if (skip < 0) {
    sumsLoss(qi, kr, vr, 0, nk, c, t);
  } else {
    sumsLoss(qi, kr, vr, 0, skip, c, t);
    sumsLoss(qi, kr, vr, skip + 1, nk, c, t);
  }
  const shift = sev / se; // ŷ − t
  const y = <f64>t + shift;
  store<f32>(yHat + (<usize>i << 2), <f32>y);
  const r = shift;
  termLoss = r * r;
  // d(score)/dw = −w·d² = −u²·(w/S²) = −u²/(w·log2(e)/2); g = −w/S² is the host's (0 at w = 0)
  termGrad = 2 * r * (g * (sed2v - shift * sed2) / se);
}

/**
 * Loss and gradient: writes yHat, and at `result` two f64: L = Σ_i (ŷ_i − t_i)² and
 * dL/dw = Σ_i 2(ŷ_i − t_i)·g·Σ_j e·u²·(v − ŷ_i) / Σ_j e, from the same two passes, with
 * g = −w/S² = −2/(w·log2 e) the host's (0 at w = 0).
 */
export function poolLoss(q: usize, nq: i32, k: usize, v: usize, nk: i32, perQuery: bool, excludeSelf: bool, c: f32, g: f64, targets: usize, yHat: usize, result: usize): void {
  let loss: f64 = 0;
  let grad: f64 = 0;
  for (let i = 0; i < nq; i++) {
    lossQuery(i, q, k, v, nk, perQuery, excludeSelf, c, g, targets, yHat);
    loss += termLoss;
    grad += termGrad;
  }
  store<f64>(result, loss);
  store<f64>(result, grad, 8);
}

/**
 * poolLoss for queries [i0, i1) only (indices and pointers as in poolRows), keeping each query's
 * two terms apart, as f64 pairs at terms + 16·i: a host adding them in query order from 0 gets
 * poolLoss's sums bit for bit, however the queries were split over threads.
 */
export function poolLossRows(i0: i32, i1: i32, q: usize, k: usize, v: usize, nk: i32, perQuery: bool, excludeSelf: bool, c: f32, g: f64, targets: usize, yHat: usize, terms: usize): void {
  for (let i = i0; i < i1; i++) {
    lossQuery(i, q, k, v, nk, perQuery, excludeSelf, c, g, targets, yHat);
    const at = terms + (<usize>i << 4);
    store<f64>(at, termLoss);
    store<f64>(at, termGrad, 8);
  }
}
