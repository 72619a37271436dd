// Exact Gaussian sums of one query over the keys of a cell grid (src/fast/nd/cellGrid.ts and
// exactSums.ts), in float64 with f64x2 SIMD: the first pass of exactSums, which visits the rows
// of cells meeting the ball |q − z|² ≤ R1² and, for every key in them, adds e^{−s} (and e^{−s}·v)
// when s ≤ L1, and e^{−s} to the truncation bound τ otherwise. s = |q − z|² − m is computed as
// Σ_k (z⁰_k − z_k)(a_k − z_k) with a = 2q − z⁰ (z⁰ the nearest key, m = |q − z⁰|²), exact
// algebra that loses nothing however far the query is from the keys.
//
// Why float64 and not float32 (f32x4): the guarantee is |ŷ − ŷ_dense| ≤ 1e-9·H for H half the
// values' range, and the error a relative error δ in the weights causes in ŷ is up to 2δ·H.
// float32 differences of coordinates of size ~5 (scaled units, the reach of the ball) are off by
// up to ~2.4e-7 each, s by ~2|x|·2.4e-7 ≈ 1e-6, and exp2x4 adds 2.5e-7: δ ~ 1e-6, a thousand
// times the tolerance. float64 with the polynomial below keeps δ below 1e-15.
//
// e^{−s} = 2^t, t = −s·log₂e (the keys' distances as below), clamped to t ≥ −1000 (clamping only
// raises a term, so τ stays an upper bound; 2^{−1000} is below anything that counts and keeps 2^k
// a normal number), t = k + f with k = round(t) and f ∈ [−½, ½] exact, 2^f by a polynomial of
// degree 8 (Chebyshev fit of 2^f on [−½, ½], coefficients P0…P8), 2^k from the bits.
//
// Error of one weight, relative (δ_exp, the bound exactSums.ts adds to its check):
//   - the polynomial: max |p(f)/2^f − 1| = 1.09e-12, measured on 4·10⁵ evenly spaced f (the error
//     curve is a degree-9 equioscillation whose slope is below 1e-10, so between points it moves
//     by < 1e-15);
//   - t = fl(−s·log₂e): |Δt| ≤ |t|·2⁻⁵³, so 2^t is off by ln2·|t|·2⁻⁵³ ≤ 7.7e-14 relative for
//     |t| ≤ 1000 (≤ 5e-15 for the summed keys, s ≤ L1 < 60);
//   - the evaluation of p (8 multiply-adds on |f| ≤ ½) and the product by 2^k: ≤ 10 ulp, 1.1e-15;
//   - near queries (below): the factor e^m by the same polynomial, a second 1.09e-12 + 1e-15.
// So every computed weight is within δ_exp = 3e-12 of e^{−s} (relative), for s computed as below.
// A relative error ≤ δ in every weight moves ŷ = Σwv/Σw by ≤ 2δ·H/(1 − δ) (|v − ŷ| ≤ 2H), which
// exactSums.ts takes out of the tolerance before the truncation bound; the truncation sums τ are
// taken times 1 + 1e-11 there, which covers δ_exp for the dropped terms too. (Degree 8 rather than
// the Taylor polynomial of degree 11 it replaces, 1e-14: three multiply-adds fewer per pair of
// keys, and 2δ_exp = 6e-12 is 0.6% of the default tolerance 1e-9.)
//
// Distances: for a query among the keys (m = |q − z⁰|² ≤ 1) the weights are e^{−|q − z|²}
// (t = −|q − z|²·log₂e, |q − z|² to 3 ulp), scaled by e^{m} once at the end: the nearest key then
// weighs ~1 and nothing underflows. For a far query (m > 1) |q − z|² − m would cancel, so s is
// computed as Σ_k (z⁰_k − z_k)(a_k − z_k), a = 2q − z⁰, exact algebra that loses nothing however far
// the query is from the keys.
//
// The ABI: exactGrid stores the grid's pointers once per call of gaussSumsNd; exactQuery runs the
// first pass for one query and writes E, Σe·v, τ at `out` (three f64).

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

