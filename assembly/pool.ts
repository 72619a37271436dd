// Fused attention pooling: ŷ_i = Σ_j e_ij·v_ij / Σ_j e_ij with e_ij = exp(s_ij − max_j s_ij),
// s_ij = −(w·(q_i − k_ij))²/2, two passes per query and no nq × nk matrix.
//
// Pass 1 computes u² with u = S·(q − k), S = w·√(log2(e)/2) (log2 e folded in, see exp.ts), for
// every key of the query's row into a scratch row, and finds the smallest, u²min (the nearest
// key's: the largest score). Pass 2 reads them back, evaluates e = 2^(u²min − u²) and sums
// (reading u² back costs less than computing it again: two multiplies and a subtraction a
// block). Pass 1 of the next query runs before pass 2 of this one (two scratch rows alternate),
// so that the chain of minima pass 2 waits for runs beside the previous query's pass 2.
// Scaling the difference before squaring keeps u² within float32 wherever the score itself is
// (|q − k| up to float32's range, w·|q − k| moderate); squaring d first overflows from
// |q − k| ≈ 1.8e19 and loses precision below |q − k| ≈ 1e-19. The exponent's rounding error is of
// the order of ulp(u²), the same as that of the float32 difference q − k itself, which no float32
// kernel avoids (tests bound both to first order).
// Loops take 4 keys at a time: with 8 constants held in registers, wider bodies make V8 spill.
// Sums run in f32x4 lanes over blocks of at most BLOCK keys and each block is folded into f64
// totals, so the rounding error of a sum does not grow with the number of keys.
//
// Keys are one shared row, or one row per query (row i for query i); with excludeSelf (shared
// keys, nq == nk), query i skips key i. There are no scalar tails: the keys run in blocks of 4.
// Pass 1 masks at most two blocks per query, the one holding the skipped key and the partial
// last one (keys past nk), and then sets the skipped key's u² to float32's largest, so that
// pass 2 masks only the partial last block: the skipped key's e comes out exactly 0. A masked
// block reads all 16 bytes (up to 12 past the row's end; the host leaves that much slack after
// its last slice) and its mask zeroes what the lanes outside it contribute, whatever those
// bytes hold. Every other block runs unmasked, so a key costs the same with or without
// excludeSelf, and a small call pays no scalar exp2 and one lane fold per sum.
import { exp2x4, madd, V0, V1, V2, V3, V4, V5, VFLUSH, VMAGIC } from './exp';
import { BLOCK, lanesPaired as lanes } from './lanes';

/** Lane indices [0, 1, 2, 3], for the masks (a global for the reason exp.ts gives for its constants). */
let LANE: v128 = i32x4(0, 1, 2, 3);

/**
 * The mask of the block of keys [b, b + 4): all bits set in the lanes of keys below nk other
 * than `skip` (−1: none), 0 elsewhere.
 */
// @ts-ignore: decorator
@inline
function keepMask(b: i32, nk: i32, skip: i32): v128 {
  const lane = LANE;
  return v128.andnot(i32x4.lt_s(lane, i32x4.splat(nk - b)), i32x4.eq(lane, i32x4.splat(skip - b)));
}

/**
 * Pass 1: u² = (S·(q − k))² of every key into the scratch row s (what pass 2 reads), and the
 * smallest of them over keys [0, nk) less the skipped one. `mb` is the first masked block
 * (`keepA` its mask), the partial last block `full` = nk & ~3 the second when it is another
 * (`keepB`). A masked lane is set to NaN (all bits), which pmin(m, ·) passes over; its u² in
 * the scratch row is whatever the bytes past the row made of it, and pass 2 masks it again.
 */
