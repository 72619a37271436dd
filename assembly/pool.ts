// Fused attention pooling: ŷ_i = Σ_j e_ij·v_ij / Σ_j e_ij with e_ij = exp(s_ij − max_j s_ij),
// s_ij = −(w·(q_i − k_ij))²/2, two passes per query and no nq × nk matrix.
//
// Pass 1 finds the nearest key's distance a₀ = min |q − k| (the largest score). Pass 2 evaluates
// e = 2^(C·(a₀ − a)·(a₀ + a)) with a = |q − k| and C = w²·log2(e)/2 (log2 e folded in, see
// exp.ts) and sums. The product form keeps the exponent accurate to a few ulps where the
// difference of two rounded squares a₀² − a² would lose most of its digits.
// Sums run in f32x4 lanes over blocks of at most BLOCK keys and each block is folded into f64
// totals, so the rounding error of a sum does not grow with the number of keys.
// Keys are one shared row, or one row per query (row i for query i); with excludeSelf (shared
// keys, nq == nk), query i skips key i by running both passes on [0, i) and (i, nk).
import { exp2s, exp2x4, V0, V1, V2, V3, V4, V5, VABS, VFLUSH, VMAGIC } from './exp';

// @ts-ignore: decorator
@inline const BLOCK: i32 = 1024;

// Running totals of pass 2, in f64 (module globals: a function cannot return several values).
let se: f64 = 0; // Σ e
let sev: f64 = 0; // Σ e·(v − v0)
let sed2: f64 = 0; // Σ e·d²
let sed2v: f64 = 0; // Σ e·d²·(v − v0)
// Result of pass 1: the nearest key's distance, and its value.
let amin: f32 = Infinity;
// The forward's pass 1 result: the smallest squared distance.
let d2min: f32 = Infinity;
let vAtMin: f32 = 0;

function lanes(x: v128): f64 {
  return <f64>f32x4.extract_lane(x, 0) + <f64>f32x4.extract_lane(x, 1) + <f64>f32x4.extract_lane(x, 2) + <f64>f32x4.extract_lane(x, 3);
}

// @ts-ignore: decorator
@inline
function lane(a: f32, v: f32): void {
  if (a < amin) {
    amin = a;
    vAtMin = v;
  }
}

/** Pass 1 on keys [from, to): lowers amin, and records the value at the nearest key. */
function nearest(q: f32, k: usize, v: usize, from: i32, to: i32): void {
  const qv = f32x4.splat(q);
  let dm = f32x4.splat(Infinity);
  let vm = f32x4.splat(0);
  let j = from;
  for (; j + 4 <= to; j += 4) {
    const o = <usize>j << 2;
    const a = f32x4.abs(f32x4.sub(qv, v128.load(k + o)));
    const closer = f32x4.lt(a, dm);
    dm = v128.bitselect(a, dm, closer);
    vm = v128.bitselect(v128.load(v + o), vm, closer);
  }
  lane(f32x4.extract_lane(dm, 0), f32x4.extract_lane(vm, 0));
  lane(f32x4.extract_lane(dm, 1), f32x4.extract_lane(vm, 1));
  lane(f32x4.extract_lane(dm, 2), f32x4.extract_lane(vm, 2));
  lane(f32x4.extract_lane(dm, 3), f32x4.extract_lane(vm, 3));
  for (; j < to; j++) {
    const o = <usize>j << 2;
    const a = abs<f32>(q - load<f32>(k + o));
    if (a < amin) {
      amin = a;
      vAtMin = load<f32>(v + o);
    }
  }
}

/**
 * Pass 1 of the forward on keys [from, to): lowers d2min, the smallest squared distance.
 * (The loss needs the nearest key's value too, and uses `nearest`.) pmin is one minps.
 */
