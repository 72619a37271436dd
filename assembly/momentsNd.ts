// Local-linear moments in d dimensions (kernel regression's O(n²) pass), per query i:
//   e_j = K(u_j) / max K (Gaussian: 2^(min x − x_j) from pass 1's terms, so the largest is 1;
//   compact kinds: the product kernel itself), Δ_j = k_j − q_i (raw, unscaled), and
//   out[i·m ..] = Σe, Σe·Δ_f (d), Σe·Δ_f·Δ_g (f ≤ g, row-major upper triangle), Σe·v, Σe·Δ_f·v (d),
//   m = 2 + 2d + d(d+1)/2, as f64. The key terms come from ndTerms.ts (pass 1), so the layout is
//   poolNd's: keys feature-major [d, nkp] shared (no per-query keys), values [1, nkp], params as
//   in ndTerms.ts, scratch ≥ 2·nkp floats; excludeSelf skips key i. With `slopes`, d more blocks
//   of m: the same sums with the weights e_j·Δ_jf².
// Each sum runs in f32x4 lanes over blocks of at most BLOCK keys, folded into f64 (lanes.ts):
// one sweep for Σe and Σe·v, one per feature for Σe·Δ_f, Σe·Δ_f·v and the row f of Σe·ΔΔᵀ.
// A query no key reaches (a compact kernel: Σe = 0) gets zeros, and the host decides; one whose
// Σe is subnormal (float32 lost the products) gets NaN, so the host recomputes in float64.
import { exp2x4, V0, V1, V2, V3, V4, V5, VFLUSH, VMAGIC } from './exp';
import { BLOCK, lanes } from './lanes';
import { GAUSSIAN, keyTerms, paddedKeys, termMin } from './ndTerms';

// @ts-ignore: decorator
@inline const TINY: f64 = 7.888609052210118e-31; // 2^−100, as poolNd.ts

/** e_j = 2^(m − x_j) in place (Gaussian); padding and the skipped key have x = +∞, so e = 0. */
function gaussianWeights(x: usize, nkp: i32, m: f32): void {
  const k0 = V0, k1 = V1, k2 = V2, k3 = V3, k4 = V4, k5 = V5, magic = VMAGIC, flush = VFLUSH;
  const mv = f32x4.splat(m);
  for (let j = 0; j < nkp; j += 4) {
    const o = <usize>j << 2;
    v128.store(x + o, exp2x4(f32x4.sub(mv, v128.load(x + o)), k0, k1, k2, k3, k4, k5, magic, flush));
  }
}

let s0: f64 = 0;
let s1: f64 = 0;

/** s0 = Σe, s1 = Σe·v. */
function sumsEV(x: usize, v: usize, nkp: i32): void {
  s0 = 0;
  s1 = 0;
  let j = 0;
  while (j < nkp) {
    const end = min(nkp, j + BLOCK);
    let a = f32x4.splat(0), b = f32x4.splat(0);
    for (; j < end; j += 4) {
      const o = <usize>j << 2;
      const e = v128.load(x + o);
      a = f32x4.add(a, e);
      b = f32x4.add(b, f32x4.mul(e, v128.load(v + o)));
    }
    s0 += lanes(a);
    s1 += lanes(b);
  }
}

/** s0 = Σe·Δ_f, s1 = Σe·Δ_f·v for the key row kf of feature f and the query's coordinate qf. */
function sumsDelta(x: usize, v: usize, kf: usize, qf: f32, nkp: i32): void {
  const qv = f32x4.splat(qf);
  s0 = 0;
  s1 = 0;
  let j = 0;
  while (j < nkp) {
    const end = min(nkp, j + BLOCK);
    let a = f32x4.splat(0), b = f32x4.splat(0);
    for (; j < end; j += 4) {
      const o = <usize>j << 2;
      const ed = f32x4.mul(v128.load(x + o), f32x4.sub(v128.load(kf + o), qv));
      a = f32x4.add(a, ed);
      b = f32x4.add(b, f32x4.mul(ed, v128.load(v + o)));
    }
    s0 += lanes(a);
    s1 += lanes(b);
  }
}