// Vector constants in globals, copied into locals by exactQuery: V8 rebuilds a v128.const at every
// use inside a loop (see exp.ts).
let K_TMIN: v128 = f64x2.splat(T_MIN);
let K_LOG2E: v128 = f64x2.splat(LOG2E);
let K_SHIFT: v128 = f64x2.splat(SHIFT);
let K_BIAS: v128 = i64x2.splat(1023);
let K_P0: v128 = f64x2.splat(P0);
let K_P1: v128 = f64x2.splat(P1);
let K_P2: v128 = f64x2.splat(P2);
let K_P3: v128 = f64x2.splat(P3);
let K_P4: v128 = f64x2.splat(P4);
let K_P5: v128 = f64x2.splat(P5);
let K_P6: v128 = f64x2.splat(P6);
let K_P7: v128 = f64x2.splat(P7);
let K_P8: v128 = f64x2.splat(P8);

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
 * First pass of exactSums for query q, nearest key z⁰: E, Σe·v over keys with s ≤ L1, τ = Σe over
 * the other keys of the visited cells (all but sorted position `skip`, −1 for none), into out[0..2].
 */
export function exactQuery(q0: f64, q1: f64, q2: f64, z0: f64, z1: f64, z2: f64, L1: f64, R1: f64, skip: i32, out: usize): void {
  if (nearestSq(q0, q1, q2, z0, z1, z2) <= 1) queryImpl(q0, q1, q2, z0, z1, z2, L1, R1, skip, out, false, true);
  else queryImpl(q0, q1, q2, z0, z1, z2, L1, R1, skip, out, false, false);
}

/**
 * exactQuery with the gradient sums too: Σe·x_k² and Σe·x_k²·v (x = q − z, keys with s ≤ L1) for
 * k < d at out[6 + 2k], out[7 + 2k].
 */
export function exactQueryGrad(q0: f64, q1: f64, q2: f64, z0: f64, z1: f64, z2: f64, L1: f64, R1: f64, skip: i32, out: usize): void {
  if (nearestSq(q0, q1, q2, z0, z1, z2) <= 1) queryImpl(q0, q1, q2, z0, z1, z2, L1, R1, skip, out, true, true);
  else queryImpl(q0, q1, q2, z0, z1, z2, L1, R1, skip, out, true, false);
}

/** m = |q − z⁰|² (as exactSums.ts computes it). */
// @ts-ignore: decorator
@inline function nearestSq(q0: f64, q1: f64, q2: f64, z0: f64, z1: f64, z2: f64): f64 {
  return (q0 - z0) * (q0 - z0) + (q1 - z1) * (q1 - z1) + (q2 - z2) * (q2 - z2);
}

