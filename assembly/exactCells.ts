// Exact Gaussian sums of one query over the keys of a cell grid (src/fast/nd/cellGrid.ts and
// exactSums.ts), in float64 with f64x2 SIMD: the first pass of exactSums, which visits the rows
// of cells meeting the ball |q − z|² ≤ R1² and adds e^{−s} and e^{−s}·v for every key in them;
// the keys it does not visit are bounded by exactOuterBox. s = |q − z|² − m is computed as
// Σ_k (z⁰_k − z_k)(a_k − z_k) with a = 2q − z⁰ (z⁰ the nearest key, m = |q − z⁰|²), exact
// algebra that loses nothing however far the query is from the keys.
//
// Why float64 and not float32 (f32x4): the guarantee is |ŷ − ŷ_dense| ≤ 1e-9·H for H half the
// values' range, and the error a relative error δ in the weights causes in ŷ is up to 2δ·H.
// float32 differences of coordinates of size ~5 (scaled units, the reach of the ball) are off by
// up to ~2.4e-7 each, s by ~2|x|·2.4e-7 ≈ 1e-6, and exp2x4 adds 2.5e-7: δ ~ 1e-6, a thousand
// times the tolerance. float64 with the polynomial below keeps δ below 1e-15.
//
// e^{−s} = 2^t, t = −s·log₂e (the keys' distances as below), clamped to t ≥ −1000 (2^{−1000} is
// below anything that counts and keeps 2^k a normal number), t = k + f with k = round(t) and f ∈ [−½, ½] exact, 2^f by a polynomial of
// degree 8 (Chebyshev fit of 2^f on [−½, ½], coefficients P0…P8), 2^k from the bits.
//
// Error of one weight, relative (δ_exp, the bound exactSums.ts adds to its check):
//   - the polynomial: max |p(f)/2^f − 1| = 1.09e-12, measured on 4·10⁵ evenly spaced f (the error
//     curve is a degree-9 equioscillation whose slope is below 1e-10, so between points it moves
//     by < 1e-15);
//   - t = fl(−s·log₂e): |Δt| ≤ |t|·2⁻⁵³, so 2^t is off by ln2·|t|·2⁻⁵³ ≤ 7.7e-14 relative for
//     |t| ≤ 1000 (≤ 1e-14 for keys that count, s < 150);
//   - the evaluation of p (8 multiply-adds on |f| ≤ ½) and the product by 2^k: ≤ 10 ulp, 1.1e-15;
//   - near queries (below): the factor e^m by the same polynomial, a second 1.09e-12 + 1e-15.
// So every computed weight is within δ_exp = 3e-12 of e^{−s} (relative), for s computed as below.
// A relative error ≤ δ in every weight moves ŷ = Σwv/Σw by ≤ 2δ·H/(1 − δ) (|v − ŷ| ≤ 2H), which
// exactSums.ts takes out of the tolerance before the truncation bound. (Degree 8 rather than
// the Taylor polynomial of degree 11 it replaces, 1e-14: three multiply-adds fewer per pair of
// keys, and 2δ_exp = 6e-12 is 0.6% of the default tolerance 1e-9.)
//
// COARSE weights. Cells that do not meet the ball |q − z|² ≤ Rf² hold keys whose weight is small
// against E (exactSums.ts picks Rf from query to query so that their sum C stays below ~1/20 of
// the budget divided by δ_coarse), and there a relative error far above δ_exp costs nothing: a
// relative error ≤ δ_c on weights summing to C moves ŷ by ≤ 2δ_c·C·H/E. They get 2^f by a
// polynomial of degree 6 instead of 8 (two multiply-adds fewer a pair of keys): max
// |p(f)/2^f − 1| = 1.856e-9 on 2·10⁶ evenly spaced f (the error curve's slope is below 2e-7, so
// between points it moves by < 1e-13), plus the terms above (≤ 1.1e-12, the near factor e^m
// included): δ_coarse = 2e-9, which exactSums.ts charges as 2.01·δ_coarse·C against the tolerance.
// The gradient sums use the fine weights only.
//
// Distances: for a query among the keys (m = |q − z⁰|² ≤ 1) the weights are e^{−|q − z|²}
// (t = −|q − z|²·log₂e, |q − z|² to 3 ulp), scaled by e^{m} once at the end: the nearest key then
// weighs ~1 and nothing underflows. For a far query (m > 1) |q − z|² − m would cancel, so s is
// computed as Σ_k (z⁰_k − z_k)(a_k − z_k), a = 2q − z⁰, exact algebra that loses nothing however far
// the query is from the keys.
//
// The ABI: exactGrid stores the grid's pointers once per call of gaussSumsNd; exactQuery runs the
// first pass for one query and writes E, Σe·v and C at `out` (three f64) and the keys visited at
// out[5]; exactOuterBox the bound on the others at out[3]; exactNearest the nearest key at out[12].

