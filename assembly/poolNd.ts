// Fused attention pooling in d dimensions, dv value columns, a bandwidth per feature:
//   ŷ_ic = Σ_j e_ij·v_jc / Σ_j e_ij,
//   Gaussian e_ij = exp(−½ Σ_f (w_f·(q_if − k_jf))²), compact e_ij = Π_f K1(w_f·(q_if − k_jf)).
// Per query, with the key terms x of ndTerms.ts in an O(nk) scratch row and no nq × nk matrix:
//   pass 1  x_j = Σ_f u_jf² (scaled, log2(e)/2 folded into s_f) or Π_f K1, two features at a
//           time over chunks of keys (ndTerms.ts); the padding lanes and the skipped key
//           (excludeSelf: query i skips key i) get the term of weight 0 (+∞ or 0); the Gaussian
//           takes the smallest x (its nearest key, the largest score);
//   pass 2  e_j = 2^(min x − x_j) (kept in x in place when later sweeps need it), with Σe and
//           Σe·v of column 0 alongside; each further column is one more sweep Σ e·v_c over x.
// The exponent's rounding error is of the order of ulp(Σu²), as that of the float32 differences
// q − k themselves (see pool.ts).
// Sums run in f32x4 lanes over blocks of at most BLOCK keys, each folded into f64 (lanes.ts).
// Values are feature-major too, [dv, nkp] (per query [nq, dv, nkp]), padded with 0.
//
// A compact query whose weights are all 0 takes the mean value of its nearest keys in the L∞
// norm of u (max_f |u_f|; ties split the weight): the limit as the box support shrinks. If a
// key was inside the support after all, the float32 product underflowed; that query's ŷ is NaN
// (and so is one whose Σe is below 2^−100, where the products are subnormal), so that the host
// recomputes the call in float64 rather than return a wrong number.
//
// Loss L = Σ_i Σ_c r_ic², r = ŷ − t, and ∂L/∂w_f = Σ_i Σ_c 2 r_ic ∂ŷ_ic/∂w_f with
//   ∂ŷ_ic/∂w_f = γ_f·Σ_j e_ij ρ_ijf (v_jc − ŷ_ic) / Σ_j e_ij,   ∂e/∂w_f = γ_f·ρ_f·e:
//   Gaussian      ρ = u·Δ (= s_f·Δ²),                    γ_f = −w_f/s_f
//   Epanechnikov  ρ = u·Δ / ((1 − |u|)(1 + |u|)) inside,  γ_f = −2·w_f/s_f
//   triangular    ρ = |Δ| / (1 − |u|) inside,             γ_f = −1
//   (Δ = q − k; boxcar and constant have γ = 0 and no gradient sweeps). The host computes γ.
// With B_j = e_j·Σ_c r_c (v_jc − t_c) (for dv = 1 simply e_j·(v_j − t), r applied in f64),
//   ∂L/∂w_f = 2 γ_f (Σ_j ρ_jf B_j − Σ_c r_c² · Σ_j ρ_jf e_j) / Σe,
// values measured from the targets so that a common offset of the values does not cancel.
// The gradient's sums recompute u and Δ from the keys, chunk by chunk and feature by feature:
// for dv = 1 fused into pass 2 (a chunk's e and B are still in L1), for dv > 1 after the sweeps
// that build B (which needs every r_c).
//
// The gradient's error: each sum carries float32 rounding relative to the size of its terms,
// so the error of ∂L/∂w_f is about 1e-6 × Σ_i 2·|γ_f|·Σ_j e|ρ|·(|v − t| + |r|)/Σe, not relative
// to ∂L/∂w_f itself, which goes to 0 at an optimum. Callers (and the tests) hold it to an
// absolute plus relative tolerance for that reason. A Gaussian product (u·e)·Δ is formed in that
// order so a key flushed to e = 0 contributes 0; only where s·|Δ| itself overflows can it give
// NaN, and the host then falls back to float64.
//
// Rows: every export takes the pointers of the whole call; the *Rows variants run queries
// [i0, i1) with i the global query index (row i of q, yHat, targets, weights; key set i per
// query; excludeSelf skips key i), so a host holding only a slice passes its pointers shifted
// back by i0 rows (wasm32 pointer arithmetic wraps). poolLossNdRows stores query i's terms
// apart, as f64 [L_i, ∂L_i/∂w_0 … ∂L_i/∂w_(d−1)] at terms + 8·(1 + d)·i, and poolLossNd adds
// those same terms in query order from 0, so a host adding the slices' terms in query order
// gets poolLossNd's result bit for bit.
import { exp2x4, madd, V0, V1, V2, V3, V4, V5, VFLUSH, VMAGIC } from './exp';
import { BLOCK, lanes } from './lanes';
import { BOXCAR, CHUNK, CONSTANT, EPANECHNIKOV, GAUSSIAN, TRIANGULAR, VONE, gammaAt, keyTerms, paddedKeys, scaleAt, termMin } from './ndTerms';


