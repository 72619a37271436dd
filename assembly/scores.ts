// Pairwise Gaussian scores s_ij = −(c·(q_i − k_ij))² with c = w/√2, written as an [nq, nk] matrix.
// The difference is scaled before it is squared, so the score is finite wherever its float32
// value is (d² alone overflows from |d| ≈ 1.8e19). Keys are one shared row or one row per query.
export function scores(q: usize, nq: i32, k: usize, nk: i32, perQuery: bool, c: f32, out: usize): void {
  const rowBytes = <usize>nk << 2;
  const cv = f32x4.splat(c);
  for (let i = 0; i < nq; i++) {
    const qi = load<f32>(q + (<usize>i << 2));
    const qv = f32x4.splat(qi);
    const kr = perQuery ? k + <usize>i * rowBytes : k;
    const or = out + <usize>i * rowBytes;
    let j = 0;
    for (; j + 4 <= nk; j += 4) {
      const o = <usize>j << 2;
      const d = f32x4.mul(cv, f32x4.sub(qv, v128.load(kr + o)));
      v128.store(or + o, f32x4.neg(f32x4.mul(d, d)));
    }
    for (; j < nk; j++) {
      const o = <usize>j << 2;
      const d = c * (qi - load<f32>(kr + o));
      store<f32>(or + o, -(d * d));
    }
  }
}
