/**
 * The float32 arithmetic PyTorch's CPU kernels do on x86-64 with AVX2, replayed one rounding
 * at a time so the results agree bit for bit:
 *
 * - `avxLog` / `avxSinCos`: one lane of `log256_ps` / `sincos256_ps` from ATen's
 *   `avx_mathfun.h` (Cephes polynomials), which `torch.normal` uses for its Box–Muller step.
 *   GCC builds them with `-mfma` and contracts `a * b + c` into a fused multiply-add wherever
 *   the product has no other use; each contraction below is one it makes (an unfused version
 *   differs from torch on ~1 % of outputs; this one on none of the 2^25 outputs tested).
 * - `sleefSinf` / `sleefPowf`: SLEEF 3.5's `Sleef_sinf8_u10` / `Sleef_powf8_u10` on AVX2
 *   (`xsinf_u1`, `xpowf`), which `torch.sin` / `torch.pow` call on float32 tensors. They are
 *   written in "double-float" arithmetic (a value as an unevaluated sum hi + lo of two floats)
 *   whose exact products come from FMAs. SLEEF (Boost licence) is the reference for the
 *   algorithm and its coefficients; this is a scalar re-derivation of the same operations.
 *
 * Every intermediate is a float32: `Math.fround` after each operation, `fma32` for each FMA.
 */

import { AttnpoolError } from '../errors.js';

const f = Math.fround;

const scratch = new Float32Array(1);
const scratchBits = new Int32Array(scratch.buffer);

/** The float32 with the given bit pattern. */
function fromBits(bits: number): number {
  scratchBits[0] = bits;
  return scratch[0];
}

/** The bit pattern of a float32 value (as a signed 32-bit integer). */
function toBits(x: number): number {
  scratch[0] = x;
  return scratchBits[0];
}

/** The float32 next to r (a float32) in the direction of +∞ (`up`) or −∞. */
function nextFloat32(r: number, up: boolean): number {
  if (r === 0) return up ? fromBits(1) : -fromBits(1);
  scratch[0] = r;
  scratchBits[0] += (r > 0) === up ? 1 : -1;
  return scratch[0];
}

/**
 * fma(a, b, c) = a·b + c with ONE rounding to float32, for float32 a, b, c — what the
 * `vfmadd` instructions compute.
 *
 * Why this is exact: a·b of two 24-bit significands has at most 48 bits, so `p = a * b` is
 * exact in float64. `s = p + c` is then rounded once to float64, and TwoSum gives its error e
 * exactly (s + e = a·b + c). Rounding s to float32 can only go wrong when s lies exactly on a
 * float32 midpoint while the true sum does not (double rounding): any other s rounds to the
 * same float32 as the true sum, because a float32 midpoint strictly between the two would be
 * a float64 (it has 25 significant bits) closer to the true sum than s is. On a midpoint the
 * sign of e says which way the true sum lies.
 */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = f(s);
  if (r === s || !Number.isFinite(s)) return r;
  const t = s - p;
  const e = p - (s - t) + (c - t);
  if (e === 0) return r;
  const other = nextFloat32(r, s > r);
  if (Math.abs(s - r) !== Math.abs(other - s)) return r;
  return e > 0 === other > r ? other : r;
}

/** Round half to even (the AVX `vroundps` / `vcvtps2dq` default). */
function rintEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const add = (a: number, b: number): number => f(a + b);
const sub = (a: number, b: number): number => f(a - b);
const mul = (a: number, b: number): number => f(a * b);

// ---------------------------------------------------------------- avx_mathfun.h (Cephes)

const LOG_P = [
  7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
  2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
].map(f);
const LOG_Q1 = f(-2.1219444e-4);
const LOG_Q2 = f(0.693359375);
const SQRTHF = f(0.707106781186547524);
const MIN_NORM_POS = fromBits(0x00800000);

/**
 * `log256_ps` for one positive float32 x (below 2^-126 it returns log 2^-126, as ATen does):
 * x = m·2^e with m in [√½, √2), then
 * log x = (m − 1) − (m − 1)²/2 + (m − 1)³·P(m − 1) + e·ln 2, ln 2 split in two parts (q1, q2).
 */