function nearestD2(q: f32, k: usize, from: i32, to: i32): void {
  const qv = f32x4.splat(q);
  let m = f32x4.splat(Infinity);
  let j = from;
  for (; j + 4 <= to; j += 4) {
    const d = f32x4.sub(qv, v128.load(k + (<usize>j << 2)));
    m = f32x4.pmin(f32x4.mul(d, d), m);
  }
  let r = min(min(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), min(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
  for (; j < to; j++) {
    const d = q - load<f32>(k + (<usize>j << 2));
    r = min(r, d * d);
  }
  if (r < d2min) d2min = r;
}

/** Pass 2 of the forward on keys [from, to): Σe and Σe·v. */
function sums(q: f32, k: usize, v: usize, from: i32, to: i32, c: f32): void {
  const k0 = V0, k1 = V1, k2 = V2, k3 = V3, k4 = V4, k5 = V5, magic = VMAGIC, flush = VFLUSH;
  const qv = f32x4.splat(q);
  const cv = f32x4.splat(c);
  const top = c * d2min;
  const tv = f32x4.splat(top);
  let j = from;
  while (j < to) {
    const end = min(to, j + BLOCK);
    let eA = f32x4.splat(0), evA = f32x4.splat(0);
    for (; j + 8 <= end; j += 8) {
      const o = <usize>j << 2;
      const d = f32x4.sub(qv, v128.load(k + o));
      const a = exp2x4(f32x4.sub(tv, f32x4.mul(cv, f32x4.mul(d, d))), k0, k1, k2, k3, k4, k5, magic, flush);
      eA = f32x4.add(eA, a);
      evA = f32x4.add(evA, f32x4.mul(a, v128.load(v + o)));
      const d2 = f32x4.sub(qv, v128.load(k + o, 16));
      const b = exp2x4(f32x4.sub(tv, f32x4.mul(cv, f32x4.mul(d2, d2))), k0, k1, k2, k3, k4, k5, magic, flush);
      eA = f32x4.add(eA, b);
      evA = f32x4.add(evA, f32x4.mul(b, v128.load(v + o, 16)));
    }
    for (; j < end; j++) {
      const o = <usize>j << 2;
      const d = q - load<f32>(k + o);
      const e = exp2s(top - c * (d * d));
      se += e;
      sev += <f64>e * <f64>load<f32>(v + o);
    }
    se += lanes(eA);
    sev += lanes(evA);
  }
}

/** Pass 2 writing e into the weight row (at w + 4j) as well. */
function sumsWeights(q: f32, k: usize, v: usize, from: i32, to: i32, c: f32, w: usize): void {
  const k0 = V0, k1 = V1, k2 = V2, k3 = V3, k4 = V4, k5 = V5, magic = VMAGIC, flush = VFLUSH;
  const qv = f32x4.splat(q);
  const cv = f32x4.splat(c);
  const mv = f32x4.splat(amin);
  let j = from;
  while (j < to) {
    const end = min(to, j + BLOCK);
    let eA = f32x4.splat(0), evA = f32x4.splat(0);
    for (; j + 4 <= end; j += 4) {
      const o = <usize>j << 2;
      const e = exp2x4(exponent(cv, mv, f32x4.abs(f32x4.sub(qv, v128.load(k + o)))), k0, k1, k2, k3, k4, k5, magic, flush);
      v128.store(w + o, e);
      eA = f32x4.add(eA, e);
      evA = f32x4.add(evA, f32x4.mul(e, v128.load(v + o)));
    }
    for (; j < end; j++) {
      const o = <usize>j << 2;
      const a = abs<f32>(q - load<f32>(k + o));
      const e = exp2s(c * (amin - a) * (amin + a));
      store<f32>(w + o, e);
      se += e;
      sev += <f64>e * <f64>load<f32>(v + o);
    }
    se += lanes(eA);
    sev += lanes(evA);
  }
}

/** Pass 2 of the loss: also Σe·d² and Σe·d²·(v − v0), values measured from v0 = vAtMin. */
function sumsLoss(q: f32, k: usize, v: usize, from: i32, to: i32, c: f32): void {
  const k0 = V0, k1 = V1, k2 = V2, k3 = V3, k4 = V4, k5 = V5, magic = VMAGIC, flush = VFLUSH;
  const qv = f32x4.splat(q);
  const cv = f32x4.splat(c);
  const mv = f32x4.splat(amin);
  const v0 = f32x4.splat(vAtMin);
  let j = from;
  while (j < to) {
    const end = min(to, j + BLOCK);
    let eA = f32x4.splat(0), evA = f32x4.splat(0), ed2A = f32x4.splat(0), ed2vA = f32x4.splat(0);
    let eB = f32x4.splat(0), evB = f32x4.splat(0), ed2B = f32x4.splat(0), ed2vB = f32x4.splat(0);
    for (; j + 8 <= end; j += 8) {
      const o = <usize>j << 2;
      const aA = f32x4.abs(f32x4.sub(qv, v128.load(k + o)));
      const aB = f32x4.abs(f32x4.sub(qv, v128.load(k + o, 16)));
      const d2A = f32x4.mul(aA, aA);
      const d2B = f32x4.mul(aB, aB);
      const a = exp2x4(exponent(cv, mv, aA), k0, k1, k2, k3, k4, k5, magic, flush);
      const b = exp2x4(exponent(cv, mv, aB), k0, k1, k2, k3, k4, k5, magic, flush);
      const dvA = f32x4.sub(v128.load(v + o), v0);
      const dvB = f32x4.sub(v128.load(v + o, 16), v0);
      const ad2 = f32x4.mul(a, d2A);
      const bd2 = f32x4.mul(b, d2B);
      eA = f32x4.add(eA, a);
      eB = f32x4.add(eB, b);
      evA = f32x4.add(evA, f32x4.mul(a, dvA));
      evB = f32x4.add(evB, f32x4.mul(b, dvB));
      ed2A = f32x4.add(ed2A, ad2);
      ed2B = f32x4.add(ed2B, bd2);
      ed2vA = f32x4.add(ed2vA, f32x4.mul(ad2, dvA));
      ed2vB = f32x4.add(ed2vB, f32x4.mul(bd2, dvB));
    }
    for (; j < end; j++) {
      const o = <usize>j << 2;
      const a = abs<f32>(q - load<f32>(k + o));
      const d2 = a * a;
      const e = exp2s(c * (amin - a) * (amin + a));
      const dv = load<f32>(v + o) - vAtMin;
      se += e;
      sev += <f64>(e * dv);
      sed2 += <f64>(e * d2);
      sed2v += <f64>(e * d2 * dv);
    }
    se += lanes(f32x4.add(eA, eB));
    sev += lanes(f32x4.add(evA, evB));
    sed2 += lanes(f32x4.add(ed2A, ed2B));
    sed2v += lanes(f32x4.add(ed2vA, ed2vB));
  }
}

/** The exponent C·(a₀ − a)·(a₀ + a) <= 0 of four keys. */
// @ts-ignore: decorator
@inline
function exponent(c: v128, a0: v128, a: v128): v128 {
  return f32x4.mul(f32x4.mul(c, f32x4.sub(a0, a)), f32x4.add(a0, a));
}

function resetQuery(): void {
  se = 0;
  sev = 0;
  sed2 = 0;
  sed2v = 0;
  amin = Infinity;
  d2min = Infinity;
  vAtMin = 0;
}

/** Pass 1 over a row, skipping index `skip` (−1: none). */
function pass1(q: f32, k: usize, v: usize, nk: i32, skip: i32): void {
  if (skip < 0) {
    nearest(q, k, v, 0, nk);
  } else {
    nearest(q, k, v, 0, skip);
    nearest(q, k, v, skip + 1, nk);
  }
}

/**
 * Forward: yHat[i] for every query; with `weights` != 0 also the [nq, nk] weight rows
 * (a skipped key gets weight 0). `c` = w²·log2(e)/2.
 */
export function pool(q: usize, nq: i32, k: usize, v: usize, nk: i32, perQuery: bool, excludeSelf: bool, c: f32, yHat: usize, weights: usize): void {
  const rowBytes = <usize>nk << 2;
  for (let i = 0; i < nq; i++) {
    const qi = load<f32>(q + (<usize>i << 2));
    const kr = perQuery ? k + <usize>i * rowBytes : k;
    const vr = perQuery ? v + <usize>i * rowBytes : v;
    const skip = excludeSelf ? i : -1;
    resetQuery();
    if (weights == 0) {
      if (skip < 0) {
        nearestD2(qi, kr, 0, nk);
      } else {
        nearestD2(qi, kr, 0, skip);
        nearestD2(qi, kr, skip + 1, nk);
      }
      if (skip < 0) {
        sums(qi, kr, vr, 0, nk, c);
      } else {
        sums(qi, kr, vr, 0, skip, c);
        sums(qi, kr, vr, skip + 1, nk, c);
      }
    } else {
      pass1(qi, kr, vr, nk, skip);
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

/**
 * Loss and gradient: writes yHat, and at `result` two f64: L = Σ_i (ŷ_i − t_i)² and
 * dL/dw = Σ_i 2(ŷ_i − t_i)·(−w)·Σ_j e·d²·(v − ŷ_i) / Σ_j e, from the same two passes.
 */
export function poolLoss(q: usize, nq: i32, k: usize, v: usize, nk: i32, perQuery: bool, excludeSelf: bool, c: f32, w: f64, targets: usize, yHat: usize, result: usize): void {
  const rowBytes = <usize>nk << 2;
  let loss: f64 = 0;
  let grad: f64 = 0;
  for (let i = 0; i < nq; i++) {
    const qi = load<f32>(q + (<usize>i << 2));
    const kr = perQuery ? k + <usize>i * rowBytes : k;
    const vr = perQuery ? v + <usize>i * rowBytes : v;
    const skip = excludeSelf ? i : -1;
    resetQuery();
    pass1(qi, kr, vr, nk, skip);
    if (skip < 0) {
      sumsLoss(qi, kr, vr, 0, nk, c);
    } else {
      sumsLoss(qi, kr, vr, 0, skip, c);
      sumsLoss(qi, kr, vr, skip + 1, nk, c);
    }
    const shift = sev / se; // ŷ − v0
    const y = <f64>vAtMin + shift;
    store<f32>(yHat + (<usize>i << 2), <f32>y);
    const r = y - <f64>load<f32>(targets + (<usize>i << 2));
    loss += r * r;
    grad += 2 * r * (-w * (sed2v - shift * sed2) / se);
  }
  store<f64>(result, loss);
  store<f64>(result, grad, 8);
}