let gD: i32 = 2;
let gG0: i32 = 1;
let gG1: i32 = 1;
let gG2: i32 = 1;
let gLo0: f64 = 0;
let gLo1: f64 = 0;
let gLo2: f64 = 0;
let gC: f64 = 1;
let gStart: usize = 0;
let gX0: usize = 0;
let gX1: usize = 0;
let gX2: usize = 0;
let gV: usize = 0;
/** scratch for a batch of row ranges (MAX_RANGES pairs of i32) */
let gScratch: usize = 0;
/** prefix counts of keys over the cells, i32[(G0 + 1)(G1 + 1)(G2 + 1)] (exactOuterBox) */
let gPrefix: usize = 0;
let gN: i32 = 0;

// @ts-ignore: decorator
@inline const MAX_RANGES: i32 = 2048;

// @ts-ignore: decorator
@inline const LOG2E: f64 = 1.4426950408889634;
// @ts-ignore: decorator
@inline const SHIFT: f64 = 6755399441055744.0; // 1.5·2^52
// @ts-ignore: decorator
@inline const T_MIN: f64 = -1000.0;
// @ts-ignore: decorator
@inline const P0: f64 = 1.000000000000011;
// @ts-ignore: decorator
@inline const P1: f64 = 0.6931471805459315;
// @ts-ignore: decorator
@inline const P2: f64 = 0.24022650695642844;
// @ts-ignore: decorator
@inline const P3: f64 = 0.055504109412161905;
// @ts-ignore: decorator
@inline const P4: f64 = 0.009618129193994358;
// @ts-ignore: decorator
@inline const P5: f64 = 0.0013333450558938175;
// @ts-ignore: decorator
@inline const P6: f64 = 0.00015403433650333772;
// @ts-ignore: decorator
@inline const P7: f64 = 1.5310081596798363e-5;
// @ts-ignore: decorator
@inline const P8: f64 = 1.3259669771318505e-6;

// The coarse weights (COARSE above): 2^f by a polynomial of degree 6 (a minimax fit of 2^f on
// [−½, ½] in relative error, C0…C6).
// @ts-ignore: decorator
@inline const C0: f64 = 1.0000000005541665;
// @ts-ignore: decorator
@inline const C1: f64 = 0.6931472057372681;
// @ts-ignore: decorator
@inline const C2: f64 = 0.240226468906323;
// @ts-ignore: decorator
@inline const C3: f64 = 0.05550328776966014;
// @ts-ignore: decorator
@inline const C4: f64 = 0.00961848895730276;
// @ts-ignore: decorator
@inline const C5: f64 = 0.0013399931218972226;
// @ts-ignore: decorator
@inline const C6: f64 = 0.000153458119541627;

// Vector constants in globals, copied into locals by exactQuery: V8 rebuilds a v128.const at every
// use inside a loop (see exp.ts).
let K_TMIN: v128 = f64x2.splat(T_MIN);
let K_LOG2E: v128 = f64x2.splat(LOG2E);
// SHIFT + 1023: t + it rounds t to an integer k and its low bits are k + 1023, the biased exponent
// of 2^k, so a shift by 52 makes 2^k with no integer add (f = t − (sh − it) is exact either way).
let K_SHIFT: v128 = f64x2.splat(SHIFT + 1023.0);
let K_NEG_LOG2E: v128 = f64x2.splat(-LOG2E);
let K_P0: v128 = f64x2.splat(P0);
let K_P1: v128 = f64x2.splat(P1);
let K_P2: v128 = f64x2.splat(P2);
let K_P3: v128 = f64x2.splat(P3);
let K_P4: v128 = f64x2.splat(P4);
let K_P5: v128 = f64x2.splat(P5);
let K_P6: v128 = f64x2.splat(P6);
let K_P7: v128 = f64x2.splat(P7);
let K_P8: v128 = f64x2.splat(P8);
let K_C0: v128 = f64x2.splat(C0);
let K_C1: v128 = f64x2.splat(C1);
let K_C2: v128 = f64x2.splat(C2);
let K_C3: v128 = f64x2.splat(C3);
let K_C4: v128 = f64x2.splat(C4);
let K_C5: v128 = f64x2.splat(C5);
let K_C6: v128 = f64x2.splat(C6);

/** The grid (byte pointers: cellStart i32[cells + 1], x0, x1, x2, v f64[n]; scratch of 8·MAX_RANGES bytes; prefix counts P[i₂][i₁][i₀] = keys in cells b < i, i32; n keys). */
export function exactGrid(d: i32, G0: i32, G1: i32, G2: i32, lo0: f64, lo1: f64, lo2: f64, c: f64, start: usize, x0: usize, x1: usize, x2: usize, v: usize, scratch: usize, prefix: usize, n: i32): void {
  gScratch = scratch;
  gPrefix = prefix;
  gN = n;
  gD = d;
  gG0 = G0;
  gG1 = G1;
  gG2 = G2;
  gLo0 = lo0;
  gLo1 = lo1;
  gLo2 = lo2;
  gC = c;
  gStart = start;
  gX0 = x0;
  gX1 = x1;
  gX2 = x2;
  gV = v;
}