// Running totals of one query's sweeps, in f64 (module globals: a function cannot return several).
let se: f64 = 0; // Σ e
let sev: f64 = 0; // Σ e·v_0 (forward) or Σ e·(v_0 − t_0) (loss)

/** Below this Σe a compact query's products are subnormal (float32 has lost them): NaN, host falls back. */
// @ts-ignore: decorator
@inline const TINY: f64 = 7.888609052210118e-31; // 2^−100

/**
 * Pass 2 of the Gaussian: e_j = 2^(m − x_j), with `keepE` stored into x in place; Σe and
 * Σe·(v − t) of column v; with `keepB` also B_j = e_j·(v_j − t) at b. Inlined with constant flags.
 */
// @ts-ignore: decorator
@inline
function expSums(keepE: bool, keepB: bool, x: usize, v: usize, nkp: i32, m: f32, t: f32, b: usize): void {
  const k0 = V0, k1 = V1, k2 = V2, k3 = V3, k4 = V4, k5 = V5, magic = VMAGIC, flush = VFLUSH;
  const mv = f32x4.splat(m);
  const tv = f32x4.splat(t);
  let j = 0;
  while (j < nkp) {
    const end = min(nkp, j + BLOCK);
    let eA = f32x4.splat(0), evA = f32x4.splat(0);
    for (; j < end; j += 4) {
      const o = <usize>j << 2;
      const e = exp2x4(f32x4.sub(mv, v128.load(x + o)), k0, k1, k2, k3, k4, k5, magic, flush);
      if (keepE) v128.store(x + o, e);
      // the forward's raw values (t = 0) skip the subtraction: v − 0 is v
      const ev = f32x4.mul(e, keepE || keepB ? f32x4.sub(v128.load(v + o), tv) : v128.load(v + o));
      if (keepB) v128.store(b + o, ev);
      eA = f32x4.add(eA, e);
      evA = f32x4.add(evA, ev);
    }
    se += lanes(eA);
    sev += lanes(evA);
  }
}

function expSumsB(x: usize, v: usize, nkp: i32, m: f32, t: f32, b: usize): void {
  expSums(true, true, x, v, nkp, m, t, b);
}

function expSumsE(x: usize, v: usize, nkp: i32, m: f32, t: f32): void {
  expSums(true, false, x, v, nkp, m, t, 0);
}

/** Σe and Σe·v only, v raw (the forward of one value column without weights: e is not kept). */
function expSumsOnly(x: usize, v: usize, nkp: i32, m: f32): void {
  expSums(false, false, x, v, nkp, m, 0, 0);
}

/** Pass 2 of the compact kinds (the weights are x already): Σe, Σe·(v − t), and with `keepB` B. */
// @ts-ignore: decorator
@inline
function weightSums(keepB: bool, x: usize, v: usize, nkp: i32, t: f32, b: usize): void {
  const tv = f32x4.splat(t);
  let j = 0;
  while (j < nkp) {
    const end = min(nkp, j + BLOCK);
    let eA = f32x4.splat(0), evA = f32x4.splat(0);
    for (; j < end; j += 4) {
      const o = <usize>j << 2;
      const e = v128.load(x + o);
      const ev = f32x4.mul(e, f32x4.sub(v128.load(v + o), tv));
      if (keepB) v128.store(b + o, ev);
      eA = f32x4.add(eA, e);
      evA = f32x4.add(evA, ev);
    }
    se += lanes(eA);
    sev += lanes(evA);
  }
}

