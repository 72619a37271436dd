// Batched matrix product [batch, n, m] × [batch, m, p] → [batch, n, p].
// For each output row, 16 columns at a time stay in four f32x4 accumulators while the inner
// dimension streams by (acc += a_ik · b_k,j..j+15), so the output is written once. The inner
// dimension is taken in blocks of at most BLOCK terms; each block's f32x4 sums are folded into
// f64x2 totals (as the pooling kernels do, see lanes.ts), so the rounding error of a dot product
// does not grow with m. Every lane here sums a whole block (not a quarter of it, as in the
// pooling kernels), so the block is a quarter of lanes.ts's: 256 terms, relative error ≲ 3e-6.

// @ts-ignore: decorator
@inline const BLOCK: i32 = 256;

/** The low two lanes of an f32x4, in f64. */
// @ts-ignore: decorator
@inline
function lo(x: v128): v128 {
  return f64x2.promote_low_f32x4(x);
}

/** The high two lanes of an f32x4, in f64. */
// @ts-ignore: decorator
@inline
function hi(x: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1));
}

export function bmm(a: usize, b: usize, out: usize, batch: i32, n: i32, m: i32, p: i32): void {
  const pb = <usize>p << 2;
  for (let t = 0; t < batch; t++) {
    const at = a + <usize>t * <usize>n * <usize>m * 4;
    const bt = b + <usize>t * <usize>m * pb;
    const ot = out + <usize>t * <usize>n * pb;
    for (let i = 0; i < n; i++) {
      const ar = at + <usize>i * <usize>m * 4;
      const or = ot + <usize>i * pb;
      let j = 0;
      for (; j + 16 <= p; j += 16) {
        const jo = <usize>j << 2;
        let d0 = f64x2.splat(0), d1 = f64x2.splat(0), d2 = f64x2.splat(0), d3 = f64x2.splat(0);
        let d4 = f64x2.splat(0), d5 = f64x2.splat(0), d6 = f64x2.splat(0), d7 = f64x2.splat(0);
        for (let k0 = 0; k0 < m; k0 += BLOCK) {
          const k1 = min(m, k0 + BLOCK);
          let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
          for (let kk = k0; kk < k1; kk++) {
            const aik = f32x4.splat(load<f32>(ar + (<usize>kk << 2)));
            const br = bt + <usize>kk * pb + jo;
            c0 = f32x4.add(c0, f32x4.mul(aik, v128.load(br)));
            c1 = f32x4.add(c1, f32x4.mul(aik, v128.load(br, 16)));
            c2 = f32x4.add(c2, f32x4.mul(aik, v128.load(br, 32)));
            c3 = f32x4.add(c3, f32x4.mul(aik, v128.load(br, 48)));
          }
          d0 = f64x2.add(d0, lo(c0));
          d1 = f64x2.add(d1, hi(c0));
          d2 = f64x2.add(d2, lo(c1));
          d3 = f64x2.add(d3, hi(c1));
          d4 = f64x2.add(d4, lo(c2));
          d5 = f64x2.add(d5, hi(c2));
          d6 = f64x2.add(d6, lo(c3));
          d7 = f64x2.add(d7, hi(c3));
        }
        v128.store(or + jo, v128.shuffle<f32>(f32x4.demote_f64x2_zero(d0), f32x4.demote_f64x2_zero(d1), 0, 1, 4, 5));
        v128.store(or + jo, v128.shuffle<f32>(f32x4.demote_f64x2_zero(d2), f32x4.demote_f64x2_zero(d3), 0, 1, 4, 5), 16);
        v128.store(or + jo, v128.shuffle<f32>(f32x4.demote_f64x2_zero(d4), f32x4.demote_f64x2_zero(d5), 0, 1, 4, 5), 32);
        v128.store(or + jo, v128.shuffle<f32>(f32x4.demote_f64x2_zero(d6), f32x4.demote_f64x2_zero(d7), 0, 1, 4, 5), 48);
      }
      for (; j + 4 <= p; j += 4) {
        const jo = <usize>j << 2;
        let d0 = f64x2.splat(0), d1 = f64x2.splat(0);
        for (let k0 = 0; k0 < m; k0 += BLOCK) {
          const k1 = min(m, k0 + BLOCK);
          let c0 = f32x4.splat(0);
          for (let kk = k0; kk < k1; kk++) {
            c0 = f32x4.add(c0, f32x4.mul(f32x4.splat(load<f32>(ar + (<usize>kk << 2))), v128.load(bt + <usize>kk * pb + jo)));
          }
          d0 = f64x2.add(d0, lo(c0));
          d1 = f64x2.add(d1, hi(c0));
        }
        v128.store(or + jo, v128.shuffle<f32>(f32x4.demote_f64x2_zero(d0), f32x4.demote_f64x2_zero(d1), 0, 1, 4, 5));
      }
      for (; j < p; j++) {
        const jo = <usize>j << 2;
        let s: f64 = 0;
        for (let k0 = 0; k0 < m; k0 += BLOCK) {
          const k1 = min(m, k0 + BLOCK);
          let c: f32 = 0;
          for (let kk = k0; kk < k1; kk++) c += load<f32>(ar + (<usize>kk << 2)) * load<f32>(bt + <usize>kk * pb + jo);
          s += <f64>c;
        }
        store<f32>(or + jo, <f32>s);
      }
    }
  }
}