/** Σe·Δ_f·Δ_g. */
function sumDelta2(x: usize, kf: usize, qf: f32, kg: usize, qg: f32, nkp: i32): f64 {
  const qfv = f32x4.splat(qf);
  const qgv = f32x4.splat(qg);
  let s: f64 = 0;
  let j = 0;
  while (j < nkp) {
    const end = min(nkp, j + BLOCK);
    let a = f32x4.splat(0);
    for (; j < end; j += 4) {
      const o = <usize>j << 2;
      const ed = f32x4.mul(v128.load(x + o), f32x4.sub(v128.load(kf + o), qfv));
      a = f32x4.add(a, f32x4.mul(ed, f32x4.sub(v128.load(kg + o), qgv)));
    }
    s += lanes(a);
  }
  return s;
}

/** One block of m moments at o from the weight row x (Σx and Σx·v already in s0, s1). */
function block(x: usize, qi: usize, k: usize, v: usize, nkp: i32, d: i32, o: usize): void {
  const rowBytes = <usize>nkp << 2;
  const tri = 1 + d;
  const t0 = tri + ((d * (d + 1)) >> 1);
  store<f64>(o, s0);
  store<f64>(o + (<usize>t0 << 3), s1);
  let c = tri;
  for (let f = 0; f < d; f++) {
    const kf = k + <usize>f * rowBytes;
    const qf = load<f32>(qi + (<usize>f << 2));
    sumsDelta(x, v, kf, qf, nkp);
    store<f64>(o + (<usize>(1 + f) << 3), s0);
    store<f64>(o + (<usize>(t0 + 1 + f) << 3), s1);
    for (let g = f; g < d; g++, c++) {
      store<f64>(o + (<usize>c << 3), sumDelta2(x, kf, qf, k + <usize>g * rowBytes, load<f32>(qi + (<usize>g << 2)), nkp));
    }
  }
}

/** x2_j = x_j·(k_fj − q_f)². */
function weightBySquare(x: usize, kf: usize, qf: f32, nkp: i32, x2: usize): void {
  const qv = f32x4.splat(qf);
  for (let j = 0; j < nkp; j += 4) {
    const o = <usize>j << 2;
    const dl = f32x4.sub(v128.load(kf + o), qv);
    v128.store(x2 + o, f32x4.mul(v128.load(x + o), f32x4.mul(dl, dl)));
  }
}

/**
 * The moments of every query into out (f64 [nq, blocks·m]). q [nq, d]; k [d, nkp]; v [nkp];
 * `kind` as in ndTerms.ts; params as there (pooling's Gaussian scale); scratch 2·nkp floats.
 * With `slopes`, blocks 1 … d hold the same moments with the weights e_j·Δ_jf² (f = block − 1):
 * the Gaussian's ∂e/∂ρ_f = −e·Δ_f² (ρ_f = w_f²/2), what the local-linear CV's gradient needs.
 */
export function localMomentsNd(q: usize, nq: i32, k: usize, v: usize, nk: i32, d: i32, excludeSelf: bool, kind: i32, params: usize, slopes: bool, out: usize, scratch: usize): void {
  const nkp = paddedKeys(nk);
  const rowBytes = <usize>nkp << 2;
  const m = 2 + 2 * d + ((d * (d + 1)) >> 1);
  const blocks = slopes ? 1 + d : 1;
  const x = scratch;
  const x2 = scratch + rowBytes;
  for (let i = 0; i < nq; i++) {
    const qi = q + ((<usize>i * <usize>d) << 2);
    const o = out + ((<usize>i * <usize>(m * blocks)) << 3);
    keyTerms(kind, qi, k, nk, d, params, excludeSelf ? i : -1, x);
    if (kind == GAUSSIAN) gaussianWeights(x, nkp, termMin);
    sumsEV(x, v, nkp);
    if (!(s0 >= TINY)) {
      const fill: f64 = s0 == 0 ? 0 : NaN;
      for (let c = 0; c < m * blocks; c++) store<f64>(o + (<usize>c << 3), fill);
      continue;
    }
    block(x, qi, k, v, nkp, d, o);
    if (!slopes) continue;
    for (let f = 0; f < d; f++) {
      weightBySquare(x, k + <usize>f * rowBytes, load<f32>(qi + (<usize>f << 2)), nkp, x2);
      sumsEV(x2, v, nkp);
      block(x2, qi, k, v, nkp, d, o + ((<usize>((1 + f) * m)) << 3));
    }
  }
}