// @ts-ignore: decorator
@inline
function nearest(q: f32, k: usize, nk: i32, mb: i32, keepA: v128, keepB: v128, c: f32, s: usize): f32 {
  const qv = f32x4.splat(q);
  const cv = f32x4.splat(c);
  const full = nk & ~3;
  let m = f32x4.splat(Infinity);
  let o = mb;
  let keep = keepA;
  for (let n = mb < nk ? (full > mb && full < nk ? 2 : 1) : 0; n > 0; n--) {
    const at = <usize>o << 2;
    const d = f32x4.mul(cv, f32x4.sub(qv, v128.load(k + at)));
    const d2 = f32x4.mul(d, d);
    v128.store(s + at, d2);
    m = f32x4.pmin(m, v128.or(d2, v128.not(keep)));
    o = full;
    keep = keepB;
  }
  // the unmasked blocks: [0, mb) and [mb + 4, full), two at a time into two minima (the chain
  // of minima is what pass 2 waits for)
  let m2 = f32x4.splat(Infinity);
  let j = 0;
  let stop = mb;
  for (let part = 0; part < 2; part++) {
    for (; j + 8 <= stop; j += 8) {
      const at = <usize>j << 2;
      const d = f32x4.mul(cv, f32x4.sub(qv, v128.load(k + at)));
      const d2 = f32x4.mul(d, d);
      v128.store(s + at, d2);
      m = f32x4.pmin(m, d2);
      const dn = f32x4.mul(cv, f32x4.sub(qv, v128.load(k + at, 16)));
      const d2n = f32x4.mul(dn, dn);
      v128.store(s + at, d2n, 16);
      m2 = f32x4.pmin(m2, d2n);
    }
    if (j < stop) {
      const at = <usize>j << 2;
      const d = f32x4.mul(cv, f32x4.sub(qv, v128.load(k + at)));
      const d2 = f32x4.mul(d, d);
      v128.store(s + at, d2);
      m = f32x4.pmin(m, d2);
    }
    j = mb + 4;
    stop = full;
  }
  m = f32x4.pmin(m, m2);
  m = f32x4.pmin(m, v128.shuffle<f32>(m, m, 2, 3, 0, 1));
  m = f32x4.pmin(m, v128.shuffle<f32>(m, m, 1, 0, 3, 2));
  return f32x4.extract_lane(m, 0);
}

// The range of an array (see range), in module globals.
let lo: f32 = Infinity;
let hi: f32 = -Infinity;

/** lo and hi: the smallest and largest of the n (≥ 1) float32 at p (finite: the host checked them). */
function range(p: usize, n: i32): void {
  let l = f32x4.splat(Infinity);
  let h = f32x4.splat(-Infinity);
  const full = n & ~3;
  for (let j = 0; j < full; j += 4) {
    const x = v128.load(p + (<usize>j << 2));
    l = f32x4.pmin(l, x);
    h = f32x4.pmax(h, x);
  }
  if (full < n) {
    // lanes past n read as NaN (all bits set), which pmin(l, ·) and pmax(h, ·) pass over
    const x = v128.or(v128.load(p + (<usize>full << 2)), v128.not(keepMask(full, n, -1)));
    l = f32x4.pmin(l, x);
    h = f32x4.pmax(h, x);
  }
  l = f32x4.pmin(l, v128.shuffle<f32>(l, l, 2, 3, 0, 1));
  l = f32x4.pmin(l, v128.shuffle<f32>(l, l, 1, 0, 3, 2));
  h = f32x4.pmax(h, v128.shuffle<f32>(h, h, 2, 3, 0, 1));
  h = f32x4.pmax(h, v128.shuffle<f32>(h, h, 1, 0, 3, 2));
  lo = f32x4.extract_lane(l, 0);
  hi = f32x4.extract_lane(h, 0);
}

/**
 * Whether every difference q − k of nq queries and nk keys (all rows) is finite in float32, with
 * half its range of margin: max |q − k| = max(qmax − kmin, kmax − qmin) < F32_MAX/2, in f64, as
 * the host's float32Holds (abi.ts) computes it.
 */
function differencesHold(q: usize, nq: i32, k: usize, nk: i32): bool {
  range(q, nq);
  const qlo = <f64>lo;
  const qhi = <f64>hi;
  range(k, nk);
  return max(qhi - <f64>lo, <f64>hi - qlo) < <f64>f32.MAX_VALUE / 2;
}