/** The first pass; `near` (m ≤ 1): weights e^{−|q − z|²}, scaled by e^m at the end (see the top). */
// @ts-ignore: decorator
@inline function queryImpl(q0: f64, q1: f64, q2: f64, z0: f64, z1: f64, z2: f64, L1: f64, R1: f64, skip: i32, out: usize, grad: bool, near: bool): void {
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
  // summed when s ≤ L1: −|q − z|² ≥ −(L1 + m) near, −s ≥ −L1 far
  const uMin = near ? -(L1 + m) : -L1;
  const vNL1 = f64x2.splat(uMin);
  const cTMin = K_TMIN;
  const cL2E = K_LOG2E;
  const cShift = K_SHIFT;
  const bias = K_BIAS;
  const k0 = K_P0;
  const k1 = K_P1;
  const k2 = K_P2;
  const k3 = K_P3;
  const k4 = K_P4;
  const k5 = K_P5;
  const k6 = K_P6;
  const k7 = K_P7;
  const k8 = K_P8;
  let vE = f64x2.splat(0);
  let vEV = f64x2.splat(0);
  let vT = f64x2.splat(0);
  let sE: f64 = 0;
  let sEV: f64 = 0;
  let sT: f64 = 0;
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
  // The rows meeting the ball, as ranges of sorted positions (split around `skip`), gathered into
  // the scratch area a batch at a time, then the key loop over the batch: the row arithmetic
  // (square roots, cell indices) stays out of the vector loop, whose registers it would share.
  const ranges = gScratch;
  // keys of the visited cells, `skip` included (exactOuterBox counts the others)
  let visited: i32 = 0;
  let b2 = b2lo;
  let b1 = 0;
  let rowsOpen = false;
  let rz2: f64 = 0;
  let b1hi: i32 = -1;
  for (;;) {
    let nr: i32 = 0;
    while (b2 <= b2hi && nr <= MAX_RANGES - 2) {
      if (!rowsOpen) {
        const dz = three ? slab(q2, lo2 + <f64>b2 * c, c) : 0.0;
        rz2 = R1 * R1 - dz * dz;
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
          const j0 = load<i32>(gStart + ((<usize>(row + a)) << 2));
          const j1 = load<i32>(gStart + ((<usize>(row + b + 1)) << 2));
          visited += j1 - j0;
          // the range without `skip`: one or two pieces
          const split = skip >= j0 && skip < j1;
          const e0 = split ? skip : j1;
          if (e0 > j0) {
            store<i32>(ranges + ((<usize>nr) << 3), j0);
            store<i32>(ranges + ((<usize>nr) << 3), e0, 4);
            nr++;
          }
          if (split && skip + 1 < j1) {
            store<i32>(ranges + ((<usize>nr) << 3), skip + 1);
            store<i32>(ranges + ((<usize>nr) << 3), j1, 4);
            nr++;
          }
        }
      }
      b1++;
    }
    for (let ri: i32 = 0; ri < nr; ri++) {
      const segStart = load<i32>(ranges + ((<usize>ri) << 3));
      const segEnd = load<i32>(ranges + ((<usize>ri) << 3), 4);
      let j = segStart;
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
        // u = −|q − z|² (near) or −s (far), t = u·log₂e clamped at T_MIN (pmax: maxpd, no NaN
        // fix-up; u is never NaN here), t = k + f, 2^f by Estrin's scheme (depth 4).
        let u: v128;
        if (near) {
          const d0 = f64x2.sub(vq0, x0);
          const d1 = f64x2.sub(vq1, x1);
          u = f64x2.add(f64x2.mul(d0, d0), f64x2.mul(d1, d1));
          if (three) {
            const d2 = f64x2.sub(vq2, x2);
            u = f64x2.add(u, f64x2.mul(d2, d2));
          }
          u = f64x2.neg(u);
        } else {
          u = f64x2.mul(f64x2.sub(x0, vz0), f64x2.sub(va0, x0));
          u = f64x2.add(u, f64x2.mul(f64x2.sub(x1, vz1), f64x2.sub(va1, x1)));
          if (three) u = f64x2.add(u, f64x2.mul(f64x2.sub(x2, vz2), f64x2.sub(va2, x2)));
        }
        const inside = f64x2.ge(u, vNL1);
        const t = f64x2.pmax(cTMin, f64x2.mul(u, cL2E));
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
        const w = f64x2.mul(p, i64x2.shl(i64x2.add(sh, bias), 52));
        const win = v128.and(w, inside);
        vE = f64x2.add(vE, win);
        vEV = f64x2.add(vEV, f64x2.mul(win, vv));
        vT = f64x2.add(vT, v128.andnot(w, inside));
        if (grad) {
          const d0 = f64x2.sub(vq0, x0);
          const d1 = f64x2.sub(vq1, x1);
          const e0 = f64x2.mul(win, f64x2.mul(d0, d0));
          const e1 = f64x2.mul(win, f64x2.mul(d1, d1));
          vP0 = f64x2.add(vP0, e0);
          vP1 = f64x2.add(vP1, e1);
          vPV0 = f64x2.add(vPV0, f64x2.mul(e0, vv));
          vPV1 = f64x2.add(vPV1, f64x2.mul(e1, vv));
          if (three) {
            const d2 = f64x2.sub(vq2, x2);
            const e2 = f64x2.mul(win, f64x2.mul(d2, d2));
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
    // |q − z|² near, s far (the vector form's quantities, so the same keys are summed)
    let s = near ? (q0 - x0) * (q0 - x0) + (q1 - x1) * (q1 - x1) : (z0 - x0) * (a0 - x0) + (z1 - x1) * (a1 - x1);
    if (three) s += near ? (q2 - x2) * (q2 - x2) : (z2 - x2) * (a2 - x2);
    const w = expNegScalar(s);
    if (-s >= uMin) {
      sE += w;
      sEV += w * load<f64>(gV + o);
    } else {
      sT += w;
    }
    if (grad && -s >= uMin) {
      const vj = load<f64>(gV + o);
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
  store<f64>(out, (f64x2.extract_lane(vE, 0) + f64x2.extract_lane(vE, 1) + sE) * em);
  store<f64>(out, (f64x2.extract_lane(vEV, 0) + f64x2.extract_lane(vEV, 1) + sEV) * em, 8);
  store<f64>(out, (f64x2.extract_lane(vT, 0) + f64x2.extract_lane(vT, 1) + sT) * em, 16);
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

// @ts-ignore: decorator
@inline const Q1: f64 = 0.8408964152537145; // 2^{−1/4}
// @ts-ignore: decorator
@inline const Q2: f64 = 0.7071067811865476; // 2^{−1/2}
// @ts-ignore: decorator
@inline const Q3: f64 = 0.5946035575013605; // 2^{−3/4}

/**
 * An upper bound on e^{−x} for x ≥ 0 within a factor 2^{1/4}: 2^{−⌊4x·log2 e⌋/4}, no polynomial.
 * x is first lowered by 1e-10·(1 + scale), scale ≥ the magnitudes x is computed from (squared
 * distances, m, coordinates), which covers the rounding of x and of the cell edges lo + b·c
 * (each a few ulp of those magnitudes, so within ~1e-14·scale); x ≤ 0 gives 1.
 */
// @ts-ignore: decorator
@inline function expBound(x: f64, scale: f64): f64 {
  const t = min(2800.0, max(0.0, (x - 1e-10 * (1.0 + scale)) * (4.0 * LOG2E)));
  // (the rounding of t itself, a few ulp of t < 2800, is far below the 1e-10 taken off)
  const i = <i32>floor(t);
  const f = i & 3;
  const q = f == 0 ? 1.0 : f == 1 ? Q1 : f == 2 ? Q2 : Q3;
  return q * reinterpret<f64>((<i64>(1023 - (i >> 2))) << 52);
}

/**
 * The second pass of exactSums: cells meeting the ball |q − z|² ≤ R2² but not visited by
 * exactQuery (ball R1, same arithmetic), each bounded by count·e^{−s_min} (s_min from the
 * distance between q and the cell); writes τ_cells at out[3] and the keys of every cell meeting
 * the R2 ball (visited or not) at out[4].
 */
export function exactOuter(q0: f64, q1: f64, q2: f64, m: f64, R1: f64, R2: f64, out: usize): void {
  const d = gD;
  const G0 = gG0;
  const G1 = gG1;
  const G2 = gG2;
  const c = gC;
  const lo0 = gLo0;
  const lo1 = gLo1;
  const lo2 = gLo2;
  const three = d == 3;
  let tau: f64 = 0;
  let covered: i32 = 0;
  const qScale = m + abs(q0) + abs(q1) + abs(q2) + R2 + c;
  const v1lo2 = three ? cellIndex((q2 - R1 - lo2) / c, 0, <f64>G2) : 0;
  const v1hi2 = three ? cellIndex((q2 + R1 - lo2) / c, -1, <f64>(G2 - 1)) : 0;
  const b2lo = three ? cellIndex((q2 - R2 - lo2) / c, 0, <f64>G2) : 0;
  const b2hi = three ? cellIndex((q2 + R2 - lo2) / c, -1, <f64>(G2 - 1)) : 0;
  for (let b2 = b2lo; b2 <= b2hi; b2++) {
    const dz = three ? slab(q2, lo2 + <f64>b2 * c, c) : 0.0;
    const rz2 = R2 * R2 - dz * dz;
    if (rz2 < 0) continue;
    const rz = sqrt(rz2);
    const r1z2 = R1 * R1 - dz * dz;
    const r1z = r1z2 >= 0 && b2 >= v1lo2 && b2 <= v1hi2 ? sqrt(r1z2) : -1.0;
    const v1lo1 = r1z >= 0 ? cellIndex((q1 - r1z - lo1) / c, 0, <f64>G1) : 1;
    const v1hi1 = r1z >= 0 ? cellIndex((q1 + r1z - lo1) / c, -1, <f64>(G1 - 1)) : 0;
    const b1lo = cellIndex((q1 - rz - lo1) / c, 0, <f64>G1);
    const b1hi = cellIndex((q1 + rz - lo1) / c, -1, <f64>(G1 - 1));
    for (let b1 = b1lo; b1 <= b1hi; b1++) {
      const dy = slab(q1, lo1 + <f64>b1 * c, c);
      const ry2 = rz2 - dy * dy;
      if (ry2 < 0) continue;
      const ry = sqrt(ry2);
      const a = cellIndex((q0 - ry - lo0) / c, 0, <f64>G0);
      const b = cellIndex((q0 + ry - lo0) / c, -1, <f64>(G0 - 1));
      if (a > b) continue;
      const row = G0 * (b1 + G1 * b2);
      const rowPtr = gStart + ((<usize>row) << 2);
      covered += load<i32>(rowPtr + ((<usize>(b + 1)) << 2)) - load<i32>(rowPtr + ((<usize>a) << 2));
      // the cells exactQuery visited in this row (the same arithmetic as there)
      let va = 1;
      let vb = 0;
      const r1y2 = r1z2 - dy * dy;
      if (b1 >= v1lo1 && b1 <= v1hi1 && r1y2 >= 0) {
        const r1y = sqrt(r1y2);
        va = cellIndex((q0 - r1y - lo0) / c, 0, <f64>G0);
        vb = cellIndex((q0 + r1y - lo0) / c, -1, <f64>(G0 - 1));
      }
      const base = dz * dz + dy * dy - m;
      const scale = dz * dz + dy * dy + qScale;
      // the cells [a, b] but not [va, vb]: [a, min(b, va − 1)] and [max(a, vb + 1), b] (when va > vb, all of [a, b])
      const e1 = va <= vb ? min(b, va - 1) : b;
      for (let b0 = a; b0 <= e1; b0++) {
        const count = load<i32>(rowPtr + ((<usize>(b0 + 1)) << 2)) - load<i32>(rowPtr + ((<usize>b0) << 2));
        if (count == 0) continue;
        const dx = slab(q0, lo0 + <f64>b0 * c, c);
        tau += <f64>count * expBound(base + dx * dx, scale + dx * dx);
      }
      if (va <= vb) {
        for (let b0 = max(a, vb + 1); b0 <= b; b0++) {
          const count = load<i32>(rowPtr + ((<usize>(b0 + 1)) << 2)) - load<i32>(rowPtr + ((<usize>b0) << 2));
          if (count == 0) continue;
          const dx = slab(q0, lo0 + <f64>b0 * c, c);
          tau += <f64>count * expBound(base + dx * dx, scale + dx * dx);
        }
      }
    }
  }
  store<f64>(out, tau, 24);
  store<f64>(out, <f64>covered, 32);
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
 * cell (exactOuter): O(2^d) loads a shell. Every key within |q − z| ≤ R1 lies in a visited cell
 * (the rows and cells exactQuery visits are those meeting that ball), so an unvisited key has
 * s = |q − z|² − m > S₀ = R1² − m. With S_i = S₀ + i/2 (i = 0 … K, S_K ≥ L2) and box_i the cells
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
    S += 0.5;
  }
  tau += max(0.0, <f64>gN - V - prevU) * prevE;
  store<f64>(out, tau, 24);
  store<f64>(out, <f64>gN, 32);
}
