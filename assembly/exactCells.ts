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
// e^{−s}: s is clamped to [0, 700] (clamping s down only raises the term, so τ stays an upper
// bound; at 700 the term is e^{−700}, below anything that counts), then −s = k·ln 2 + r with
// k = round(−s/ln 2) and Cody–Waite ln 2 = LN2_HI + LN2_LO, |r| ≤ ln2/2, e^r by its Taylor
// polynomial of degree 11 (remainder below 0.347¹²/12! ≈ 6.5e-15 relative; with rounding the
// result is within 1e-14 relative of e^{−s}, which moves ŷ by at most 2e-14·H), 2^k from the bits.
// Rounding and 2^k: adding 1.5·2^52 to −s·log2 e rounds it to the integer k in the adder itself
// and leaves k in the low bits of the sum, so (bits + 1023) << 52 are the bits of 2^k (as exp.ts).
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

// @ts-ignore: decorator
@inline const LOG2E: f64 = 1.4426950408889634;
// @ts-ignore: decorator
@inline const LN2_HI: f64 = 6.93147180369123816490e-1;
// @ts-ignore: decorator
@inline const LN2_LO: f64 = 1.90821492927058770002e-10;
// @ts-ignore: decorator
@inline const SHIFT: f64 = 6755399441055744.0; // 1.5·2^52
// @ts-ignore: decorator
@inline const S_MAX: f64 = 700.0;

// Vector constants in globals, copied into locals by exactQuery: V8 rebuilds a v128.const at every
// use inside a loop (see exp.ts).
let K_NEGMAX: v128 = f64x2.splat(-S_MAX);
let K_LOG2E: v128 = f64x2.splat(LOG2E);
let K_SHIFT: v128 = f64x2.splat(SHIFT);
let K_LN2HI: v128 = f64x2.splat(LN2_HI);
let K_LN2LO: v128 = f64x2.splat(LN2_LO);
let K_BIAS: v128 = i64x2.splat(1023);
let K_C11: v128 = f64x2.splat(1.0 / 39916800.0);
let K_C10: v128 = f64x2.splat(1.0 / 3628800.0);
let K_C9: v128 = f64x2.splat(1.0 / 362880.0);
let K_C8: v128 = f64x2.splat(1.0 / 40320.0);
let K_C7: v128 = f64x2.splat(1.0 / 5040.0);
let K_C6: v128 = f64x2.splat(1.0 / 720.0);
let K_C5: v128 = f64x2.splat(1.0 / 120.0);
let K_C4: v128 = f64x2.splat(1.0 / 24.0);
let K_C3: v128 = f64x2.splat(1.0 / 6.0);
let K_C2: v128 = f64x2.splat(0.5);
let K_ONE: v128 = f64x2.splat(1.0);

/** The grid (byte pointers: cellStart i32[cells + 1], x0, x1, x2, v f64[n]). */
export function exactGrid(d: i32, G0: i32, G1: i32, G2: i32, lo0: f64, lo1: f64, lo2: f64, c: f64, start: usize, x0: usize, x1: usize, x2: usize, v: usize): void {
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
  const u = max(-S_MAX, -s);
  const sh = u * LOG2E + SHIFT;
  const kd = sh - SHIFT;
  const r = u - kd * LN2_HI - kd * LN2_LO;
  let p = 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
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
  queryImpl(q0, q1, q2, z0, z1, z2, L1, R1, skip, out, false);
}

/**
 * exactQuery with the gradient sums too: Σe·x_k² and Σe·x_k²·v (x = q − z, keys with s ≤ L1) for
 * k < d at out[6 + 2k], out[7 + 2k].
 */
export function exactQueryGrad(q0: f64, q1: f64, q2: f64, z0: f64, z1: f64, z2: f64, L1: f64, R1: f64, skip: i32, out: usize): void {
  queryImpl(q0, q1, q2, z0, z1, z2, L1, R1, skip, out, true);
}