function weightSumsB(x: usize, v: usize, nkp: i32, t: f32, b: usize): void {
  weightSums(true, x, v, nkp, t, b);
}

function weightSumsOnly(x: usize, v: usize, nkp: i32, t: f32): void {
  weightSums(false, x, v, nkp, t, 0);
}

/** Σ_j e_j·(v_j − t) over one value column. */
function columnSum(x: usize, v: usize, nkp: i32, t: f32): f64 {
  const tv = f32x4.splat(t);
  let s: f64 = 0;
  let j = 0;
  while (j < nkp) {
    const end = min(nkp, j + BLOCK);
    let a = f32x4.splat(0);
    for (; j < end; j += 4) {
      const o = <usize>j << 2;
      a = madd(v128.load(x + o), f32x4.sub(v128.load(v + o), tv), a);
    }
    s += lanes(a);
  }
  return s;
}

/**
 * One column's share of B_j = e_j·Σ_c r_c (v_jc − t_c): `step` 0 starts B, 1 adds, 2 adds and
 * multiplies by e (the last column).
 */
function columnB(step: i32, x: usize, v: usize, b: usize, nkp: i32, r: f32, t: f32): void {
  const rv = f32x4.splat(r);
  const tv = f32x4.splat(t);
  const bytes = <usize>nkp << 2;
  if (step == 0) {
    for (let o: usize = 0; o < bytes; o += 16) v128.store(b + o, f32x4.mul(rv, f32x4.sub(v128.load(v + o), tv)));
  } else if (step == 1) {
    for (let o: usize = 0; o < bytes; o += 16) v128.store(b + o, madd(rv, f32x4.sub(v128.load(v + o), tv), v128.load(b + o)));
  } else {
    for (let o: usize = 0; o < bytes; o += 16) {
      const a = madd(rv, f32x4.sub(v128.load(v + o), tv), v128.load(b + o));
      v128.store(b + o, f32x4.mul(v128.load(x + o), a));
    }
  }
}

/**
 * Feature f's gradient sums over keys [o0, o1) (bytes) of its row k_f: Σ ρ·B and Σ ρ·e added to
 * the f64 pair at acc (ρ as at the top; 0 outside a compact support, where the division's lanes
 * are garbage). At most CHUNK ≤ BLOCK keys, so one fold into f64.
 */
// @ts-ignore: decorator
@inline
function slopeSums(kind: i32, q: f32, s: f32, k: usize, x: usize, b: usize, o0: usize, o1: usize, acc: usize): void {
  const one = VONE;
  const qv = f32x4.splat(q);
  const sv = f32x4.splat(s);
  let gA = f32x4.splat(0), hA = f32x4.splat(0);
  for (let o = o0; o < o1; o += 16) {
    const delta = f32x4.sub(qv, v128.load(k + o));
    const u = f32x4.mul(sv, delta);
    const e = v128.load(x + o);
    const bj = v128.load(b + o);
    if (kind == GAUSSIAN) {
      hA = madd(f32x4.mul(u, e), delta, hA);
      gA = madd(f32x4.mul(u, bj), delta, gA);
    } else {
      const a = f32x4.abs(u);
      const inside = f32x4.lt(a, one);
      const rho = kind == EPANECHNIKOV
        ? f32x4.div(f32x4.mul(u, delta), f32x4.mul(f32x4.sub(one, a), f32x4.add(one, a)))
        : f32x4.div(f32x4.abs(delta), f32x4.sub(one, a));
      const r = v128.and(inside, rho);
      hA = madd(r, e, hA);
      gA = madd(r, bj, gA);
    }
  }
  store<f64>(acc, load<f64>(acc) + lanes(gA));
  store<f64>(acc, load<f64>(acc, 8) + lanes(hA), 8);
}