/** e^{−s} with the same arithmetic as the vector form (for the odd key of a range). */
// @ts-ignore: decorator
@inline function expNegScalar(s: f64): f64 {
  const t = max(T_MIN, -s * LOG2E);
  const sh = t + SHIFT;
  const f = t - (sh - SHIFT);
  const f2 = f * f;
  const f4 = f2 * f2;
  const p = P0 + P1 * f + (P2 + P3 * f) * f2 + (P4 + P5 * f + (P6 + P7 * f) * f2) * f4 + P8 * (f4 * f4);
  return p * reinterpret<f64>((reinterpret<i64>(sh) + 1023) << 52);
}

/**
 * The key nearest to q (all but sorted position `skip`), by rings of cells around the query's cell,
 * as exactSums.ts's `nearest` (the same cells, keys and arithmetic, so the same key and m): its
 * position at out[12] (−1 when there is none) and m = |q − z⁰|² at out[13]. Cell coordinates are
 * kept in float64, since a far query's are beyond an i32.
 */
export function exactNearest(q0: f64, q1: f64, q2: f64, skip: i32, out: usize): void {
  const c = gC;
  const three = gD == 3;
  const G0 = <f64>gG0;
  const G1 = <f64>gG1;
  const G2 = <f64>gG2;
  const gq0 = floor((q0 - gLo0) / c);
  const gq1 = floor((q1 - gLo1) / c);
  const gq2 = three ? floor((q2 - gLo2) / c) : 0.0;
  // the first ring that meets the grid
  let r = max(max(0.0, max(-gq0, gq0 - (G0 - 1))), max(max(-gq1, gq1 - (G1 - 1)), max(-gq2, gq2 - (G2 - 1))));
  const rMax = max(G0, max(G1, G2)) + abs(gq0) + abs(gq1) + abs(gq2) + 2;
  let best = Infinity;
  let jBest: i32 = -1;
  for (; r <= rMax; r++) {
    const lo2 = <i32>max(0.0, gq2 - r);
    const hi2 = <i32>min(G2 - 1, gq2 + r);
    const lo1 = <i32>max(0.0, gq1 - r);
    const hi1 = <i32>min(G1 - 1, gq1 + r);
    for (let b2 = lo2; b2 <= hi2; b2++) {
      for (let b1 = lo1; b1 <= hi1; b1++) {
        // on a face of the shell the whole x-range, inside it only the two end cells
        const face = abs(<f64>b1 - gq1) == r || (three && abs(<f64>b2 - gq2) == r);
        const row = gG0 * (b1 + gG1 * b2);
        const sides = face ? 1 : 2;
        for (let side = 0; side < sides; side++) {
          let a: f64;
          let b: f64;
          if (face) {
            a = max(0.0, gq0 - r);
            b = min(G0 - 1, gq0 + r);
          } else {
            a = side == 0 ? gq0 - r : gq0 + r;
            b = a;
            if (a < 0 || a >= G0) continue;
          }
          if (a > b) continue;
          const j1 = load<i32>(gStart + ((<usize>(row + <i32>b + 1)) << 2));
          for (let j = load<i32>(gStart + ((<usize>(row + <i32>a)) << 2)); j < j1; j++) {
            if (j == skip) continue;
            const o = (<usize>j) << 3;
            const d0 = q0 - load<f64>(gX0 + o);
            const d1 = q1 - load<f64>(gX1 + o);
            const d2 = q2 - load<f64>(gX2 + o);
            const r2 = d0 * d0 + d1 * d1 + d2 * d2;
            if (r2 < best) {
              best = r2;
              jBest = j;
            }
          }
        }
      }
    }
    // keys beyond ring r are at least r·c away from the query
    if (jBest >= 0 && best <= r * c * (r * c)) break;
  }
  store<f64>(out, <f64>jBest, 96);
  store<f64>(out, best, 104);
}

/** Distance from x to [a, a + c] (0 inside), as exactSums.ts's slab. */
// @ts-ignore: decorator
@inline function slab(x: f64, a: f64, c: f64): f64 {
  return x < a ? a - x : x > a + c ? x - a - c : 0.0;
}

/** floor(x) clamped to [lo, hi] as an i32 (the same cells as JS's Math.max/min of Math.floor). */
// @ts-ignore: decorator
@inline function cellIndex(x: f64, lo: f64, hi: f64): i32 {
  return <i32>min(hi, max(lo, floor(x)));
}

/**
 * First pass of exactSums for query q, nearest key z⁰: E and Σe·v over every key of the cells
 * meeting the ball of radius R1 about q (all but sorted position `skip`, −1 for none), into
 * out[0], out[1]. Cells that do not meet the ball of radius Rf get the coarse weights (see COARSE
 * at the top); their sum C goes to out[2], for exactSums.ts's check. out[5]: keys visited.
 */