export function avxLog(x: number): number {
  const bits = toBits(Math.max(x, MIN_NORM_POS));
  let e = add(f((bits >>> 23) - 0x7f), 1);
  const m = fromBits((bits & ~0x7f800000) | 0x3f000000); // the significand, in [0.5, 1)
  const small = m < SQRTHF;
  if (small) e = sub(e, 1);
  const r = add(sub(m, 1), small ? m : 0); // m − 1, or 2m − 1 when m < √½
  const z = mul(r, r);
  let y = LOG_P[0];
  for (let k = 1; k < LOG_P.length; k++) y = fma32(y, r, LOG_P[k]);
  y = mul(y, r);
  y = fma32(y, z, mul(e, LOG_Q1));
  y = sub(y, mul(z, 0.5));
  return fma32(e, LOG_Q2, add(r, y));
}

const FOPI = f(1.27323954473516); // 4/π
const DP = [-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8].map(f); // −π/4 in three parts
const SIN_P = [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1].map(f);
const COS_P = [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2].map(f);

/**
 * `sincos256_ps` for one float32 θ: j = trunc(|θ|·4/π) rounded up to even, x = |θ| − j·π/4
 * (π/4 in three parts, so the subtraction stays exact), then the sine and cosine polynomials
 * on x, swapped and signed by the octant j. Returns [sin θ, cos θ].
 */
export function avxSinCos(theta: number): [number, number] {
  const negative = theta < 0 || Object.is(theta, -0);
  let x = Math.abs(theta);
  let j = Math.trunc(mul(x, FOPI)) | 0;
  j = (j + 1) & ~1;
  const y = j; // exact: a small integer
  for (const d of DP) x = fma32(y, d, x);
  const sinNegative = negative !== ((j & 4) !== 0);
  const cosNegative = (~(j - 2) & 4) !== 0;
  const swap = (j & 2) !== 0; // the sine comes from the cosine polynomial and vice versa
  const z = mul(x, x);
  let c = fma32(COS_P[0], z, COS_P[1]);
  c = fma32(c, z, COS_P[2]);
  c = mul(c, z);
  c = fma32(c, z, -mul(z, 0.5));
  c = add(c, 1);
  let s = fma32(SIN_P[0], z, SIN_P[1]);
  s = fma32(s, z, SIN_P[2]);
  s = mul(s, z);
  s = fma32(s, x, x);
  const sin = swap ? c : s;
  const cos = swap ? s : c;
  return [sinNegative ? -sin : sin, cosNegative ? -cos : cos];
}

// ---------------------------------------------------------------- SLEEF double-float arithmetic

/** hi + lo, |lo| ≤ ulp(hi)/2: about 48 bits of precision from two floats. */
type DoubleFloat = [hi: number, lo: number];

const fms = (x: number, y: number, z: number): number => fma32(x, y, -z); // x·y − z, one rounding
const fnma = (x: number, y: number, z: number): number => fma32(-x, y, z); // z − x·y, one rounding

function dfNormalize(t: DoubleFloat): DoubleFloat {
  const hi = add(t[0], t[1]);
  return [hi, add(sub(t[0], hi), t[1])];
}

function dfScale(d: DoubleFloat, s: number): DoubleFloat {
  return [mul(d[0], s), mul(d[1], s)];
}

/** x + y for |x| ≥ |y| (fast two-sum). */
function dfAdd(x: number, y: number): DoubleFloat {
  const hi = add(x, y);
  return [hi, add(sub(x, hi), y)];
}

/** x + y for any magnitudes (two-sum). */
function dfAdd2(x: number, y: number): DoubleFloat {
  const hi = add(x, y);
  const v = sub(hi, x);
  return [hi, add(sub(x, sub(hi, v)), sub(y, v))];
}

function dfAddDfF(x: DoubleFloat, y: number): DoubleFloat {
  const hi = add(x[0], y);
  return [hi, add(add(sub(x[0], hi), y), x[1])];
}

