// Row-wise softmax, stable: each row's maximum m is subtracted, so e = 2^((x − m)·log2 e) <= 1.
// −Infinity entries get weight 0. Returns the first row that cannot be normalised (a NaN or
// +Infinity inside, or every entry −Infinity) or −1; rows before it are written. `out` may be
// `x` (in place): each entry is read before it is written. softmaxCheck finds that row without
// writing anything, so the host can refuse a call before any row reaches the caller.
import { exp2s, exp2x4, V0, V1, V2, V3, V4, V5, VFLUSH, VMAGIC } from './exp';

// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.4426950408889634;
/** log2(e) in four lanes, in a global for the reason exp.ts gives (a v128.const in a loop is rebuilt at every use). */
export let VLOG2E: v128 = f32x4.splat(LOG2E);

/** The row's maximum, or NaN when the row holds a NaN. */
function rowMax(x: usize, cols: i32): f32 {
  // pmax is one maxps (f32x4.max, which propagates NaN, costs V8 eight instructions), so NaNs
  // are caught separately by x != x. Four running maxima: one alone waits on the latency of
  // each pmax (a max is exact, so their order changes nothing).
  let m0 = f32x4.splat(-Infinity);
  let m1 = m0, m2 = m0, m3 = m0;
  let n0 = f32x4.splat(0);
  let n1 = n0;
  let j = 0;
  for (; j + 16 <= cols; j += 16) {
    const p = x + (<usize>j << 2);
    const a = v128.load(p);
    const b = v128.load(p, 16);
    const c = v128.load(p, 32);
    const d = v128.load(p, 48);
    m0 = f32x4.pmax(m0, a);
    m1 = f32x4.pmax(m1, b);
    m2 = f32x4.pmax(m2, c);
    m3 = f32x4.pmax(m3, d);
    n0 = v128.or(n0, v128.or(f32x4.ne(a, a), f32x4.ne(b, b)));
    n1 = v128.or(n1, v128.or(f32x4.ne(c, c), f32x4.ne(d, d)));
  }
  for (; j + 4 <= cols; j += 4) {
    const v = v128.load(x + (<usize>j << 2));
    m0 = f32x4.pmax(m0, v);
    n0 = v128.or(n0, f32x4.ne(v, v));
  }
  if (v128.any_true(v128.or(n0, n1))) return NaN;
  const mv = f32x4.pmax(f32x4.pmax(m0, m1), f32x4.pmax(m2, m3));
  let m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
  for (; j < cols; j++) m = max(m, load<f32>(x + (<usize>j << 2)));
  return m;
}

/** The first row of x [rows, cols] that softmax cannot normalise, or −1; writes nothing. */
export function softmaxCheck(x: usize, rows: i32, cols: i32): i32 {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const m = rowMax(x + <usize>r * rowBytes, cols);
    if (!(m > -Infinity && m < Infinity)) return r;
  }
  return -1;
}

export function softmax(x: usize, rows: i32, cols: i32, out: usize): i32 {
  const k0 = V0, k1 = V1, k2 = V2, k3 = V3, k4 = V4, k5 = V5, magic = VMAGIC, flush = VFLUSH;
  const rowBytes = <usize>cols << 2;
  const l2e = VLOG2E;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes;
    const or = out + <usize>r * rowBytes;
    const m = rowMax(xr, cols);
    if (!(m > -Infinity && m < Infinity)) return r;
    const mv = f32x4.splat(m);
    let sum: f64 = 0;
    let acc = f32x4.splat(0);
    let j = 0;
    let blockEnd = 0;
    while (j + 4 <= cols) {
      // fold the lanes into f64 every 1024 entries so the error does not grow with the row length
      blockEnd = min(cols & ~3, j + 1024);
      acc = f32x4.splat(0);
      for (; j < blockEnd; j += 4) {
        const o = <usize>j << 2;
        const e = exp2x4(f32x4.mul(f32x4.sub(v128.load(xr + o), mv), l2e), k0, k1, k2, k3, k4, k5, magic, flush);
        v128.store(or + o, e);
        acc = f32x4.add(acc, e);
      }
      sum += <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1) + <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      const e = exp2s((load<f32>(xr + o) - m) * LOG2E);
      store<f32>(or + o, e);
      sum += e;
    }
    const inv = <f32>(1.0 / sum);
    const iv = f32x4.splat(inv);
    j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      v128.store(or + o, f32x4.mul(v128.load(or + o), iv));
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      store<f32>(or + o, load<f32>(or + o) * inv);
    }
  }
  return -1;
}