// @ts-ignore: decorator
@inline function queryImpl(q0: f64, q1: f64, q2: f64, z0: f64, z1: f64, z2: f64, L1: f64, R1: f64, skip: i32, out: usize, grad: bool): void {
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
  const vNL1 = f64x2.splat(-L1);
  const cNegMax = K_NEGMAX;
  const cL2E = K_LOG2E;
  const cShift = K_SHIFT;
  const cHi = K_LN2HI;
  const cLo = K_LN2LO;
  const bias = K_BIAS;
  const c11 = K_C11;
  const c10 = K_C10;
  const c9 = K_C9;
  const c8 = K_C8;
  const c7 = K_C7;
  const c6 = K_C6;
  const c5 = K_C5;
  const c4 = K_C4;
  const c3 = K_C3;
  const c2 = K_C2;
  const one = K_ONE;
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
  for (let b2 = b2lo; b2 <= b2hi; b2++) {
    const dz = three ? slab(q2, lo2 + <f64>b2 * c, c) : 0.0;
    const rz2 = R1 * R1 - dz * dz;
    if (rz2 < 0) continue;
    const rz = sqrt(rz2);
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
      const j0 = load<i32>(gStart + ((<usize>(row + a)) << 2));
      const j1 = load<i32>(gStart + ((<usize>(row + b + 1)) << 2));
      // One or two segments: the range without `skip`.
      let segStart = j0;
      for (let seg = 0; seg < 2; seg++) {
        let segEnd = j1;
        if (seg == 0) {
          if (skip >= j0 && skip < j1) segEnd = skip;
        } else {
          if (!(skip >= j0 && skip < j1)) break;
          segStart = skip + 1;
        }
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
          // u = −s, clamped below at −S_MAX (pmax: maxpd, no NaN fix-up; s is never NaN here).
          let u = f64x2.mul(f64x2.sub(x0, vz0), f64x2.sub(va0, x0));
          u = f64x2.add(u, f64x2.mul(f64x2.sub(x1, vz1), f64x2.sub(va1, x1)));
          if (three) u = f64x2.add(u, f64x2.mul(f64x2.sub(x2, vz2), f64x2.sub(va2, x2)));
          const inside = f64x2.ge(u, vNL1);
          u = f64x2.pmax(cNegMax, u);
          const sh = f64x2.add(f64x2.mul(u, cL2E), cShift);
          const kd = f64x2.sub(sh, cShift);
          const r = f64x2.sub(f64x2.sub(u, f64x2.mul(kd, cHi)), f64x2.mul(kd, cLo));
          // Estrin's scheme (depth 4 instead of Horner's 11 dependent multiply-adds)
          const r2 = f64x2.mul(r, r);
          const r4 = f64x2.mul(r2, r2);
          const r8 = f64x2.mul(r4, r4);
          const a0 = f64x2.add(one, r);
          const a1 = f64x2.add(c2, f64x2.mul(c3, r));
          const a2 = f64x2.add(c4, f64x2.mul(c5, r));
          const a3 = f64x2.add(c6, f64x2.mul(c7, r));
          const a4 = f64x2.add(c8, f64x2.mul(c9, r));
          const a5 = f64x2.add(c10, f64x2.mul(c11, r));
          const p0 = f64x2.add(a0, f64x2.mul(a1, r2));
          const p1 = f64x2.add(a2, f64x2.mul(a3, r2));
          const p2 = f64x2.add(a4, f64x2.mul(a5, r2));
          const p = f64x2.add(f64x2.add(p0, f64x2.mul(p1, r4)), f64x2.mul(p2, r8));
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
    }
  }
  if (pend >= 0) {
    const o = (<usize>pend) << 3;
    const x0 = load<f64>(gX0 + o);
    const x1 = load<f64>(gX1 + o);
    let s = (z0 - x0) * (a0 - x0) + (z1 - x1) * (a1 - x1);
    if (three) {
      const x2 = load<f64>(gX2 + o);
      s += (z2 - x2) * (a2 - x2);
    }
    const w = expNegScalar(s);
    if (s <= L1) {
      sE += w;
      sEV += w * load<f64>(gV + o);
    } else {
      sT += w;
    }
    if (grad && s <= L1) {
      const vj = load<f64>(gV + o);
      const e0 = w * ((q0 - x0) * (q0 - x0));
      const e1 = w * ((q1 - x1) * (q1 - x1));
      sP0 += e0;
      sP1 += e1;
      sPV0 += e0 * vj;
      sPV1 += e1 * vj;
      if (three) {
        const x2 = load<f64>(gX2 + o);
        const e2 = w * ((q2 - x2) * (q2 - x2));
        sP2 += e2;
        sPV2 += e2 * vj;
      }
    }
  }
  store<f64>(out, f64x2.extract_lane(vE, 0) + f64x2.extract_lane(vE, 1) + sE);
  store<f64>(out, f64x2.extract_lane(vEV, 0) + f64x2.extract_lane(vEV, 1) + sEV, 8);
  store<f64>(out, f64x2.extract_lane(vT, 0) + f64x2.extract_lane(vT, 1) + sT, 16);
  if (grad) {
    store<f64>(out, f64x2.extract_lane(vP0, 0) + f64x2.extract_lane(vP0, 1) + sP0, 48);
    store<f64>(out, f64x2.extract_lane(vPV0, 0) + f64x2.extract_lane(vPV0, 1) + sPV0, 56);
    store<f64>(out, f64x2.extract_lane(vP1, 0) + f64x2.extract_lane(vP1, 1) + sP1, 64);
    store<f64>(out, f64x2.extract_lane(vPV1, 0) + f64x2.extract_lane(vPV1, 1) + sPV1, 72);
    store<f64>(out, f64x2.extract_lane(vP2, 0) + f64x2.extract_lane(vP2, 1) + sP2, 80);
    store<f64>(out, f64x2.extract_lane(vPV2, 0) + f64x2.extract_lane(vPV2, 1) + sPV2, 88);
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
