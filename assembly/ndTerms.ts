// Pass 1 of d-dimensional pooling, for one query: every key's term in a scratch row x [nkp],
//   Gaussian  x_j = Σ_f u_jf²            (u_jf = s_f·(q_f − k_jf), log2(e)/2 folded into s_f)
//   compact   x_j = Π_f K1(u_jf)          (product kernels, u = w·(q − k), s_f = w_f)
//   constant  x_j = 1
// and scoresNd, which writes those terms out as scores.
//
// Layout (written by the host, src/backend/wasm/ndKernels.ts): keys feature-major, one set
// [d, nkp] (per query: [nq, d, nkp]), each feature's row padded from nk to nkp = nk rounded up
// to 4 keys, so one v128 load holds 4 keys of one feature and no loop needs a scalar tail.
// The sweeps run feature by feature (two at a time) over chunks of CHUNK keys, so the running
// terms and the chunk's key rows stay in L1 across the features instead of needing d live
// vectors per key group; the Gaussian's smallest term is taken per chunk while it is in L1.
//
// The differences are scaled before they are squared, u = s·(q − k), never s²·(q − k)²: a huge
// |q − k| with a tiny w stays finite. The host checks that every q − k fits float32.
//
// The per-feature constants live at `params`: γ_f as f64 [d] (the gradient's factor, see
// poolNd.ts), then s_f as f32 [d].

// @ts-ignore: decorator
@inline export const GAUSSIAN: i32 = 0;
// @ts-ignore: decorator
@inline export const CONSTANT: i32 = 1;
// @ts-ignore: decorator
@inline export const BOXCAR: i32 = 2;
// @ts-ignore: decorator
@inline export const EPANECHNIKOV: i32 = 3;
// @ts-ignore: decorator
@inline export const TRIANGULAR: i32 = 4;

/** 1 in four lanes, in a mutable global so that V8 does not rebuild it at every use (see exp.ts). */
export let VONE: v128 = f32x4.splat(1);

/** Keys per feature row in memory: nk rounded up to a whole v128. */
// @ts-ignore: decorator
@inline
export function paddedKeys(nk: i32): i32 {
  return (nk + 3) & ~3;
}

/** s_f, the scale of feature f. */
// @ts-ignore: decorator
@inline
export function scaleAt(params: usize, d: i32, f: i32): f32 {
  return load<f32>(params + (<usize>d << 3) + (<usize>f << 2));
}

/** γ_f, the gradient's factor of feature f. */
// @ts-ignore: decorator
@inline
export function gammaAt(params: usize, f: i32): f64 {
  return load<f64>(params + (<usize>f << 3));
}

/**
 * K1(u) of one feature in four lanes (compact kinds). The Epanechnikov factor is (1 − |u|)(1 + |u|)
 * rather than 1 − u²: 1 − |u| is exact near the edge of the support, so the factor keeps its
 * relative accuracy there, and the gradient divides by the very same factor.
 */
// @ts-ignore: decorator
@inline
export function factor4(kind: i32, u: v128, one: v128): v128 {
  const a = f32x4.abs(u);
  if (kind == BOXCAR) return v128.and(f32x4.le(a, one), one);
  const inside = f32x4.lt(a, one);
  if (kind == EPANECHNIKOV) return v128.and(inside, f32x4.mul(f32x4.sub(one, a), f32x4.add(one, a)));
  return v128.and(inside, f32x4.sub(one, a));
}

/** One feature's term: u² (Gaussian) or K1(u). */
// @ts-ignore: decorator
@inline
function term4(kind: i32, u: v128, one: v128): v128 {
  if (kind == GAUSSIAN) return f32x4.mul(u, u);
  return factor4(kind, u, one);
}

/** The running term combined with the next feature's: a sum (Gaussian) or a product. */
// @ts-ignore: decorator
@inline
function combine4(kind: i32, x: v128, t: v128): v128 {
  if (kind == GAUSSIAN) return f32x4.add(x, t);
  return f32x4.mul(x, t);
}

/** Keys per chunk of pass 1: every feature row of a chunk (d·2 KB) and its terms stay in L1 across the sweeps. */
// @ts-ignore: decorator
@inline export const CHUNK: i32 = 512;

/** The smallest term of pass 1 (Gaussian: the nearest key's Σu²), set by keyTerms. */
export let termMin: f32 = Infinity;

/**
 * x_j for keys [j0, j1) of one kind (inlined per kind, so the loops carry no branch). Features
 * two at a time: half the loads and stores of the running terms.
 */
