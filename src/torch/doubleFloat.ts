// SLEEF's double-float arithmetic: a value as an unevaluated sum hi + lo of two float32s whose
// exact products come from FMAs (see float32.ts).
import { add, f, fma32, mul, sub } from './float32.js';

/** hi + lo, |lo| ≤ ulp(hi)/2: about 48 bits of precision from two floats. */
export type DoubleFloat = [hi: number, lo: number];

export const fms = (x: number, y: number, z: number): number => fma32(x, y, -z); // x·y − z, one rounding
export const fnma = (x: number, y: number, z: number): number => fma32(-x, y, z); // z − x·y, one rounding

export function dfNormalize(t: DoubleFloat): DoubleFloat {
  const hi = add(t[0], t[1]);
  return [hi, add(sub(t[0], hi), t[1])];
}

export function dfScale(d: DoubleFloat, s: number): DoubleFloat {
  return [mul(d[0], s), mul(d[1], s)];
}

/** x + y for |x| ≥ |y| (fast two-sum). */
export function dfAdd(x: number, y: number): DoubleFloat {
  const hi = add(x, y);
  return [hi, add(sub(x, hi), y)];
}

/** x + y for any magnitudes (two-sum). */
export function dfAdd2(x: number, y: number): DoubleFloat {
  const hi = add(x, y);
  const v = sub(hi, x);
  return [hi, add(sub(x, sub(hi, v)), sub(y, v))];
}

export function dfAddDfF(x: DoubleFloat, y: number): DoubleFloat {
  const hi = add(x[0], y);
  return [hi, add(add(sub(x[0], hi), y), x[1])];
}

export function dfAdd2DfF(x: DoubleFloat, y: number): DoubleFloat {
  const hi = add(x[0], y);
  const v = sub(hi, x[0]);
  return [hi, add(add(sub(x[0], sub(hi, v)), sub(y, v)), x[1])];
}

export function dfAddFDf(x: number, y: DoubleFloat): DoubleFloat {
  const hi = add(x, y[0]);
  return [hi, add(add(sub(x, hi), y[0]), y[1])];
}

export function dfAddDfDf(x: DoubleFloat, y: DoubleFloat): DoubleFloat {
  const hi = add(x[0], y[0]);
  return [hi, add(add(add(sub(x[0], hi), y[0]), x[1]), y[1])];
}

export function dfAdd2DfDf(x: DoubleFloat, y: DoubleFloat): DoubleFloat {
  const hi = add(x[0], y[0]);
  const v = sub(hi, x[0]);
  return [hi, add(add(sub(x[0], sub(hi, v)), sub(y[0], v)), add(x[1], y[1]))];
}

export function dfMulDfF(x: DoubleFloat, y: number): DoubleFloat {
  const hi = mul(x[0], y);
  return [hi, fma32(x[1], y, fms(x[0], y, hi))];
}

export function dfMulDfDf(x: DoubleFloat, y: DoubleFloat): DoubleFloat {
  const hi = mul(x[0], y[0]);
  return [hi, fma32(x[0], y[1], fma32(x[1], y[0], fms(x[0], y[0], hi)))];
}

/** x·y rounded to one float. */
export function dfMulToFloat(x: DoubleFloat, y: DoubleFloat): number {
  return fma32(x[0], y[0], fma32(x[1], y[0], mul(x[0], y[1])));
}

export function dfSquare(x: DoubleFloat): DoubleFloat {
  const hi = mul(x[0], x[0]);
  return [hi, fma32(add(x[0], x[0]), x[1], fms(x[0], x[0], hi))];
}

export function dfDiv(n: DoubleFloat, d: DoubleFloat): DoubleFloat {
  const t = f(1 / d[0]);
  const hi = mul(n[0], t);
  const u = fms(t, n[0], hi);
  const lo = fnma(d[1], t, fnma(d[0], t, 1));
  return [hi, fma32(hi, lo, fma32(n[1], t, u))];
}
