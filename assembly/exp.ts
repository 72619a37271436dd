// 2^x for x <= 0, on f32x4 lanes and as a scalar twin with the same arithmetic (so a value
// computed in the vector body or in the scalar tail comes out bit for bit the same).
//
// Range reduction: x = n + f with n = round(x), f in [-1/2, 1/2]; 2^n is built directly in
// the exponent bits and 2^f is a degree-5 polynomial, fitted to minimise the relative error on
// [-1/2, 1/2] (7.5e-8 in exact arithmetic, 2.5e-7 evaluated in float32), evaluated in Estrin
// form so its multiplies run in parallel. The kernels fold log2(e) into their score constant,
// so e^s is computed as 2^(s·log2 e) without a separate multiply.
//
// Flush to zero: a result below 2^-100 of the largest term (x < -100) is exactly 0. Such a term
// cannot change a float32 sum whose largest term is 1, and it keeps denormals (which are
// slow on x86) out of the loops.

// @ts-ignore: decorator
@inline const C0: f32 = 1.0000001192092896;
// @ts-ignore: decorator
@inline const C1: f32 = 0.6931469440460205;
// @ts-ignore: decorator
@inline const C2: f32 = 0.24022120237350464;
// @ts-ignore: decorator
@inline const C3: f32 = 0.05550713464617729;
// @ts-ignore: decorator
@inline const C4: f32 = 0.009675540030002594;
// @ts-ignore: decorator
@inline const C5: f32 = 0.0013276454992592335;
/** Below this exponent the result is flushed to 0. */
// @ts-ignore: decorator
@inline export const FLUSH: f32 = -100.0;

/** 2^x in four lanes, for x <= 0 (NaN lanes give 0). */
// @ts-ignore: decorator
@inline
export function exp2x4(x: v128): v128 {
  const keep = f32x4.ge(x, f32x4.splat(FLUSH));
  const xc = f32x4.max(x, f32x4.splat(FLUSH - 1.0));
  const n = f32x4.nearest(xc);
  const f = f32x4.sub(xc, n);
  const f2 = f32x4.mul(f, f);
  const p01 = f32x4.add(f32x4.splat(C0), f32x4.mul(f32x4.splat(C1), f));
  const p23 = f32x4.add(f32x4.splat(C2), f32x4.mul(f32x4.splat(C3), f));
  const p45 = f32x4.add(f32x4.splat(C4), f32x4.mul(f32x4.splat(C5), f));
  const p = f32x4.add(p01, f32x4.mul(f2, f32x4.add(p23, f32x4.mul(f2, p45))));
  // 2^n as float bits: (n + 127) << 23, exact for -126 <= n <= 0.
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return v128.and(f32x4.mul(p, scale), keep);
}

/** The scalar twin of exp2x4: the same operations in the same order. */
// @ts-ignore: decorator
@inline
export function exp2s(x: f32): f32 {
  if (!(x >= FLUSH)) return 0;
  const n = nearest<f32>(x);
  const f = x - n;
  const f2 = f * f;
  const p01 = C0 + C1 * f;
  const p23 = C2 + C3 * f;
  const p45 = C4 + C5 * f;
  const p = p01 + f2 * (p23 + f2 * p45);
  return p * reinterpret<f32>((<i32>n + 127) << 23);
}

/** Test hook: out[i] = 2^x[i] through the vector path (n a multiple of 4) and the scalar tail. */
export function exp2Array(x: usize, n: i32, out: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, exp2x4(v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, exp2s(load<f32>(x + o)));
  }
}