export function exactQuery(q0: f64, q1: f64, q2: f64, z0: f64, z1: f64, z2: f64, R1: f64, Rf: f64, skip: i32, out: usize): void {
  if (nearestSq(q0, q1, q2, z0, z1, z2) <= 1) queryImpl(q0, q1, q2, z0, z1, z2, R1, Rf, skip, out, false, true);
  else queryImpl(q0, q1, q2, z0, z1, z2, R1, Rf, skip, out, false, false);
}

/**
 * exactQuery with the gradient sums too: Σe·x_k² and Σe·x_k²·v (x = q − z) for k < d at
 * out[6 + 2k], out[7 + 2k]; every weight the fine one.
 */
export function exactQueryGrad(q0: f64, q1: f64, q2: f64, z0: f64, z1: f64, z2: f64, R1: f64, skip: i32, out: usize): void {
  if (nearestSq(q0, q1, q2, z0, z1, z2) <= 1) queryImpl(q0, q1, q2, z0, z1, z2, R1, -1, skip, out, true, true);
  else queryImpl(q0, q1, q2, z0, z1, z2, R1, -1, skip, out, true, false);
}

/** m = |q − z⁰|² (as exactSums.ts computes it). */
// @ts-ignore: decorator
@inline function nearestSq(q0: f64, q1: f64, q2: f64, z0: f64, z1: f64, z2: f64): f64 {
  return (q0 - z0) * (q0 - z0) + (q1 - z1) * (q1 - z1) + (q2 - z2) * (q2 - z2);
}

/**
 * Appends the sorted positions [j0, j1) minus `skip` (one or two pieces) to the batch of ranges;
 * a coarse range is stored with its start as −start − 1.
 */
// @ts-ignore: decorator
@inline function pushRange(ranges: usize, nr: i32, j0: i32, j1: i32, skip: i32, coarse: bool): i32 {
  const split = skip >= j0 && skip < j1;
  const e0 = split ? skip : j1;
  if (e0 > j0) {
    store<i32>(ranges + ((<usize>nr) << 3), coarse ? -j0 - 1 : j0);
    store<i32>(ranges + ((<usize>nr) << 3), e0, 4);
    nr++;
  }
  if (split && skip + 1 < j1) {
    store<i32>(ranges + ((<usize>nr) << 3), coarse ? -skip - 2 : skip + 1);
    store<i32>(ranges + ((<usize>nr) << 3), j1, 4);
    nr++;
  }
  return nr;
}