/** Zeroes the gradient's f64 pairs [Σ ρ_f·B, Σ ρ_f·e] at acc + 16·f. */
function clearSlopes(acc: usize, d: i32): void {
  for (let f = 0; f < d; f++) {
    store<f64>(acc + (<usize>f << 4), 0);
    store<f64>(acc + (<usize>f << 4), 0, 8);
  }
}

/** Every feature's gradient sums over keys [o0, o1) (bytes) into acc (a feature with γ_f = 0 is skipped). */
// @ts-ignore: decorator
@inline
function slopesOf(kind: i32, qi: usize, kr: usize, nkp: i32, d: i32, params: usize, x: usize, b: usize, o0: usize, o1: usize, acc: usize): void {
  const stride = <usize>nkp << 2;
  for (let f = 0; f < d; f++) {
    if (gammaAt(params, f) == 0) continue;
    const q = load<f32>(qi + (<usize>f << 2));
    slopeSums(kind, q, scaleAt(params, d, f), kr + <usize>f * stride, x, b, o0, o1, acc + (<usize>f << 4));
  }
}

function slopesChunk(kind: i32, qi: usize, kr: usize, nkp: i32, d: i32, params: usize, x: usize, b: usize, o0: usize, o1: usize, acc: usize): void {
  if (kind == GAUSSIAN) slopesOf(GAUSSIAN, qi, kr, nkp, d, params, x, b, o0, o1, acc);
  else if (kind == EPANECHNIKOV) slopesOf(EPANECHNIKOV, qi, kr, nkp, d, params, x, b, o0, o1, acc);
  else slopesOf(TRIANGULAR, qi, kr, nkp, d, params, x, b, o0, o1, acc);
}

/** The gradient's sums over every key, chunk by chunk (e and B of a chunk stay in L1 across the features). */
function slopesAll(kind: i32, qi: usize, kr: usize, nkp: i32, d: i32, params: usize, x: usize, b: usize, acc: usize): void {
  clearSlopes(acc, d);
  for (let j0 = 0; j0 < nkp; j0 += CHUNK) {
    slopesChunk(kind, qi, kr, nkp, d, params, x, b, <usize>j0 << 2, <usize>min(nkp, j0 + CHUNK) << 2, acc);
  }
}

/**
 * Pass 2 of the loss with one value column, fused with the gradient's sums chunk by chunk: a
 * chunk's e and B = e·(v − t) are written and read again while in L1.
 */
function passesSlopes(kind: i32, qi: usize, kr: usize, vr: usize, nk: i32, nkp: i32, d: i32, params: usize, skip: i32, t: f32, x: usize, b: usize, acc: usize): void {
  keyTerms(kind, qi, kr, nk, d, params, skip, x);
  se = 0;
  sev = 0;
  clearSlopes(acc, d);
  const m = termMin;
  for (let j0 = 0; j0 < nkp; j0 += CHUNK) {
    const n = min(CHUNK, nkp - j0);
    const o0 = <usize>j0 << 2;
    if (kind == GAUSSIAN) expSumsB(x + o0, vr + o0, n, m, t, b + o0);
    else weightSumsB(x + o0, vr + o0, n, t, b + o0);
    slopesChunk(kind, qi, kr, nkp, d, params, x, b, o0, o0 + (<usize>n << 2), acc);
  }
}

/** max_f |u_jf|, key j's L∞ distance from the query in scaled units. */
function distanceInf(qi: usize, kr: usize, j: i32, nkp: i32, d: i32, params: usize): f32 {
  const rowBytes = <usize>nkp << 2;
  let m: f32 = 0;
  for (let f = 0; f < d; f++) {
    const u = scaleAt(params, d, f) * (load<f32>(qi + (<usize>f << 2)) - load<f32>(kr + <usize>f * rowBytes + (<usize>j << 2)));
    m = max(m, abs(u));
  }
  return m;
}

