// Pairwise Gaussian scores s_ij = −c·(q_i − k_ij)² with c = w²/2, written as an [nq, nk] matrix.
// Keys are one shared row or one row per query.
export function scores(q: usize, nq: i32, k: usize, nk: i32, perQuery: bool, c: f32, out: usize): void {
  const rowBytes = <usize>nk << 2;
  const nc = f32x4.splat(-c);
  for (let i = 0; i < nq; i++) {
    const qi = load<f32>(q + (<usize>i << 2));
    const qv = f32x4.splat(qi);
    const kr = perQuery ? k + <usize>i * rowBytes : k;
    const or = out + <usize>i * rowBytes;
    let j = 0;
    for (; j + 4 <= nk; j += 4) {
      const o = <usize>j << 2;
      const d = f32x4.sub(qv, v128.load(kr + o));
      v128.store(or + o, f32x4.mul(nc, f32x4.mul(d, d)));
    }
    for (; j < nk; j++) {
      const o = <usize>j << 2;
      const d = qi - load<f32>(kr + o);
      store<f32>(or + o, -c * (d * d));
    }
  }
}