/** The first pass; `near` (m ≤ 1): weights e^{−|q − z|²}, scaled by e^m at the end (see the top). */
// @ts-ignore: decorator
@inline function queryImpl(q0: f64, q1: f64, q2: f64, z0: f64, z1: f64, z2: f64, R1: f64, Rf: f64, skip: i32, out: usize, grad: bool, near: bool): void {
  const d = gD;
  const G0 = gG0;
  const G1 = gG1;
  const G2 = gG2;
  const c = gC;
  const lo0 = gLo0;
  const lo1 = gLo1;
  const lo2 = gLo2;
  const a0 = 2 * q0 - z0;
  const a1 = 2 * q1 - z1;
  const a2 = 2 * q2 - z2;
  // Vector constants in locals (V8 rebuilds a v128.const at every use in a loop).
  const vz0 = f64x2.splat(z0);
  const vz1 = f64x2.splat(z1);
  const vz2 = f64x2.splat(z2);
  const va0 = f64x2.splat(a0);
  const va1 = f64x2.splat(a1);
  const va2 = f64x2.splat(a2);
  const m = nearestSq(q0, q1, q2, z0, z1, z2);
  const cTMin = K_TMIN;
  // near: t = |q − z|²·(−log₂e); far: t = (−s)·log₂e (exponent() below)
  const cL2E = near ? K_NEG_LOG2E : K_LOG2E;
  const cShift = K_SHIFT;
  let vE = f64x2.splat(0);
  let vEV = f64x2.splat(0);
  let vC = f64x2.splat(0);
  let sE: f64 = 0;
  let sEV: f64 = 0;
  let pend: i32 = -1;
  const vq0 = f64x2.splat(q0);
  const vq1 = f64x2.splat(q1);
  const vq2 = f64x2.splat(q2);
  let vP0 = f64x2.splat(0);
  let vP1 = f64x2.splat(0);
  let vP2 = f64x2.splat(0);
  let vPV0 = f64x2.splat(0);
  let vPV1 = f64x2.splat(0);
  let vPV2 = f64x2.splat(0);
  let sP0: f64 = 0;
  let sP1: f64 = 0;
  let sP2: f64 = 0;
  let sPV0: f64 = 0;
  let sPV1: f64 = 0;
  let sPV2: f64 = 0;
  const zero = f64x2.splat(0);
  const three = d == 3;
  const b2lo = three ? cellIndex((q2 - R1 - lo2) / c, 0, <f64>G2) : 0;
  const b2hi = three ? cellIndex((q2 + R1 - lo2) / c, -1, <f64>(G2 - 1)) : 0;
  // The rows meeting the ball, as ranges of sorted positions (split around `skip`, and into the
  // cells meeting the ball of radius Rf, fine, and the others, coarse), gathered into the scratch
  // area a batch at a time, then the key loops over the batch: the row arithmetic (square roots,
  // cell indices) stays out of the vector loops, whose registers it would share.
  const ranges = gScratch;
  // keys of the visited cells, `skip` included (exactOuterBox counts the others)
  let visited: i32 = 0;
  let b2 = b2lo;
  let b1 = 0;
  let rowsOpen = false;
  let rz2: f64 = 0;
  let rfz2: f64 = 0;
  let b1hi: i32 = -1;
  for (;;) {
    let nr: i32 = 0;
    while (b2 <= b2hi && nr <= MAX_RANGES - 6) {
      if (!rowsOpen) {
        const dz = three ? slab(q2, lo2 + <f64>b2 * c, c) : 0.0;
        rz2 = R1 * R1 - dz * dz;
        rfz2 = Rf * Rf - dz * dz;
        if (rz2 < 0) {
          b2++;
          continue;
        }
        const rz = sqrt(rz2);
        b1 = cellIndex((q1 - rz - lo1) / c, 0, <f64>G1);
        b1hi = cellIndex((q1 + rz - lo1) / c, -1, <f64>(G1 - 1));
        rowsOpen = true;
      }
      if (b1 > b1hi) {
        rowsOpen = false;
        b2++;
        continue;
      }
      const dy = slab(q1, lo1 + <f64>b1 * c, c);
      const ry2 = rz2 - dy * dy;
      if (ry2 >= 0) {
        const ry = sqrt(ry2);
        const a = cellIndex((q0 - ry - lo0) / c, 0, <f64>G0);
        const b = cellIndex((q0 + ry - lo0) / c, -1, <f64>(G0 - 1));
        if (a <= b) {
          const row = G0 * (b1 + G1 * b2);
          const rowPtr = gStart + ((<usize>row) << 2);
          const j0 = load<i32>(rowPtr + ((<usize>a) << 2));
          const j1 = load<i32>(rowPtr + ((<usize>(b + 1)) << 2));
          visited += j1 - j0;
          // the fine cells [fa, fb] (those meeting the ball of radius Rf), within [a, b]
          const rfy2 = rfz2 - dy * dy;
          let fa = b + 1;
          let fb = b;
          if (rfy2 >= 0) {
            const rfy = sqrt(rfy2);
            fa = max(a, cellIndex((q0 - rfy - lo0) / c, 0, <f64>G0));
            fb = min(b, cellIndex((q0 + rfy - lo0) / c, -1, <f64>(G0 - 1)));
          }
          if (fa > fb) {
            nr = pushRange(ranges, nr, j0, j1, skip, true);
          } else {
            const f0 = load<i32>(rowPtr + ((<usize>fa) << 2));
            const f1 = load<i32>(rowPtr + ((<usize>(fb + 1)) << 2));
            nr = pushRange(ranges, nr, j0, f0, skip, true);
            nr = pushRange(ranges, nr, f0, f1, skip, false);
            nr = pushRange(ranges, nr, f1, j1, skip, true);
          }
        }
      }
      b1++;
    }
    for (let ri: i32 = 0; ri < nr; ri++) {
      const rawStart = load<i32>(ranges + ((<usize>ri) << 3));
      const segEnd = load<i32>(ranges + ((<usize>ri) << 3), 4);
      const coarse = rawStart < 0;
      let j = coarse ? -rawStart - 1 : rawStart;
      if (coarse && !grad) {
        // Pairs of far keys with the coarse weights (the odd one left joins the fine pairs below).
        const k0 = K_C0;
        const k1 = K_C1;
        const k2 = K_C2;
        const k3 = K_C3;
        const k4 = K_C4;
        const k5 = K_C5;
        const k6 = K_C6;
        while (j + 1 < segEnd) {
          const o = (<usize>j) << 3;
          const x0 = v128.load(gX0 + o);
          const x1 = v128.load(gX1 + o);
          const x2 = three ? v128.load(gX2 + o) : zero;
          const vv = v128.load(gV + o);
          j += 2;
          const t = clampT(near, cTMin, f64x2.mul(exponent(near, three, vq0, vq1, vq2, vz0, vz1, vz2, va0, va1, va2, x0, x1, x2), cL2E));
          const sh = f64x2.add(t, cShift);
          const f = f64x2.sub(t, f64x2.sub(sh, cShift));
          const f2 = f64x2.mul(f, f);
          const b01 = f64x2.add(k0, f64x2.mul(k1, f));
          const b23 = f64x2.add(k2, f64x2.mul(k3, f));
          const b45 = f64x2.add(k4, f64x2.mul(k5, f));
          const b03 = f64x2.add(b01, f64x2.mul(b23, f2));
          const b46 = f64x2.add(b45, f64x2.mul(k6, f2));
          const p = f64x2.add(b03, f64x2.mul(b46, f64x2.mul(f2, f2)));
          const w = f64x2.mul(p, i64x2.shl(sh, 52));
          vC = f64x2.add(vC, w);
          vEV = f64x2.add(vEV, f64x2.mul(w, vv));
        }
        if (j >= segEnd) continue;
      }
      const k0 = K_P0;
      const k1 = K_P1;
      const k2 = K_P2;
      const k3 = K_P3;
      const k4 = K_P4;
      const k5 = K_P5;
      const k6 = K_P6;
      const k7 = K_P7;
      const k8 = K_P8;
      while (j < segEnd) {
        let x0: v128;
        let x1: v128;
        let x2: v128 = zero;
        let vv: v128;
        if (j + 1 < segEnd) {
          const o = (<usize>j) << 3;
          x0 = v128.load(gX0 + o);
          x1 = v128.load(gX1 + o);
          if (three) x2 = v128.load(gX2 + o);
          vv = v128.load(gV + o);
          j += 2;
        } else {
          // An odd key at the end of a range waits for the next one (rows at d = 3 hold ~15 keys,
          // so a scalar e^{−s} for every other row would cost as much as several pairs).
          if (pend < 0) {
            pend = j;
            break;
          }
          const o1 = (<usize>pend) << 3;
          const o2 = (<usize>j) << 3;
          x0 = f64x2.replace_lane(f64x2.splat(load<f64>(gX0 + o1)), 1, load<f64>(gX0 + o2));
          x1 = f64x2.replace_lane(f64x2.splat(load<f64>(gX1 + o1)), 1, load<f64>(gX1 + o2));
          if (three) x2 = f64x2.replace_lane(f64x2.splat(load<f64>(gX2 + o1)), 1, load<f64>(gX2 + o2));
          vv = f64x2.replace_lane(f64x2.splat(load<f64>(gV + o1)), 1, load<f64>(gV + o2));
          pend = -1;
          j += 1;
        }
        // t = k + f, 2^f by Estrin's scheme (depth 4).
        const t = clampT(near, cTMin, f64x2.mul(exponent(near, three, vq0, vq1, vq2, vz0, vz1, vz2, va0, va1, va2, x0, x1, x2), cL2E));
        const sh = f64x2.add(t, cShift);
        const f = f64x2.sub(t, f64x2.sub(sh, cShift));
        const f2 = f64x2.mul(f, f);
        const f4 = f64x2.mul(f2, f2);
        const b01 = f64x2.add(k0, f64x2.mul(k1, f));
        const b23 = f64x2.add(k2, f64x2.mul(k3, f));
        const b45 = f64x2.add(k4, f64x2.mul(k5, f));
        const b67 = f64x2.add(k6, f64x2.mul(k7, f));
        const b03 = f64x2.add(b01, f64x2.mul(b23, f2));
        const b47 = f64x2.add(b45, f64x2.mul(b67, f2));
        const p = f64x2.add(f64x2.add(b03, f64x2.mul(b47, f4)), f64x2.mul(k8, f64x2.mul(f4, f4)));
        const w = f64x2.mul(p, i64x2.shl(sh, 52));
        vE = f64x2.add(vE, w);
        vEV = f64x2.add(vEV, f64x2.mul(w, vv));
        if (grad) {
          const d0 = f64x2.sub(vq0, x0);
          const d1 = f64x2.sub(vq1, x1);
          const e0 = f64x2.mul(w, f64x2.mul(d0, d0));
          const e1 = f64x2.mul(w, f64x2.mul(d1, d1));
          vP0 = f64x2.add(vP0, e0);
          vP1 = f64x2.add(vP1, e1);
          vPV0 = f64x2.add(vPV0, f64x2.mul(e0, vv));
          vPV1 = f64x2.add(vPV1, f64x2.mul(e1, vv));
          if (three) {
            const d2 = f64x2.sub(vq2, x2);
            const e2 = f64x2.mul(w, f64x2.mul(d2, d2));
            vP2 = f64x2.add(vP2, e2);
            vPV2 = f64x2.add(vPV2, f64x2.mul(e2, vv));
          }
        }
      }
    }
    if (b2 > b2hi) break;
  }
  if (pend >= 0) {
    const o = (<usize>pend) << 3;
    const x0 = load<f64>(gX0 + o);
    const x1 = load<f64>(gX1 + o);
    const x2 = three ? load<f64>(gX2 + o) : 0.0;
    // |q − z|² near, s far (the vector form's quantities)
    let s = near ? (q0 - x0) * (q0 - x0) + (q1 - x1) * (q1 - x1) : (z0 - x0) * (a0 - x0) + (z1 - x1) * (a1 - x1);
    if (three) s += near ? (q2 - x2) * (q2 - x2) : (z2 - x2) * (a2 - x2);
    const w = expNegScalar(s);
    const vj = load<f64>(gV + o);
    sE += w;
    sEV += w * vj;
    if (grad) {
      const e0 = w * ((q0 - x0) * (q0 - x0));
      const e1 = w * ((q1 - x1) * (q1 - x1));
      sP0 += e0;
      sP1 += e1;
      sPV0 += e0 * vj;
      sPV1 += e1 * vj;
      if (three) {
        const e2 = w * ((q2 - x2) * (q2 - x2));
        sP2 += e2;
        sPV2 += e2 * vj;
      }
    }
  }
  // near: the sums of e^{−|q − z|²} times e^m are the sums of e^{−s}; e^m by the same polynomial
  // (not Math.exp, whose table lives in the linear memory the grid is copied over), so a near
  // weight carries the polynomial's error twice (see δ_exp at the top)
  const em = near ? expNegScalar(-m) : 1.0;
  // E: the fine weights (vE, sE) and the coarse ones (vC)
  vE = f64x2.add(vE, vC);
  store<f64>(out, (f64x2.extract_lane(vE, 0) + f64x2.extract_lane(vE, 1) + sE) * em);
  store<f64>(out, (f64x2.extract_lane(vEV, 0) + f64x2.extract_lane(vEV, 1) + sEV) * em, 8);
  store<f64>(out, (f64x2.extract_lane(vC, 0) + f64x2.extract_lane(vC, 1)) * em, 16);
  store<f64>(out, <f64>visited, 40);
  if (grad) {
    store<f64>(out, (f64x2.extract_lane(vP0, 0) + f64x2.extract_lane(vP0, 1) + sP0) * em, 48);
    store<f64>(out, (f64x2.extract_lane(vPV0, 0) + f64x2.extract_lane(vPV0, 1) + sPV0) * em, 56);
    store<f64>(out, (f64x2.extract_lane(vP1, 0) + f64x2.extract_lane(vP1, 1) + sP1) * em, 64);
    store<f64>(out, (f64x2.extract_lane(vPV1, 0) + f64x2.extract_lane(vPV1, 1) + sPV1) * em, 72);
    store<f64>(out, (f64x2.extract_lane(vP2, 0) + f64x2.extract_lane(vP2, 1) + sP2) * em, 80);
    store<f64>(out, (f64x2.extract_lane(vPV2, 0) + f64x2.extract_lane(vPV2, 1) + sPV2) * em, 88);
  }
}