// The nearest keys of a compact query whose weights are all 0.
let nearD: f32 = 0; // their L∞ distance
let nearCount: i32 = 0;

/**
 * Finds the nearest keys (skipping `skip`). False when float32 cannot tell them: one was inside
 * the support (the product underflowed), or every distance overflowed to +∞.
 */
function findNearest(kind: i32, qi: usize, kr: usize, nk: i32, nkp: i32, d: i32, params: usize, skip: i32): bool {
  let best: f32 = Infinity;
  let count = 0;
  for (let j = 0; j < nk; j++) {
    if (j == skip) continue;
    const m = distanceInf(qi, kr, j, nkp, d, params);
    if (m < best) {
      best = m;
      count = 0;
    }
    if (m == best) count++;
  }
  nearD = best;
  nearCount = count;
  return best < Infinity && !(kind != BOXCAR && best < 1);
}

/** The mean of column v over the nearest keys. */
function nearestMean(qi: usize, kr: usize, v: usize, nk: i32, nkp: i32, d: i32, params: usize, skip: i32): f64 {
  let sum: f64 = 0;
  for (let j = 0; j < nk; j++) {
    if (j != skip && distanceInf(qi, kr, j, nkp, d, params) == nearD) sum += <f64>load<f32>(v + (<usize>j << 2));
  }
  return sum / <f64>nearCount;
}

/** The nearest keys' weights into the row wr [nk]: 1/count each, 0 elsewhere. */
function nearestWeights(qi: usize, kr: usize, nk: i32, nkp: i32, d: i32, params: usize, skip: i32, wr: usize): void {
  const share = <f32>(1.0 / <f64>nearCount);
  for (let j = 0; j < nk; j++) {
    const near = j != skip && distanceInf(qi, kr, j, nkp, d, params) == nearD;
    store<f32>(wr + (<usize>j << 2), near ? share : 0);
  }
}

/** The weight row wr [nk] = e / Σe (skipped key and padding are 0 in x already). */
function normalizeInto(x: usize, nk: i32, wr: usize): void {
  const s = <f32>(1.0 / se);
  const inv = f32x4.splat(s);
  const whole = <usize>(nk & ~3) << 2;
  const bytes = <usize>nk << 2;
  let o: usize = 0;
  for (; o < whole; o += 16) v128.store(wr + o, f32x4.mul(v128.load(x + o), inv));
  for (; o < bytes; o += 4) store<f32>(wr + o, load<f32>(x + o) * s);
}

/**
 * Passes 1 and 2 of query i up to Σe (se) and column 0's sum (sev, values measured from t);
 * with `keepE` e stays in x for the sweeps that follow (more columns, weights, B).
 */
// @ts-ignore: decorator
@inline
function passes(kind: i32, keepE: bool, qi: usize, kr: usize, vr: usize, nk: i32, nkp: i32, d: i32, params: usize, skip: i32, t: f32, x: usize): void {
  keyTerms(kind, qi, kr, nk, d, params, skip, x);
  se = 0;
  sev = 0;
  if (kind == GAUSSIAN) {
    if (keepE) expSumsE(x, vr, nkp, termMin, t);
    else expSumsOnly(x, vr, nkp, termMin);
  } else {
    weightSumsOnly(x, vr, nkp, t);
  }
}