// @ts-ignore: decorator
@inline
function chunkTerms(kind: i32, qi: usize, kr: usize, stride: usize, d: i32, params: usize, x: usize, o0: usize, o1: usize): void {
  const one = VONE;
  let f = 0;
  if (d & 1) {
    const qf = f32x4.splat(load<f32>(qi));
    const sf = f32x4.splat(scaleAt(params, d, 0));
    for (let o = o0; o < o1; o += 16) {
      v128.store(x + o, term4(kind, f32x4.mul(sf, f32x4.sub(qf, v128.load(kr + o))), one));
    }
    f = 1;
  }
  for (; f < d; f += 2) {
    const qa = f32x4.splat(load<f32>(qi + (<usize>f << 2)));
    const sa = f32x4.splat(scaleAt(params, d, f));
    const qb = f32x4.splat(load<f32>(qi + (<usize>(f + 1) << 2)));
    const sb = f32x4.splat(scaleAt(params, d, f + 1));
    const ra = kr + <usize>f * stride;
    const rb = ra + stride;
    if (f == 0) {
      for (let o = o0; o < o1; o += 16) {
        const ta = term4(kind, f32x4.mul(sa, f32x4.sub(qa, v128.load(ra + o))), one);
        const tb = term4(kind, f32x4.mul(sb, f32x4.sub(qb, v128.load(rb + o))), one);
        v128.store(x + o, combine4(kind, ta, tb));
      }
    } else {
      for (let o = o0; o < o1; o += 16) {
        const ta = term4(kind, f32x4.mul(sa, f32x4.sub(qa, v128.load(ra + o))), one);
        const tb = term4(kind, f32x4.mul(sb, f32x4.sub(qb, v128.load(rb + o))), one);
        v128.store(x + o, combine4(kind, v128.load(x + o), combine4(kind, ta, tb)));
      }
    }
  }
}

/**
 * x_j for every key, chunk by chunk; the padding lanes [nk, nkp) and the skipped key (−1: none)
 * get `none`, the term of weight 0 (+∞ for the Gaussian, 0 for the others), and the Gaussian's
 * smallest term goes to termMin (pmin(m, x) is x < m ? x : m, so a NaN term never wins).
 */
// @ts-ignore: decorator
@inline
function termsOf(kind: i32, qi: usize, kr: usize, nk: i32, d: i32, params: usize, skip: i32, x: usize): void {
  const nkp = paddedKeys(nk);
  const stride = <usize>nkp << 2;
  const none: f32 = kind == GAUSSIAN ? Infinity : 0;
  let m = f32x4.splat(Infinity);
  for (let j0 = 0; j0 < nkp; j0 += CHUNK) {
    const j1 = min(nkp, j0 + CHUNK);
    const o0 = <usize>j0 << 2;
    const o1 = <usize>j1 << 2;
    if (kind == CONSTANT) {
      const one = VONE;
      for (let o = o0; o < o1; o += 16) v128.store(x + o, one);
    } else {
      chunkTerms(kind, qi, kr, stride, d, params, x, o0, o1);
    }
    for (let j = max(j0, nk); j < j1; j++) store<f32>(x + (<usize>j << 2), none);
    if (skip >= j0 && skip < j1) store<f32>(x + (<usize>skip << 2), none);
    if (kind == GAUSSIAN) {
      for (let o = o0; o < o1; o += 16) m = f32x4.pmin(m, v128.load(x + o));
    }
  }
  termMin = min(min(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), min(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
}

/** x_j = the term of key j of the set kr [d, nkp] for query qi [d]; `kind` as at the top; see termsOf. */
export function keyTerms(kind: i32, qi: usize, kr: usize, nk: i32, d: i32, params: usize, skip: i32, x: usize): void {
  if (kind == GAUSSIAN) termsOf(GAUSSIAN, qi, kr, nk, d, params, skip, x);
  else if (kind == CONSTANT) termsOf(CONSTANT, qi, kr, nk, d, params, skip, x);
  else if (kind == BOXCAR) termsOf(BOXCAR, qi, kr, nk, d, params, skip, x);
  else if (kind == EPANECHNIKOV) termsOf(EPANECHNIKOV, qi, kr, nk, d, params, skip, x);
  else termsOf(TRIANGULAR, qi, kr, nk, d, params, skip, x);
}

/**
 * Scores of every pair into out [nq, nk]: Gaussian −Σ_f u_f² (the host passes s_f = w_f/√2, so
 * this is −½ Σ (w_f·(q_f − k_f))²; a sum beyond float32 is −Infinity, its float32 rounding);
 * compact kinds Π_f K1(u_f), whose log the host takes. q [nq, d]; k [d, nkp] or [nq, d, nkp];
 * scratch [nkp].
 */
export function scoresNd(q: usize, nq: i32, k: usize, nk: i32, d: i32, perQuery: bool, kind: i32, params: usize, out: usize, scratch: usize): void {
  const nkp = paddedKeys(nk);
  const setBytes = <usize>d * (<usize>nkp << 2);
  const rowBytes = <usize>nk << 2;
  const whole = <usize>(nk & ~3) << 2;
  for (let i = 0; i < nq; i++) {
    const qi = q + ((<usize>i * <usize>d) << 2);
    const kr = perQuery ? k + <usize>i * setBytes : k;
    const or = out + <usize>i * rowBytes;
    keyTerms(kind, qi, kr, nk, d, params, -1, scratch);
    if (kind == GAUSSIAN) {
      let o: usize = 0;
      for (; o < whole; o += 16) v128.store(or + o, f32x4.neg(v128.load(scratch + o)));
      for (; o < rowBytes; o += 4) store<f32>(or + o, -load<f32>(scratch + o));
    } else {
      let o: usize = 0;
      for (; o < whole; o += 16) v128.store(or + o, v128.load(scratch + o));
      for (; o < rowBytes; o += 4) store<f32>(or + o, load<f32>(scratch + o));
    }
  }
}