/**
 * t = exponent·(∓log₂e) clamped at T_MIN for far queries (pmax: maxpd, no NaN fix-up; t is never
 * NaN here), whose visited keys can be thousands of units of s away when m is large; a near
 * query's keys have |q − z|² ≤ 676 (exactSums.ts sends it here only then), so t ≥ −976 already.
 */
// @ts-ignore: decorator
@inline function clampT(near: bool, tMin: v128, t: v128): v128 {
  return near ? t : f64x2.pmax(tMin, t);
}

/**
 * The exponent of a pair of keys' weights: |q − z|² (near) or −s = Σ_k (z_k − z⁰_k)(a_k − z_k)
 * (far, a = 2q − z⁰; see the top), signed as cL2E in queryImpl takes it.
 */
// @ts-ignore: decorator
@inline function exponent(near: bool, three: bool, vq0: v128, vq1: v128, vq2: v128, vz0: v128, vz1: v128, vz2: v128, va0: v128, va1: v128, va2: v128, x0: v128, x1: v128, x2: v128): v128 {
  if (near) {
    const d0 = f64x2.sub(vq0, x0);
    const d1 = f64x2.sub(vq1, x1);
    let u = f64x2.add(f64x2.mul(d0, d0), f64x2.mul(d1, d1));
    if (three) {
      const d2 = f64x2.sub(vq2, x2);
      u = f64x2.add(u, f64x2.mul(d2, d2));
    }
    return u;
  }
  let u = f64x2.mul(f64x2.sub(x0, vz0), f64x2.sub(va0, x0));
  u = f64x2.add(u, f64x2.mul(f64x2.sub(x1, vz1), f64x2.sub(va1, x1)));
  if (three) u = f64x2.add(u, f64x2.mul(f64x2.sub(x2, vz2), f64x2.sub(va2, x2)));
  return u;
}