/** The forward of query i. */
// @ts-ignore: decorator
@inline
function forwardQuery(kind: i32, i: i32, q: usize, k: usize, v: usize, nk: i32, d: i32, dv: i32, perQuery: bool, excludeSelf: bool, params: usize, yHat: usize, weights: usize, scratch: usize): void {
  const nkp = paddedKeys(nk);
  const rowBytes = <usize>nkp << 2;
  const kr = perQuery ? k + <usize>i * <usize>d * rowBytes : k;
  const vr = perQuery ? v + <usize>i * <usize>dv * rowBytes : v;
  const qi = q + ((<usize>i * <usize>d) << 2);
  const yi = yHat + ((<usize>i * <usize>dv) << 2);
  const wr: usize = weights == 0 ? <usize>0 : weights + ((<usize>i * <usize>nk) << 2);
  const skip = excludeSelf ? i : -1;
  const x = scratch;
  if (dv > 1 || wr != 0) passes(kind, true, qi, kr, vr, nk, nkp, d, params, skip, 0, x);
  else passes(kind, false, qi, kr, vr, nk, nkp, d, params, skip, 0, x);
  if (kind != GAUSSIAN && !(se >= TINY)) {
    if (se != 0 || !findNearest(kind, qi, kr, nk, nkp, d, params, skip)) {
      for (let c = 0; c < dv; c++) store<f32>(yi + (<usize>c << 2), NaN);
      return;
    }
    for (let c = 0; c < dv; c++) store<f32>(yi + (<usize>c << 2), <f32>nearestMean(qi, kr, vr + <usize>c * rowBytes, nk, nkp, d, params, skip));
    if (wr != 0) nearestWeights(qi, kr, nk, nkp, d, params, skip, wr);
    return;
  }
  store<f32>(yi, <f32>(sev / se));
  for (let c = 1; c < dv; c++) store<f32>(yi + (<usize>c << 2), <f32>(columnSum(x, vr + <usize>c * rowBytes, nkp, 0) / se));
  if (wr != 0) normalizeInto(x, nk, wr);
}

// @ts-ignore: decorator
@inline
function forwardRows(kind: i32, i0: i32, i1: i32, q: usize, k: usize, v: usize, nk: i32, d: i32, dv: i32, perQuery: bool, excludeSelf: bool, params: usize, yHat: usize, weights: usize, scratch: usize): void {
  for (let i = i0; i < i1; i++) forwardQuery(kind, i, q, k, v, nk, d, dv, perQuery, excludeSelf, params, yHat, weights, scratch);
}

/**
 * Forward of queries [i0, i1): ŷ into yHat [nq, dv] and, with weights != 0, the weight rows
 * [nq, nk]. q [nq, d]; k [d, nkp] or [nq, d, nkp]; v [dv, nkp] or [nq, dv, nkp]; params as
 * in ndTerms.ts; scratch 2·nkp + 4·d + dv floats (e, B, the gradient's f64 sums, r). `kind`: 0 Gaussian, 1 constant, 2 boxcar,
 * 3 Epanechnikov, 4 triangular.
 */
export function poolNdRows(i0: i32, i1: i32, q: usize, k: usize, v: usize, nk: i32, d: i32, dv: i32, perQuery: bool, excludeSelf: bool, kind: i32, params: usize, yHat: usize, weights: usize, scratch: usize): void {
  if (kind == GAUSSIAN) forwardRows(GAUSSIAN, i0, i1, q, k, v, nk, d, dv, perQuery, excludeSelf, params, yHat, weights, scratch);
  else if (kind == CONSTANT) forwardRows(CONSTANT, i0, i1, q, k, v, nk, d, dv, perQuery, excludeSelf, params, yHat, weights, scratch);
  else if (kind == BOXCAR) forwardRows(BOXCAR, i0, i1, q, k, v, nk, d, dv, perQuery, excludeSelf, params, yHat, weights, scratch);
  else if (kind == EPANECHNIKOV) forwardRows(EPANECHNIKOV, i0, i1, q, k, v, nk, d, dv, perQuery, excludeSelf, params, yHat, weights, scratch);
  else forwardRows(TRIANGULAR, i0, i1, q, k, v, nk, d, dv, perQuery, excludeSelf, params, yHat, weights, scratch);
}

/** poolNdRows over every query. */
export function poolNd(q: usize, nq: i32, k: usize, v: usize, nk: i32, d: i32, dv: i32, perQuery: bool, excludeSelf: bool, kind: i32, params: usize, yHat: usize, weights: usize, scratch: usize): void {
  poolNdRows(0, nq, q, k, v, nk, d, dv, perQuery, excludeSelf, kind, params, yHat, weights, scratch);
}