/** Whether the n (≥ 1) float32 at p are all finite (x − x is 0 exactly for those). */
function allFinite(p: usize, n: i32): bool {
  let bad = f32x4.splat(0);
  const full = n & ~3;
  for (let j = 0; j < full; j += 4) {
    const x = v128.load(p + (<usize>j << 2));
    bad = v128.or(bad, f32x4.sub(x, x));
  }
  if (full < n) {
    const x = v128.and(v128.load(p + (<usize>full << 2)), keepMask(full, n, -1));
    bad = v128.or(bad, f32x4.sub(x, x));
  }
  // a finite x gives x − x = +0 (all bits 0); NaN and ±Infinity give NaN
  return !v128.any_true(bad);
}

/** Stores the first n (≥ 1) lanes of x at p: all four when n ≥ 4. */
// @ts-ignore: decorator
@inline
function storeLanes(p: usize, x: v128, n: i32): void {
  if (n >= 4) {
    v128.store(p, x);
    return;
  }
  store<f32>(p, f32x4.extract_lane(x, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(x, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(x, 2), 8);
}

/**
 * Query i's scratch row of u²: two rows of nk floats (rounded up to 4) alternate, so that pass 1
 * of query i + 1 can run before pass 2 of query i (the loss uses a third, after them).
 */
// @ts-ignore: decorator
@inline
function scratchRow(s: usize, nk: i32, i: i32): usize {
  return s + (<usize>(i & 1) * (<usize>((nk + 3) & ~3) << 2));
}

/** Pass 1 of query i (see nearest): its row of u² into its scratch row, and u²min. */
// @ts-ignore: decorator
@inline
function pass1(i: i32, q: usize, k: usize, nk: i32, perQuery: bool, excludeSelf: bool, c: f32, s: usize, keepB: v128): f32 {
  const kr = perQuery ? k + <usize>i * (<usize>nk << 2) : k;
  const mb = excludeSelf ? i & ~3 : nk & ~3;
  const keepA = excludeSelf ? keepMask(mb, nk, i) : keepB;
  const sr = scratchRow(s, nk, i);
  const top = nearest(load<f32>(q + (<usize>i << 2)), kr, nk, mb, keepA, keepB, c, sr);
  // The skipped key's u² becomes float32's largest: pass 2 then runs it as any other key, and its
  // e = 2^(u²min − that) is below the flush (exactly 0), e·x = 0·(finite) = −0 exactly.
  if (excludeSelf) store<f32>(sr + (<usize>i << 2), f32.MAX_VALUE);
  return top;
}

/**
 * The forward for queries [i0, i1): ŷ_i, and with `keepWeights` the weight rows at w (the
 * skipped key's weight 0). Inlined with a constant `keepWeights`, so each caller gets loops
 * without the branch. Pass 1 of query i + 1 runs before pass 2 of query i: pass 2 waits for
 * its query's u²min, and this way the chain that computes it runs beside the previous query's
 * pass 2 instead of before its own.
 */
// @ts-ignore: decorator
@inline
function poolRange(i0: i32, i1: i32, q: usize, k: usize, v: usize, nk: i32, perQuery: bool, excludeSelf: bool, c: f32, yHat: usize, w: usize, s: usize, keepWeights: bool): void {
  const k0 = V0, k1 = V1, k2 = V2, k3 = V3, k4 = V4, k5 = V5, magic = VMAGIC, flush = VFLUSH;
  const rowBytes = <usize>nk << 2;
  const full = nk & ~3;
  const keepB = keepMask(full, nk, -1);
  let next: f32 = i0 < i1 ? pass1(i0, q, k, nk, perQuery, excludeSelf, c, s, keepB) : 0;
  for (let i = i0; i < i1; i++) {
    const top = next;
    if (i + 1 < i1) next = pass1(i + 1, q, k, nk, perQuery, excludeSelf, c, s, keepB);
    const sr = scratchRow(s, nk, i);
    const vr = perQuery ? v + <usize>i * rowBytes : v;
    const wr = w + <usize>i * rowBytes;
    const tv = f32x4.splat(top);
    let eA = f32x4.splat(0), evA = f32x4.splat(0);
    let se: f64 = 0;
    let sev: f64 = 0;
    // Every block of 4 keys unmasked (the skipped key's u² is float32's largest, see pass1),
    // then the partial last block masked; the lane sums folded into f64 every BLOCK keys.
    let j = 0;
    do {
      const end = min(full, j + BLOCK);
      for (; j < end; j += 4) {
        const at = <usize>j << 2;
        const e = exp2x4(f32x4.sub(tv, v128.load(sr + at)), k0, k1, k2, k3, k4, k5, magic, flush);
        if (keepWeights) v128.store(wr + at, e);
        eA = f32x4.add(eA, e);
        evA = madd(e, v128.load(vr + at), evA);
      }
      if (j == full && full < nk) {
        const at = <usize>full << 2;
        const e = v128.and(exp2x4(f32x4.sub(tv, v128.load(sr + at)), k0, k1, k2, k3, k4, k5, magic, flush), keepB);
        if (keepWeights) storeLanes(wr + at, e, nk - full);
        eA = f32x4.add(eA, e);
        evA = madd(e, v128.and(v128.load(vr + at), keepB), evA);
      }
      se += lanes(eA);
      sev += lanes(evA);
      eA = f32x4.splat(0);
      evA = f32x4.splat(0);
    } while (j < full);
    if (keepWeights) {
      const inv = f32x4.splat(<f32>(1.0 / se));
      let j = 0;
      for (; j + 4 <= nk; j += 4) {
        const at = <usize>j << 2;
        v128.store(wr + at, f32x4.mul(v128.load(wr + at), inv));
      }
      for (; j < nk; j++) {
        const at = <usize>j << 2;
        store<f32>(wr + at, load<f32>(wr + at) * f32x4.extract_lane(inv, 0));
      }
    }
    store<f32>(yHat + (<usize>i << 2), <f32>(sev / se));
  }
}

/**
 * Forward: yHat[i] for every query; with `weights` != 0 also the [nq, nk] weight rows
 * (a skipped key gets weight 0). `c` = S = w·√(log2(e)/2), the scale of the differences.
 * `scratch` holds three rows of nk floats rounded up to 4 (pass 1's u², the loss's e; any
 * content before the call; abi.ts, poolScratch).
 * Returns false, computing nothing, where a difference q − k may not be finite in float32
 * (abi.ts, float32Holds; the host checks the scale), and false where a ŷ came out non-finite:
 * the host then takes the float64 path.
 */
export function pool(q: usize, nq: i32, k: usize, v: usize, nk: i32, perQuery: bool, excludeSelf: bool, c: f32, yHat: usize, weights: usize, scratch: usize): bool {
  if (!differencesHold(q, nq, k, perQuery ? nq * nk : nk)) return false;
  poolRows(0, nq, q, k, v, nk, perQuery, excludeSelf, c, yHat, weights, scratch);
  return allFinite(yHat, nq);
}

/**
 * pool for queries [i0, i1) only, i being the query's index in the whole call: excludeSelf skips
 * key i and per-query rows are row i. Pointers are those of the whole call (a host holding only
 * the slice passes them shifted back by i0 rows; wasm32 pointer arithmetic wraps). For threads.
 */
export function poolRows(i0: i32, i1: i32, q: usize, k: usize, v: usize, nk: i32, perQuery: bool, excludeSelf: bool, c: f32, yHat: usize, weights: usize, scratch: usize): void {
  if (weights == 0) poolRange(i0, i1, q, k, v, nk, perQuery, excludeSelf, c, yHat, 0, scratch, false);
  else poolRange(i0, i1, q, k, v, nk, perQuery, excludeSelf, c, yHat, weights, scratch, true);
}

// The loss and its derivative summed over the queries of lossRange (module globals: a function
// cannot return several values).
let lossSum: f64 = 0;
let gradSum: f64 = 0;

/**
 * Queries [i0, i1) of poolLoss: writes ŷ_i, and each query's terms (ŷ_i − t_i)² and its d/dw as
 * f64 pairs at terms + 16·i with `keepTerms`, else their sums in query order into lossSum and
 * gradSum. Inlined with a constant `keepTerms`. Pass 1 of query i + 1 runs before pass 2 of
 * query i, as in poolRange.
 *
 * Pass 2 also sums e·(u² − u²min) and e·(u² − u²min)·(v − v0). Since Σe·(v − ŷ) = 0, u² may be
 * measured from u²min in the gradient's Σe·u²·(v − ŷ); so measured, the nearest key's term is 0
 * instead of u²min·(float32 rounding of v − ŷ), an error that grew as w·d²min (7% at w = 300 on
 * the chapter's data). Values are measured from v0, the query's target (close to ŷ wherever the
 * fit is any good), so that Σe·δ·(v − ŷ) = Σe·δ·(v − v0) − (ŷ − v0)·Σe·δ (δ = u² − u²min) does
 * not cancel even when every value carries a large common offset. The lanes hold the exponent
 * x = u²min − u² = −δ, so they sum e·x = −e·δ (negation is exact, so the totals are exactly
 * those of e·δ negated) and save a subtraction per block.
 */
// @ts-ignore: decorator
@inline
function lossRange(i0: i32, i1: i32, q: usize, k: usize, v: usize, nk: i32, perQuery: bool, excludeSelf: bool, c: f32, g: f64, targets: usize, yHat: usize, terms: usize, s: usize, keepTerms: bool): void {
  const k0 = V0, k1 = V1, k2 = V2, k3 = V3, k4 = V4, k5 = V5, magic = VMAGIC, flush = VFLUSH;
  const rowBytes = <usize>nk << 2;
  const full = nk & ~3;
  const keepB = keepMask(full, nk, -1);
  let loss: f64 = 0;
  let grad: f64 = 0;
  let next: f32 = i0 < i1 ? pass1(i0, q, k, nk, perQuery, excludeSelf, c, s, keepB) : 0;
  for (let i = i0; i < i1; i++) {
    const top = next;
    if (i + 1 < i1) next = pass1(i + 1, q, k, nk, perQuery, excludeSelf, c, s, keepB);
    const sr = scratchRow(s, nk, i);
    const vr = perQuery ? v + <usize>i * rowBytes : v;
    const t = load<f32>(targets + (<usize>i << 2));
    const tv = f32x4.splat(top);
    const v0v = f32x4.splat(t);
    let eA = f32x4.splat(0), evA = f32x4.splat(0), exA = f32x4.splat(0), exvA = f32x4.splat(0);
    let se: f64 = 0;
    let sev: f64 = 0; // Σ e·(v − v0)
    let sex: f64 = 0; // Σ e·x = −Σ e·(u² − u²min)
    let sexv: f64 = 0; // Σ e·x·(v − v0)
    // Every block of 4 keys unmasked (the skipped key's u² is float32's largest, see pass1),
    // then the partial last block masked: its lanes past nk have their u², weight and value
    // zeroed, so nothing there (NaN, Infinity) reaches a sum. Folded into f64 every BLOCK keys.
    // Pass 2 in two loops per block of keys: e and e·x (into the third scratch row, and over
    // u²) with Σe and Σe·x, then Σe·(v − v0) and Σe·x·(v − v0) from them. One loop with four
    // sums and the exp's eight constants needs more registers than V8 has (it spilled two sums
    // to the stack, a store and a load on their chains in every block); the sums and their
    // order are the same.
    const er = s + <usize>2 * (<usize>((nk + 3) & ~3) << 2);
    let j = 0;
    do {
      const j0 = j;
      const end = min(full, j + BLOCK);
      for (; j < end; j += 4) {
        const at = <usize>j << 2;
        const x = f32x4.sub(tv, v128.load(sr + at));
        const e = exp2x4(x, k0, k1, k2, k3, k4, k5, magic, flush);
        const ex = f32x4.mul(e, x);
        v128.store(er + at, e);
        v128.store(sr + at, ex);
        eA = f32x4.add(eA, e);
        exA = f32x4.add(exA, ex);
      }
      const tail = j == full && full < nk;
      if (tail) {
        const at = <usize>full << 2;
        const x = f32x4.sub(tv, v128.and(v128.load(sr + at), keepB));
        const e = v128.and(exp2x4(x, k0, k1, k2, k3, k4, k5, magic, flush), keepB);
        const ex = f32x4.mul(e, x);
        v128.store(er + at, e);
        v128.store(sr + at, ex);
        eA = f32x4.add(eA, e);
        exA = f32x4.add(exA, ex);
      }
      for (let jj = j0; jj < end; jj += 4) {
        const at = <usize>jj << 2;
        const dv = f32x4.sub(v128.load(vr + at), v0v);
        evA = madd(v128.load(er + at), dv, evA);
        exvA = madd(v128.load(sr + at), dv, exvA);
      }
      if (tail) {
        const at = <usize>full << 2;
        const dv = v128.and(f32x4.sub(v128.load(vr + at), v0v), keepB);
        evA = madd(v128.load(er + at), dv, evA);
        exvA = madd(v128.load(sr + at), dv, exvA);
      }
      se += lanes(eA);
      sev += lanes(evA);
      sex += lanes(exA);
      sexv += lanes(exvA);
      eA = f32x4.splat(0);
      evA = f32x4.splat(0);
      exA = f32x4.splat(0);
      exvA = f32x4.splat(0);
    } while (j < full);
    // one division (its latency is on each query's path): the reciprocal's rounding, 1e-16
    // relative, is far below what the float32 sums carry
    const inv = 1 / se;
    const shift = sev * inv; // ŷ − t
    const y = <f64>t + shift;
    store<f32>(yHat + (<usize>i << 2), <f32>y);
    const termLoss = shift * shift;
    // d(score)/dw = −w·d² = −u²·(w/S²) = −u²/(w·log2(e)/2); g = −w/S² is the host's (0 at w = 0).
    // Σe·δ·(v − ŷ) = Σe·δ·(v − v0) − shift·Σe·δ, with Σe·δ = −sex and Σe·δ·(v − v0) = −sexv.
    const termGrad = 2 * shift * ((g * (shift * sex - sexv)) * inv);
    if (keepTerms) {
      const at = terms + (<usize>i << 4);
      store<f64>(at, termLoss);
      store<f64>(at, termGrad, 8);
    } else {
      loss += termLoss;
      grad += termGrad;
    }
  }
  lossSum = loss;
  gradSum = grad;
}

/**
 * Loss and gradient: writes yHat, and at `result` two f64: L = Σ_i (ŷ_i − t_i)² and
 * dL/dw = Σ_i 2(ŷ_i − t_i)·g·Σ_j e·u²·(v − ŷ_i) / Σ_j e, from the same two passes, with
 * g = −w/S² = −2/(w·log2 e) the host's (0 at w = 0). Returns false as pool does (the host also
 * checks L and dL/dw).
 */
export function poolLoss(q: usize, nq: i32, k: usize, v: usize, nk: i32, perQuery: bool, excludeSelf: bool, c: f32, g: f64, targets: usize, yHat: usize, result: usize, scratch: usize): bool {
  if (!differencesHold(q, nq, k, perQuery ? nq * nk : nk)) return false;
  lossRange(0, nq, q, k, v, nk, perQuery, excludeSelf, c, g, targets, yHat, 0, scratch, false);
  store<f64>(result, lossSum);
  store<f64>(result, gradSum, 8);
  return allFinite(yHat, nq);
}

/**
 * poolLoss for queries [i0, i1) only (indices and pointers as in poolRows), keeping each query's
 * two terms apart, as f64 pairs at terms + 16·i: a host adding them in query order from 0 gets
 * poolLoss's sums bit for bit, however the queries were split over threads.
 */
export function poolLossRows(i0: i32, i1: i32, q: usize, k: usize, v: usize, nk: i32, perQuery: bool, excludeSelf: bool, c: f32, g: f64, targets: usize, yHat: usize, terms: usize, scratch: usize): void {
  lossRange(i0, i1, q, k, v, nk, perQuery, excludeSelf, c, g, targets, yHat, terms, scratch, true);
}