/** Keys in the cells [A0, B0]×[A1, B1]×[A2, B2] (0 if a range is empty), by inclusion–exclusion on the prefix counts. */
// @ts-ignore: decorator
@inline function boxCount(A0: i32, B0: i32, A1: i32, B1: i32, A2: i32, B2: i32): i32 {
  if (A0 > B0 || A1 > B1 || A2 > B2) return 0;
  const W0 = gG0 + 1;
  const W1 = gG1 + 1;
  const P = gPrefix;
  // rows (i₂, i₁) of the prefix table at the box's upper (B + 1) and lower (A) faces
  const r11 = P + ((<usize>(((B2 + 1) * W1 + B1 + 1) * W0)) << 2);
  const r10 = P + ((<usize>(((B2 + 1) * W1 + A1) * W0)) << 2);
  const r01 = P + ((<usize>((A2 * W1 + B1 + 1) * W0)) << 2);
  const r00 = P + ((<usize>((A2 * W1 + A1) * W0)) << 2);
  const hi = (<usize>(B0 + 1)) << 2;
  const lo = (<usize>A0) << 2;
  const s11 = load<i32>(r11 + hi) - load<i32>(r11 + lo);
  const s10 = load<i32>(r10 + hi) - load<i32>(r10 + lo);
  const s01 = load<i32>(r01 + hi) - load<i32>(r01 + lo);
  const s00 = load<i32>(r00 + hi) - load<i32>(r00 + lo);
  return s11 - s10 - s01 + s00;
}