/** Puts term `index` of a query at `out`: added to the running sum there, or stored apart. */
// @ts-ignore: decorator
@inline
function put(accumulate: bool, out: usize, index: i32, term: f64): void {
  const at = out + (<usize>index << 3);
  if (accumulate) store<f64>(at, load<f64>(at) + term);
  else store<f64>(at, term);
}

/** The loss of query i: writes ŷ_i and puts its terms [L_i, ∂L_i/∂w_f …] at `out`. */
// @ts-ignore: decorator
@inline
function lossQuery(kind: i32, accumulate: bool, i: i32, q: usize, k: usize, v: usize, nk: i32, d: i32, dv: i32, perQuery: bool, excludeSelf: bool, params: usize, targets: usize, yHat: usize, out: usize, scratch: usize): void {
  const nkp = paddedKeys(nk);
  const rowBytes = <usize>nkp << 2;
  const kr = perQuery ? k + <usize>i * <usize>d * rowBytes : k;
  const vr = perQuery ? v + <usize>i * <usize>dv * rowBytes : v;
  const qi = q + ((<usize>i * <usize>d) << 2);
  const yi = yHat + ((<usize>i * <usize>dv) << 2);
  const ti = targets + ((<usize>i * <usize>dv) << 2);
  const skip = excludeSelf ? i : -1;
  const x = scratch;
  const b = scratch + rowBytes;
  const rs = b + rowBytes + (<usize>d << 4); // r_c in float32, for the B sweeps (after the gradient's f64 sums)
  const slopes = kind == GAUSSIAN || kind == EPANECHNIKOV || kind == TRIANGULAR;
  const t0 = load<f32>(ti);
  const acc = b + rowBytes; // f64 pairs [Σρ_f·B, Σρ_f·e]
  if (slopes && dv == 1) passesSlopes(kind, qi, kr, vr, nk, nkp, d, params, skip, t0, x, b, acc);
  else passes(kind, true, qi, kr, vr, nk, nkp, d, params, skip, t0, x);
  let loss: f64 = 0;
  if (kind != GAUSSIAN && !(se >= TINY)) {
    const ok = se == 0 && findNearest(kind, qi, kr, nk, nkp, d, params, skip);
    for (let c = 0; c < dv; c++) {
      const y = ok ? nearestMean(qi, kr, vr + <usize>c * rowBytes, nk, nkp, d, params, skip) : NaN;
      const r = y - <f64>load<f32>(ti + (<usize>c << 2));
      store<f32>(yi + (<usize>c << 2), <f32>y);
      loss += r * r;
    }
    put(accumulate, out, 0, loss);
    for (let f = 0; f < d; f++) put(accumulate, out, 1 + f, 0);
    return;
  }
  const r0 = sev / se; // ŷ_0 − t_0
  store<f32>(yi, <f32>(<f64>t0 + r0));
  store<f32>(rs, <f32>r0);
  loss = r0 * r0;
  for (let c = 1; c < dv; c++) {
    const t = load<f32>(ti + (<usize>c << 2));
    const r = columnSum(x, vr + <usize>c * rowBytes, nkp, t) / se;
    store<f32>(yi + (<usize>c << 2), <f32>(<f64>t + r));
    store<f32>(rs + (<usize>c << 2), <f32>r);
    loss += r * r;
  }
  put(accumulate, out, 0, loss);
  if (slopes && dv > 1) {
    // B needs every r_c, so its sweeps and the gradient's sums follow pass 2 here
    for (let c = 0; c < dv; c++) {
      const step = c == 0 ? 0 : c < dv - 1 ? 1 : 2;
      columnB(step, x, vr + <usize>c * rowBytes, b, nkp, load<f32>(rs + (<usize>c << 2)), load<f32>(ti + (<usize>c << 2)));
    }
  }
  if (slopes && dv > 1) slopesAll(kind, qi, kr, nkp, d, params, x, b, acc);
  for (let f = 0; f < d; f++) {
    const gamma = gammaAt(params, f);
    let g: f64 = 0;
    if (slopes && gamma != 0) {
      const sumG = load<f64>(acc + (<usize>f << 4));
      const sumH = load<f64>(acc + (<usize>f << 4), 8);
      // dv = 1: B = e·(v − t) without r, so ∂L/∂w_f = 2 r γ (ΣρB − r·Σρe)/Σe; else Σ_c r_c² = loss.
      g = dv == 1 ? (2 * r0 * gamma * (sumG - r0 * sumH)) / se : (2 * gamma * (sumG - loss * sumH)) / se;
    }
    put(accumulate, out, 1 + f, g);
  }
}

