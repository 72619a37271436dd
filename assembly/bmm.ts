// Batched matrix product [batch, n, m] × [batch, m, p] → [batch, n, p].
// For each output row, 16 columns at a time stay in four f32x4 accumulators while the inner
// dimension streams by (acc += a_ik · b_k,j..j+15), so the output is written once.
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
        let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
        for (let kk = 0; kk < m; kk++) {
          const aik = f32x4.splat(load<f32>(ar + (<usize>kk << 2)));
          const br = bt + <usize>kk * pb + jo;
          c0 = f32x4.add(c0, f32x4.mul(aik, v128.load(br)));
          c1 = f32x4.add(c1, f32x4.mul(aik, v128.load(br, 16)));
          c2 = f32x4.add(c2, f32x4.mul(aik, v128.load(br, 32)));
          c3 = f32x4.add(c3, f32x4.mul(aik, v128.load(br, 48)));
        }
        v128.store(or + jo, c0);
        v128.store(or + jo, c1, 16);
        v128.store(or + jo, c2, 32);
        v128.store(or + jo, c3, 48);
      }
      for (; j + 4 <= p; j += 4) {
        const jo = <usize>j << 2;
        let c0 = f32x4.splat(0);
        for (let kk = 0; kk < m; kk++) {
          c0 = f32x4.add(c0, f32x4.mul(f32x4.splat(load<f32>(ar + (<usize>kk << 2))), v128.load(bt + <usize>kk * pb + jo)));
        }
        v128.store(or + jo, c0);
      }
      for (; j < p; j++) {
        const jo = <usize>j << 2;
        let c: f32 = 0;
        for (let kk = 0; kk < m; kk++) c += load<f32>(ar + (<usize>kk << 2)) * load<f32>(bt + <usize>kk * pb + jo);
        store<f32>(or + jo, c);
      }
    }
  }
}