function dfAdd2DfF(x: DoubleFloat, y: number): DoubleFloat {
  const hi = add(x[0], y);
  const v = sub(hi, x[0]);
  return [hi, add(add(sub(x[0], sub(hi, v)), sub(y, v)), x[1])];
}

function dfAddFDf(x: number, y: DoubleFloat): DoubleFloat {
  const hi = add(x, y[0]);
  return [hi, add(add(sub(x, hi), y[0]), y[1])];
}

function dfAddDfDf(x: DoubleFloat, y: DoubleFloat): DoubleFloat {
  const hi = add(x[0], y[0]);
  return [hi, add(add(add(sub(x[0], hi), y[0]), x[1]), y[1])];
}

function dfAdd2DfDf(x: DoubleFloat, y: DoubleFloat): DoubleFloat {
  const hi = add(x[0], y[0]);
  const v = sub(hi, x[0]);
  return [hi, add(add(sub(x[0], sub(hi, v)), sub(y[0], v)), add(x[1], y[1]))];
}

function dfMulDfF(x: DoubleFloat, y: number): DoubleFloat {
  const hi = mul(x[0], y);
  return [hi, fma32(x[1], y, fms(x[0], y, hi))];
}

function dfMulDfDf(x: DoubleFloat, y: DoubleFloat): DoubleFloat {
  const hi = mul(x[0], y[0]);
  return [hi, fma32(x[0], y[1], fma32(x[1], y[0], fms(x[0], y[0], hi)))];
}

/** x·y rounded to one float. */
function dfMulToFloat(x: DoubleFloat, y: DoubleFloat): number {
  return fma32(x[0], y[0], fma32(x[1], y[0], mul(x[0], y[1])));
}

function dfSquare(x: DoubleFloat): DoubleFloat {
  const hi = mul(x[0], x[0]);
  return [hi, fma32(add(x[0], x[0]), x[1], fms(x[0], x[0], hi))];
}

function dfDiv(n: DoubleFloat, d: DoubleFloat): DoubleFloat {
  const t = f(1 / d[0]);
  const hi = mul(n[0], t);
  const u = fms(t, n[0], hi);
  const lo = fnma(d[1], t, fnma(d[0], t, 1));
  return [hi, fma32(hi, lo, fma32(n[1], t, u))];
}

// ---------------------------------------------------------------- SLEEF sinf_u10

const ONE_OVER_PI = f(1 / Math.PI);
const PI_A2 = f(3.1414794921875); // π in three parts for the Cody–Waite reduction
const PI_B2 = f(0.00011315941810607910156);
const PI_C2 = f(1.9841872589410058936e-9);
const SIN_U = [2.6083159809786593541503e-6, -0.0001981069071916863322258, 0.00833307858556509017944336].map(f);
const SIN_LAST = f(-0.166666597127914428710938);
/** Beyond this SLEEF switches to a Payne–Hanek style reduction that attnpool does not need. */
const SIN_FAST_RANGE = 125;

/**
 * `Sleef_sinf8_u10` (AVX2) for one float32 d with |d| < 125: d = qπ + s (double-float s),
 * sin d = (−1)^q · s·(1 + s²·P(s²)).
 */
export function sleefSinf(d: number): number {
  if (!(Math.abs(d) < SIN_FAST_RANGE)) throw new AttnpoolError('E_VALUE', `sleefSinf: d: expected |d| < ${SIN_FAST_RANGE}, got ${d}`);
  if (d === 0) return d; // ±0 (SLEEF returns d's own zero)
  const q = rintEven(mul(d, ONE_OVER_PI));
  let s = dfAdd2(fma32(q, -PI_A2, d), mul(q, -PI_B2));
  s = dfAddDfF(s, mul(q, -PI_C2));
  const t = s;
  s = dfSquare(s);
  let u = SIN_U[0];
  u = fma32(u, s[0], SIN_U[1]);
  u = fma32(u, s[0], SIN_U[2]);
  const x = dfAddFDf(1, dfMulDfDf(dfAdd(SIN_LAST, mul(u, s[0])), s));
  const r = dfMulToFloat(t, x);
  return q % 2 !== 0 ? -r : r;
}