// @ts-ignore: decorator
@inline
function lossRows(kind: i32, accumulate: bool, i0: i32, i1: i32, q: usize, k: usize, v: usize, nk: i32, d: i32, dv: i32, perQuery: bool, excludeSelf: bool, params: usize, targets: usize, yHat: usize, out: usize, scratch: usize): void {
  const stride = <usize>(1 + d) << 3;
  for (let i = i0; i < i1; i++) {
    const at = accumulate ? out : out + <usize>i * stride;
    lossQuery(kind, accumulate, i, q, k, v, nk, d, dv, perQuery, excludeSelf, params, targets, yHat, at, scratch);
  }
}

// @ts-ignore: decorator
@inline
function lossKinds(accumulate: bool, i0: i32, i1: i32, q: usize, k: usize, v: usize, nk: i32, d: i32, dv: i32, perQuery: bool, excludeSelf: bool, kind: i32, params: usize, targets: usize, yHat: usize, out: usize, scratch: usize): void {
  if (kind == GAUSSIAN) lossRows(GAUSSIAN, accumulate, i0, i1, q, k, v, nk, d, dv, perQuery, excludeSelf, params, targets, yHat, out, scratch);
  else if (kind == CONSTANT) lossRows(CONSTANT, accumulate, i0, i1, q, k, v, nk, d, dv, perQuery, excludeSelf, params, targets, yHat, out, scratch);
  else if (kind == BOXCAR) lossRows(BOXCAR, accumulate, i0, i1, q, k, v, nk, d, dv, perQuery, excludeSelf, params, targets, yHat, out, scratch);
  else if (kind == EPANECHNIKOV) lossRows(EPANECHNIKOV, accumulate, i0, i1, q, k, v, nk, d, dv, perQuery, excludeSelf, params, targets, yHat, out, scratch);
  else lossRows(TRIANGULAR, accumulate, i0, i1, q, k, v, nk, d, dv, perQuery, excludeSelf, params, targets, yHat, out, scratch);
}

/**
 * Loss of queries [i0, i1) (pointers as in poolNdRows; targets [nq, dv]): writes ŷ and stores
 * query i's terms as f64 [L_i, ∂L_i/∂w_0 … ∂L_i/∂w_(d−1)] at terms + 8·(1 + d)·i.
 */
export function poolLossNdRows(i0: i32, i1: i32, q: usize, k: usize, v: usize, nk: i32, d: i32, dv: i32, perQuery: bool, excludeSelf: bool, kind: i32, params: usize, targets: usize, yHat: usize, terms: usize, scratch: usize): void {
  lossKinds(false, i0, i1, q, k, v, nk, d, dv, perQuery, excludeSelf, kind, params, targets, yHat, terms, scratch);
}

/**
 * Loss of every query: writes ŷ, and at `result` f64 [L, ∂L/∂w_0 … ∂L/∂w_(d−1)], the sums of
 * poolLossNdRows's per-query terms in query order from 0.
 */
export function poolLossNd(q: usize, nq: i32, k: usize, v: usize, nk: i32, d: i32, dv: i32, perQuery: bool, excludeSelf: bool, kind: i32, params: usize, targets: usize, yHat: usize, result: usize, scratch: usize): void {
  for (let f = 0; f <= d; f++) store<f64>(result + (<usize>f << 3), 0);
  lossKinds(true, 0, nq, q, k, v, nk, d, dv, perQuery, excludeSelf, kind, params, targets, yHat, result, scratch);
}
