// Pairwise Gaussian scores s_ij = −(c·(q_i − k_ij))² with c = w/√2, written as an [nq, nk] matrix.
// The difference is scaled before it is squared, so the score is finite wherever its float32
// value is (d² alone overflows from |d| ≈ 1.8e19). Keys are one shared row or one row per query.
//
// Speed: 16 keys an iteration through pointers (one loop counter, no index arithmetic per
// vector), and the negation as an XOR with a sign mask held in a local: f32x4.neg is the same
// bit flip, but V8 rebuilds its mask at every use (see exp.ts on constants in loops).

/** The sign bit of each lane: x ^ SIGN is −x, bit for bit as f32x4.neg. */
export let VSIGN: v128 = i32x4.splat(0x80000000);

/** The negated square of c·(q − k) in four lanes. */
// @ts-ignore: decorator
@inline
function score4(cv: v128, qv: v128, k: v128, sign: v128): v128 {
  const d = f32x4.mul(cv, f32x4.sub(qv, k));
  return v128.xor(f32x4.mul(d, d), sign);
}

export function scores(q: usize, nq: i32, k: usize, nk: i32, perQuery: bool, c: f32, out: usize): void {
  const rowBytes = <usize>nk << 2;
  const cv = f32x4.splat(c);
  const sign = VSIGN;
  for (let i = 0; i < nq; i++) {
    const qi = load<f32>(q + (<usize>i << 2));
    const qv = f32x4.splat(qi);
    const kr = perQuery ? k + <usize>i * rowBytes : k;
    const or = out + <usize>i * rowBytes;
    const end16 = kr + ((<usize>nk & ~15) << 2);
    const end4 = kr + ((<usize>nk & ~3) << 2);
    let kp = kr;
    let op = or;
    for (; kp < end16; kp += 64, op += 64) {
      v128.store(op, score4(cv, qv, v128.load(kp), sign));
      v128.store(op, score4(cv, qv, v128.load(kp, 16), sign), 16);
      v128.store(op, score4(cv, qv, v128.load(kp, 32), sign), 32);
      v128.store(op, score4(cv, qv, v128.load(kp, 48), sign), 48);
    }
    for (; kp < end4; kp += 16, op += 16) v128.store(op, score4(cv, qv, v128.load(kp), sign));
    const end = kr + rowBytes;
    for (; kp < end; kp += 4, op += 4) {
      const d = c * (qi - load<f32>(kp));
      store<f32>(op, -(d * d));
    }
  }
}