/** Cells of coordinate k meeting [x − R, x + R], as exactQuery's rows (lo, hi; empty when lo > hi). */
// @ts-ignore: decorator
@inline function cellLo(x: f64, R: f64, lo: f64, c: f64, G: i32): i32 {
  return cellIndex((x - R - lo) / c, 0, <f64>G);
}
// @ts-ignore: decorator
@inline function cellHi(x: f64, R: f64, lo: f64, c: f64, G: i32): i32 {
  return cellIndex((x + R - lo) / c, -1, <f64>(G - 1));
}

/**
 * The bound on the keys exactQuery did not visit, by shells and box counts instead of cell by
 * cell: O(2^d) loads a shell. Every key within |q − z| ≤ R1 lies in a visited cell
 * (the rows and cells exactQuery visits are those meeting that ball), so an unvisited key has
 * s = |q − z|² − m > S₀ = R1² − m. With S₀ < S₁ < … < S_K, S_K ≥ L2 (steps of ½, then doubling) and box_i the cells
 * meeting the cube of half-side R_i = √(m + S_i) about q (a superset of the ball: a key with
 * s < S_i lies in it), U_i = count(box_i) − V counts the unvisited keys in box_i (the visited cells,
 * V keys, lie in box_0 ⊂ box_i), and
 *     Σ_unvisited e^{−s} ≤ U_0·e^{−S₀} + Σ_{i ≥ 1} (U_i − U_{i−1})·e^{−S_{i−1}} + (n − V − U_K)·e^{−S_K},
 * since a key in box_i but not box_{i−1} has s ≥ S_{i−1} and one in no box has s ≥ S_K. Rounding:
 * each R_i is widened by 1e-9·(1 + |q| + R_i) (far more than the few ulp by which a key's cell,
 * the box's cells or the distance can be off), and each e^{−S} is taken as
 * expNegScalar(S − 1e-10·(1 + S + m))·(1 + 1e-11) (δ_exp below 1e-11; the lowered S covers the
 * rounding of S₀ = R1² − m). Writes the bound at out[3] (with out[4] = n: every key accounted for).
 */
export function exactOuterBox(q0: f64, q1: f64, q2: f64, m: f64, R1: f64, L2: f64, out: usize): void {
  const three = gD == 3;
  const c = gC;
  const V = load<f64>(out, 40);
  const qs = 1.0 + abs(q0) + abs(q1) + abs(q2);
  const S0 = R1 * R1 - m;
  let tau: f64 = 0;
  let prevU: f64 = 0;
  let prevE: f64 = 0;
  let S = S0;
  for (let i = 0; ; i++) {
    const R = sqrt(m + S);
    const Rw = R + 1e-9 * (qs + R);
    const A2 = three ? cellLo(q2, Rw, gLo2, c, gG2) : 0;
    const B2 = three ? cellHi(q2, Rw, gLo2, c, gG2) : 0;
    const N = <f64>boxCount(cellLo(q0, Rw, gLo0, c, gG0), cellHi(q0, Rw, gLo0, c, gG0), cellLo(q1, Rw, gLo1, c, gG1), cellHi(q1, Rw, gLo1, c, gG1), A2, B2);
    const U = max(prevU, N - V);
    const eS = expNegScalar(S - 1e-10 * (1.0 + S + m)) * (1.0 + 1e-11);
    // the keys new in this box have s ≥ the previous shell's S (the first box: s > S₀)
    tau += (U - prevU) * (i == 0 ? eS : prevE);
    prevU = U;
    prevE = eS;
    if (S >= L2 || i >= 200) break;
    // steps of ½ where the keys weigh most, then 1, 2, 4, … (the bound holds for any increasing S_i)
    S += i < 6 ? 0.5 : <f64>(1 << min(i - 6, 20));
  }
  tau += max(0.0, <f64>gN - V - prevU) * prevE;
  store<f64>(out, tau, 24);
  store<f64>(out, <f64>gN, 32);
}
