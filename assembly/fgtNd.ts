// The two O(n·T) loops of the d-dimensional fast Gauss transform (src/fast/nd/hermiteTransform.ts,
// host side src/fast/nd/wasmHermite.ts) in f64x2: the Hermite moments of a block of sources and
// the Taylor polynomial at a block of targets. Everything is float64; the host owns the memory
// and the rounding allowance (the chains here are no longer than those of its JS loops).
//
// Multi-indices α (|α| < p, α₂ innermost, d = 2: α₂ = 0 only) are listed as in
// src/fast/nd/multiIndex.ts; run(α₀, α₁) = start[α₀·p + α₁] is where (α₀, α₁, 0) sits.

/**
 * out[c·T + t] = Σ_{s < m} wb[c·stride + s]·Π_k pw[(k·p + α_k(t))·stride + s] for c < nw, the T
 * multi-indices in order. Rows are `stride` floats apart, m a multiple of 4 (padding sources
 * have weight 0, finite powers); at d = 2 row 2p must be ones. y: scratch of 2·stride floats.
 * Each sum runs in 2 lanes × 4 (α₂ + 0…3) or 1 chains, so its rounding chain is ≤ m/2 + 2.
 */
export function fgtMoments(pw: usize, wb: usize, m: i32, stride: i32, p: i32, d: i32, nw: i32, T: i32, y: usize, out: usize): void {
  const rs = <usize>stride << 3;
  const y1 = y + rs;
  for (let c = 0; c < nw; c++) {
    let t = c * T;
    const wrow = wb + <usize>c * rs;
    for (let i = 0; i < p; i++) {
      const r0 = pw + <usize>i * rs;
      for (let s = 0; s < m; s += 2) {
        const o = <usize>s << 3;
        v128.store(y + o, f64x2.mul(v128.load(wrow + o), v128.load(r0 + o)));
      }
      for (let j = 0; i + j < p; j++) {
        const r1 = pw + <usize>(p + j) * rs;
        for (let s = 0; s < m; s += 2) {
          const o = <usize>s << 3;
          v128.store(y1 + o, f64x2.mul(v128.load(y + o), v128.load(r1 + o)));
        }
        const top = d === 3 ? p - i - j : 1;
        let k = 0;
        for (; k + 4 <= top; k += 4) {
          const q0 = pw + <usize>(2 * p + k) * rs;
          const q1 = q0 + rs;
          const q2 = q1 + rs;
          const q3 = q2 + rs;
          let a0 = f64x2.splat(0);
          let a1 = f64x2.splat(0);
          let a2 = f64x2.splat(0);
          let a3 = f64x2.splat(0);
          for (let s = 0; s < m; s += 2) {
            const o = <usize>s << 3;
            const yv = v128.load(y1 + o);
            a0 = f64x2.add(a0, f64x2.mul(yv, v128.load(q0 + o)));
            a1 = f64x2.add(a1, f64x2.mul(yv, v128.load(q1 + o)));
            a2 = f64x2.add(a2, f64x2.mul(yv, v128.load(q2 + o)));
            a3 = f64x2.add(a3, f64x2.mul(yv, v128.load(q3 + o)));
          }
          const at = out + (<usize>(t + k) << 3);
          store<f64>(at, f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1));
          store<f64>(at + 8, f64x2.extract_lane(a1, 0) + f64x2.extract_lane(a1, 1));
          store<f64>(at + 16, f64x2.extract_lane(a2, 0) + f64x2.extract_lane(a2, 1));
          store<f64>(at + 24, f64x2.extract_lane(a3, 0) + f64x2.extract_lane(a3, 1));
        }
        for (; k < top; k++) {
          const q0 = pw + <usize>(2 * p + k) * rs;
          let a0 = f64x2.splat(0);
          let a1 = f64x2.splat(0);
          for (let s = 0; s < m; s += 4) {
            const o = <usize>s << 3;
            a0 = f64x2.add(a0, f64x2.mul(v128.load(y1 + o), v128.load(q0 + o)));
            a1 = f64x2.add(a1, f64x2.mul(v128.load(y1 + o + 16), v128.load(q0 + o + 16)));
          }
          const a = f64x2.add(a0, a1);
          store<f64>(out + (<usize>(t + k) << 3), f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1));
        }
        t += top;
      }
    }
  }
}

/**
 * out[c·stride + s] = Σ_β L[c·T + β]·x₀^{β₀} x₁^{β₁} x₂^{β₂} (x_k = x[k·stride + s]) for c < cols
 * and s < m (a multiple of 4), by nested Horner, four targets (two f64x2) at a time so two
 * independent chains hide the multiply-add latency. start: i32 [p·p] (run positions).
 */
export function fgtEvaluate(L: usize, T: i32, cols: i32, start: usize, p: i32, d: i32, x: usize, m: i32, stride: i32, out: usize): void {
  const rs = <usize>stride << 3;
  for (let c = 0; c < cols; c++) {
    const Lc = L + (<usize>(c * T) << 3);
    const oc = out + <usize>c * rs;
    for (let s = 0; s < m; s += 4) {
      const o = <usize>s << 3;
      const x0a = v128.load(x + o);
      const x0b = v128.load(x + o + 16);
      const x1a = v128.load(x + rs + o);
      const x1b = v128.load(x + rs + o + 16);
      const x2a = v128.load(x + 2 * rs + o);
      const x2b = v128.load(x + 2 * rs + o + 16);
      let v0a = f64x2.splat(0);
      let v0b = f64x2.splat(0);
      for (let i = p - 1; i >= 0; i--) {
        let v1a = f64x2.splat(0);
        let v1b = f64x2.splat(0);
        for (let j = p - 1 - i; j >= 0; j--) {
          const run = Lc + (<usize>load<i32>(start + (<usize>(i * p + j) << 2)) << 3);
          let v2a = f64x2.splat(0);
          let v2b = f64x2.splat(0);
          const top = d === 3 ? p - 1 - i - j : 0;
          for (let k = top; k >= 0; k--) {
            const cf = v128.load64_splat(run + (<usize>k << 3));
            v2a = f64x2.add(f64x2.mul(v2a, x2a), cf);
            v2b = f64x2.add(f64x2.mul(v2b, x2b), cf);
          }
          v1a = f64x2.add(f64x2.mul(v1a, x1a), v2a);
          v1b = f64x2.add(f64x2.mul(v1b, x1b), v2b);
        }
        v0a = f64x2.add(f64x2.mul(v0a, x0a), v1a);
        v0b = f64x2.add(f64x2.mul(v0b, x0b), v1b);
      }
      v128.store(oc + o, v0a);
      v128.store(oc + o + 16, v0b);
    }
  }
}
