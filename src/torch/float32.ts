/**
 * Float32 arithmetic for replaying PyTorch's CPU kernels, and the files beside this one that use it:
 * the float32 arithmetic PyTorch's CPU kernels do on x86-64 with AVX2, replayed one rounding
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

export const f = Math.fround;

const scratch = new Float32Array(1);
const scratchBits = new Int32Array(scratch.buffer);

/** The float32 with the given bit pattern. */
export function fromBits(bits: number): number {
  scratchBits[0] = bits;
  return scratch[0];
}

/** The bit pattern of a float32 value (as a signed 32-bit integer). */
export function toBits(x: number): number {
  scratch[0] = x;
  return scratchBits[0];
}

/** The float32 next to r (a float32) in the direction of +∞ (`up`) or −∞. */
function nextFloat32(r: number, up: boolean): number {
  if (r === 0) return up ? fromBits(1) : -fromBits(1);
  scratch[0] = r;
  scratchBits[0] += r > 0 === up ? 1 : -1;
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
export function rintEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const add = (a: number, b: number): number => f(a + b);
export const sub = (a: number, b: number): number => f(a - b);
export const mul = (a: number, b: number): number => f(a * b);

/** The smallest normal float32, 2^-126. */
export const MIN_NORM_POS = fromBits(0x00800000);
