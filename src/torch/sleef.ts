// SLEEF 3.5's `Sleef_sinf8_u10` and `Sleef_powf8_u10` on AVX2, which `torch.sin` and `torch.pow`
// call on float32 tensors, replayed one rounding at a time (see float32.ts).
import { AttnpoolError } from '../errors.js';
import {
  dfAdd,
  dfAdd2,
  dfAdd2DfDf,
  dfAdd2DfF,
  dfAddDfDf,
  dfAddDfF,
  dfAddFDf,
  dfDiv,
  dfMulDfDf,
  dfMulDfF,
  dfMulToFloat,
  dfNormalize,
  dfScale,
  dfSquare,
  type DoubleFloat,
} from './doubleFloat.js';
import { add, f, fma32, fromBits, MIN_NORM_POS, mul, rintEven, toBits } from './float32.js';
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
  0.00136324646882712841033936, 0.00836596917361021041870117, 0.0416710823774337768554688, 0.166665524244308471679688, 0.499999850988388061523438,
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
