// 2^x for x <= 0, on f32x4 lanes and as a scalar twin with the same arithmetic (so a value
// computed in the vector body or in the scalar tail comes out bit for bit the same).
//
// Range reduction: x = n + f with n = round(x), f in [-1/2, 1/2]. Adding 1.5·2^23 + 127 rounds
// x to an integer in the float adder itself (ties to even, like `nearest`) and leaves n + 127
// in the low bits of the sum t, so shifting t's bits left by 23 gives the bits of 2^n with no
// float-to-int conversion (V8 expands the saturating one into several x86 instructions).
// 2^f is a degree-5 polynomial fitted to minimise the relative error on [-1/2, 1/2] (7.5e-8 in
// exact arithmetic, 2.5e-7 evaluated in float32), in Estrin form so its multiplies overlap.
// The kernels fold log2(e) into their score constant, so e^s is computed as 2^(s·log2 e).
//
// Flush to zero: a result below 2^-100 of the largest term (x < -100) is exactly 0. Such a term
// cannot change a float32 sum whose largest term is 1, and it keeps denormals (slow on x86)
// out of the loops.
//
// Speed: Binaryen folds f32x4.splat(constant) into v128.const, and V8 rebuilds a v128.const at
// every use inside a loop (it does not hoist them). So the vector constants live in mutable
// globals, which kernels copy into locals once (`ExpConstants`), and exp2x4 takes them as
// arguments; measured 1.6× faster than constants in the loop.

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
/** 1.5·2^23 + 127: x + MAGIC is an integer-valued float whose low bits are round(x) + 127. */
// @ts-ignore: decorator
@inline const MAGIC: f32 = 12583039.0;
/** Below this exponent the result is flushed to 0. */
// @ts-ignore: decorator
@inline export const FLUSH: f32 = -100.0;

export let V0: v128 = f32x4.splat(C0);
export let V1: v128 = f32x4.splat(C1);
export let V2: v128 = f32x4.splat(C2);
export let V3: v128 = f32x4.splat(C3);
export let V4: v128 = f32x4.splat(C4);
export let V5: v128 = f32x4.splat(C5);
export let VMAGIC: v128 = f32x4.splat(MAGIC);
export let VFLUSH: v128 = f32x4.splat(FLUSH);

/**
 * c + a·b in four lanes: f32x4.relaxed_madd in the relaxed-SIMD build (fused where the machine
 * has FMA), else a multiply and an add, emitted exactly as the plain build always had them.
 */
// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** 2^x in four lanes, for x <= 0 (NaN lanes give 0); k0…k5, magic, flush are V0…V5, VMAGIC, VFLUSH. */
// @ts-ignore: decorator
@inline
export function exp2x4(x: v128, k0: v128, k1: v128, k2: v128, k3: v128, k4: v128, k5: v128, magic: v128, flush: v128): v128 {
  // No clamp is needed before the reduction: a lane below −100 (or NaN, or −Infinity) may
  // come out of it as garbage, and `keep` zeroes exactly those lanes.
  const keep = f32x4.ge(x, flush);
  const t = f32x4.add(x, magic);
  const f = f32x4.sub(x, f32x4.sub(t, magic));
  const f2 = f32x4.mul(f, f);
  const p01 = madd(k1, f, k0);
  const p23 = madd(k3, f, k2);
  const p45 = madd(k5, f, k4);
  const p = madd(f2, madd(f2, p45, p23), p01);
  return v128.and(f32x4.mul(p, i32x4.shl(t, 23)), keep);
}

/** The scalar twin of exp2x4: the same operations in the same order (in the relaxed build the vector lanes may be fused, so they agree to within rounding, not bit for bit). */
// @ts-ignore: decorator
@inline
export function exp2s(x: f32): f32 {
  if (!(x >= FLUSH)) return 0;
  const t = x + MAGIC;
  const f = x - (t - MAGIC);
  const f2 = f * f;
  const p01 = C0 + C1 * f;
  const p23 = C2 + C3 * f;
  const p45 = C4 + C5 * f;
  const p = p01 + f2 * (p23 + f2 * p45);
  return p * reinterpret<f32>(reinterpret<i32>(t) << 23);
}

/** Test hook: out[i] = 2^x[i] through the vector path (n a multiple of 4) and the scalar tail. */
export function exp2Array(x: usize, n: i32, out: usize): void {
  const k0 = V0, k1 = V1, k2 = V2, k3 = V3, k4 = V4, k5 = V5, magic = VMAGIC, flush = VFLUSH;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, exp2x4(v128.load(x + o), k0, k1, k2, k3, k4, k5, magic, flush));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, exp2s(load<f32>(x + o)));
  }
}
