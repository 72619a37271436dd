// `log256_ps` and `sincos256_ps` of ATen's avx_mathfun.h (Cephes polynomials), one lane at a time,
// with the fused multiply-adds GCC contracts under -mfma (see float32.ts).
import { add, f, fma32, fromBits, MIN_NORM_POS, mul, sub, toBits } from './float32.js';

const LOG_P = [
  7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
].map(f);
const LOG_Q1 = f(-2.1219444e-4);
const LOG_Q2 = f(0.693359375);
const SQRTHF = f(0.707106781186547524);

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