// ---------------------------------------------------------------- SLEEF powf_u10

const FOUR_THIRDS = f(1 / 0.75);
const LOG_T = [0.240320354700088500976562, 0.285112679004669189453125, 0.400007992982864379882812].map(f);
const LOG_C: DoubleFloat = [f(0.66666662693023681640625), f(3.69183861259614332084311e-9)];
const LN2: DoubleFloat = [f(0.69314718246459960938), f(-1.904654323148236017e-9)];

/** log d as a double-float (SLEEF's `logkf`), for a positive normal float32 d. */
function logk(d: number): DoubleFloat {
  const e = ((toBits(mul(d, FOUR_THIRDS)) >>> 23) & 0xff) - 0x7f; // so that m is in [0.75, 1.5)
  const m = fromBits((toBits(d) - e * (1 << 23)) | 0);
  const x = dfDiv(dfAdd2(-1, m), dfAdd2(1, m)); // (m − 1)/(m + 1): log m = 2·atanh x
  const x2 = dfSquare(x);
  let t = LOG_T[0];
  t = fma32(t, x2[0], LOG_T[1]);
  t = fma32(t, x2[0], LOG_T[2]);
  let s = dfMulDfF(LN2, e);
  s = dfAddDfDf(s, dfScale(x, 2));
  return dfAddDfDf(s, dfMulDfDf(dfMulDfDf(x2, x), dfAdd2DfDf(dfMulDfF(x2, t), LOG_C)));
}

/** x·2^q for a float32 x, by SLEEF's `vldexp_vf_vf_vi2` (four partial scalings, then one). */
function ldexpf(x: number, q: number): number {
  let m = q >> 31;
  m = (((m + q) >> 6) - m) << 4;
  q -= m << 2;
  m = Math.min(Math.max(m + 0x7f, 0), 0xff);
  const u = fromBits(m << 23);
  const y = mul(mul(mul(mul(x, u), u), u), u);
  return mul(y, fromBits((q + 0x7f) << 23));
}

const R_LN2 = f(1.442695040888963407359924681001892137426645954152985934135449406931);
const L2U = f(0.693145751953125);
const L2L = f(1.428606765330187045e-6);
const EXP_U = [
  0.00136324646882712841033936, 0.00836596917361021041870117, 0.0416710823774337768554688, 0.166665524244308471679688,
  0.499999850988388061523438,
].map(f);

/** e^d for a double-float d (SLEEF's `expkf`). */
function expk(d: DoubleFloat): number {
  const q = rintEven(mul(add(d[0], d[1]), R_LN2));
  let s = dfAdd2DfF(d, mul(q, -L2U));
  s = dfAdd2DfF(s, mul(q, -L2L));
  s = dfNormalize(s);
  let u = EXP_U[0];
  for (let k = 1; k < EXP_U.length; k++) u = fma32(u, s[0], EXP_U[k]);
  let t = dfAddDfDf(s, dfMulDfF(dfSquare(s), u));
  t = dfAddFDf(1, t);
  const r = ldexpf(add(t[0], t[1]), q);
  return d[0] < -104 ? 0 : r;
}

/**
 * `Sleef_powf8_u10` (AVX2) for a float32 base x ≥ 0 and a finite float32 exponent y that is
 * not an integer: x^y = e^(y·log x) in double-float; 0^y = 0 for y > 0, +∞ for y < 0.
 */
export function sleefPowf(x: number, y: number): number {
  if (!(x >= 0) || !Number.isFinite(x) || !Number.isFinite(y) || Number.isInteger(y)) {
    throw new AttnpoolError('E_VALUE', `sleefPowf: expected a finite base x >= 0 and a finite non-integer exponent y, got x = ${x}, y = ${y}`);
  }
  if (x === 0) return y > 0 ? 0 : Infinity;
  if (x === 1) return 1;
  if (x < MIN_NORM_POS) throw new AttnpoolError('E_VALUE', `sleefPowf: x: expected 0 or a normal float32 (>= 2^-126), got ${x}`);
  return expk(dfMulDfF(logk(x), y));
}
