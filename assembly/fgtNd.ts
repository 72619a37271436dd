// The two O(n·T) loops of the d-dimensional fast Gauss transform (src/fast/nd/hermiteTransform.ts,
// host side src/fast/nd/wasmHermite.ts) in f64x2: the Hermite moments of a block of sources and
// the Taylor polynomial at a block of targets. Everything is float64; the host owns the memory
// and the rounding allowance (the chains here are no longer than those of its JS loops).
//
// Multi-indices α (|α| < p, α₂ innermost, d = 2: α₂ = 0 only) are listed as in
// src/fast/nd/multiIndex.ts; run(α₀, α₁) = start[α₀·p + α₁] is where (α₀, α₁, 0) sits.

/**
 * out[c·T + t] = Σ_{s < m} wb[c·stride + s]·Π_k pw[(k·p + α_k(t))·stride + s] for c < nw, the T
 * multi-indices in order, where the rows pw[k·p + n] = a_k^n/n! are formed here from the offsets
 * a [d rows] as products (pw[n + 1] = pw[n]·(a·inv[n]), inv[n] = 1/(n + 1), as the JS loop does),
 * and at d = 2 row 2p is ones. Rows are `stride` floats apart, m a multiple of 4 (padding sources
 * have weight 0 and finite offsets). y: scratch of 2·stride floats. Each sum runs in 2 lanes × 4
 * (α₂ + 0…3) or 1 chains, so its rounding chain is ≤ m/2 + 2.
 */
export function fgtMoments(a: usize, inv: usize, pw: usize, wb: usize, m: i32, stride: i32, p: i32, d: i32, nw: i32, T: i32, y: usize, out: usize): void {
  const rs = <usize>stride << 3;
  for (let k = 0; k < d; k++) {
    const ak = a + <usize>k * rs;
    let prev = pw + <usize>(k * p) * rs;
    for (let s = 0; s < m; s += 2) v128.store(prev + (<usize>s << 3), f64x2.splat(1));
    for (let n = 0; n + 1 < p; n++) {
      const next = prev + rs;
      const c = f64x2.splat(load<f64>(inv + (<usize>n << 3)));
      for (let s = 0; s < m; s += 2) {
        const o = <usize>s << 3;
        v128.store(next + o, f64x2.mul(v128.load(prev + o), f64x2.mul(v128.load(ak + o), c)));
      }
      prev = next;
    }
  }
  if (d === 2) {
    const r2 = pw + <usize>(2 * p) * rs;
    for (let s = 0; s < m; s += 2) v128.store(r2 + (<usize>s << 3), f64x2.splat(1));
  }
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

// The separable translation (src/fast/nd/hermiteTranslate.ts, which states the sums and the
// layouts): one call per target row t₂ (stage 1), per target (t₁, t₂) (stage 2) and per target
// box (stage 3). Arrays are f64 unless said; `run`, `count` i32; `colUsed`, `rowUsed` u8. At
// d = 3 the β₂ stride P3 is p rounded up to even, so the f64x2 loops over β₂ in stages 1 and 2
// run to it (the extra slot is padding: finite, never read as a result; the tables have
// 2p + 1 ≥ p + P3 entries a row). Every output is one chain of additions over (box, α_k) in order,
// ≤ p·(boxes in reach) long.

/** C1[(col·p·p + α₀p + α₁)·P3 + β₂] = Σ_{s₂} Σ_{α₂} mom[…α…]·tab2[(t₂ − s₂ + M)·Lh + α₂ + β₂]. */
export function fgtStage1(C1: usize, mom: usize, nw: i32, c: i32, T: i32, run: usize, p: i32, P3: i32, nb0: i32, nb1: i32, nb2: i32, count: usize, colUsed: usize, t2: i32, M: i32, tab2: usize, Lh: i32): void {
  const block = p * p * P3;
  memory.fill(C1, 0, <usize>(nb0 * nb1 * block) << 3);
  const lo2 = max(0, t2 - M);
  const hi2 = min(nb2 - 1, t2 + M);
  const three = P3 > 1;
  for (let col = 0; col < nb0 * nb1; col++) {
    if (load<u8>(colUsed + <usize>col) === 0) continue;
    const cb = C1 + (<usize>(col * block) << 3);
    for (let s2 = lo2; s2 <= hi2; s2++) {
      const S = col + nb0 * nb1 * s2;
      if (load<i32>(count + (<usize>S << 2)) === 0) continue;
      const mo = mom + (<usize>((S * nw + c) * T) << 3);
      const at2 = tab2 + (<usize>((t2 - s2 + M) * Lh) << 3);
      for (let a0 = 0; a0 < p; a0++) {
        for (let a1 = 0; a0 + a1 < p; a1++) {
          const s = mo + (<usize>load<i32>(run + (<usize>(a0 * p + a1) << 2)) << 3);
          const o = cb + (<usize>((a0 * p + a1) * P3) << 3);
          if (!three) {
            store<f64>(o, load<f64>(o) + load<f64>(s) * load<f64>(at2));
            continue;
          }
          const len = p - a0 - a1;
          for (let a2 = 0; a2 < len; a2++) {
            const m = f64x2.splat(load<f64>(s + (<usize>a2 << 3)));
            const tb = at2 + (<usize>a2 << 3);
            for (let b2 = 0; b2 < P3; b2 += 2) {
              const q = <usize>b2 << 3;
              v128.store(o + q, f64x2.add(v128.load(o + q), f64x2.mul(m, v128.load(tb + q))));
            }
          }
        }
      }
    }
  }
}

/** C2[(s₀·p·p + α₀p + β₁)·P3 + β₂] = Σ_{s₁} Σ_{α₁} C1[…]·tab1[(t₁ − s₁ + M)·Lh + α₁ + β₁], β₁ + β₂ < p. */
export function fgtStage2(C2: usize, C1: usize, p: i32, P3: i32, nb0: i32, nb1: i32, colUsed: usize, rowUsed: usize, t1: i32, M: i32, tab1: usize, Lh: i32): void {
  const block = p * p * P3;
  memory.fill(C2, 0, <usize>(nb0 * block) << 3);
  const lo1 = max(0, t1 - M);
  const hi1 = min(nb1 - 1, t1 + M);
  const three = P3 > 1;
  for (let s0 = 0; s0 < nb0; s0++) {
    if (load<u8>(rowUsed + <usize>s0) === 0) continue;
    const rb = C2 + (<usize>(s0 * block) << 3);
    for (let s1 = lo1; s1 <= hi1; s1++) {
      const col = s0 + nb0 * s1;
      if (load<u8>(colUsed + <usize>col) === 0) continue;
      const cb = C1 + (<usize>(col * block) << 3);
      const at1 = tab1 + (<usize>((t1 - s1 + M) * Lh) << 3);
      for (let a0 = 0; a0 < p; a0++) {
        const na1 = p - a0;
        for (let b1 = 0; b1 < p; b1++) {
          const o = rb + (<usize>((a0 * p + b1) * P3) << 3);
          if (!three) {
            // d = 2 (P3 = 1): C1's α₁ and the table's α₁ + β₁ are both contiguous, so pairs of α₁
            // in f64x2 (two shorter chains, added at the end)
            const ci = cb + (<usize>(a0 * p) << 3);
            const ti = at1 + (<usize>b1 << 3);
            let acc2 = f64x2.splat(0);
            let a1 = 0;
            for (; a1 + 2 <= na1; a1 += 2) acc2 = f64x2.add(acc2, f64x2.mul(v128.load(ci + (<usize>a1 << 3)), v128.load(ti + (<usize>a1 << 3))));
            let acc = load<f64>(o) + (f64x2.extract_lane(acc2, 0) + f64x2.extract_lane(acc2, 1));
            if (a1 < na1) acc += load<f64>(ci + (<usize>a1 << 3)) * load<f64>(ti + (<usize>a1 << 3));
            store<f64>(o, acc);
            continue;
          }
          const nb2 = p - b1;
          for (let a1 = 0; a1 < na1; a1++) {
            const f = f64x2.splat(load<f64>(at1 + (<usize>(a1 + b1) << 3)));
            const ci = cb + (<usize>((a0 * p + a1) * P3) << 3);
            for (let b2 = 0; b2 < nb2; b2 += 2) {
              const q = <usize>b2 << 3;
              v128.store(o + q, f64x2.add(v128.load(o + q), f64x2.mul(v128.load(ci + q), f)));
            }
          }
        }
      }
    }
  }
}

/** loc[at + β] += Σ_{s₀} Σ_{α₀} C2[(s₀·p·p + α₀p + β₁)·P3 + β₂]·tab0[(t₀ − s₀ + M)·Lh + α₀ + β₀], β in multi-index order. */
export function fgtStage3(loc: usize, C2: usize, p: i32, P3: i32, nb0: i32, rowUsed: usize, t0: i32, M: i32, tab0: usize, Lh: i32): void {
  const block = p * p * P3;
  const lo0 = max(0, t0 - M);
  const hi0 = min(nb0 - 1, t0 + M);
  const three = P3 > 1;
  for (let s0 = lo0; s0 <= hi0; s0++) {
    if (load<u8>(rowUsed + <usize>s0) === 0) continue;
    const rb = C2 + (<usize>(s0 * block) << 3);
    const at0 = tab0 + (<usize>((t0 - s0 + M) * Lh) << 3);
    let t = loc;
    if (!three) {
      // d = 2: the β in multi-index order run over β₁ for each β₀, and so do C2's (P3 = 1):
      // f64x2 over pairs of β₁, each output still one chain over α₀ in order
      for (let b0 = 0; b0 < p; b0++) {
        const n1 = p - b0;
        for (let a0 = 0; a0 < p; a0++) {
          const fs = load<f64>(at0 + (<usize>(a0 + b0) << 3));
          const f = f64x2.splat(fs);
          const ci = rb + (<usize>(a0 * p) << 3);
          let b1 = 0;
          for (; b1 + 2 <= n1; b1 += 2) {
            const q = <usize>b1 << 3;
            v128.store(t + q, f64x2.add(v128.load(t + q), f64x2.mul(v128.load(ci + q), f)));
          }
          if (b1 < n1) {
            const q = <usize>b1 << 3;
            store<f64>(t + q, load<f64>(t + q) + load<f64>(ci + q) * fs);
          }
        }
        t += <usize>n1 << 3;
      }
      continue;
    }
    for (let b0 = 0; b0 < p; b0++) {
      for (let b1 = 0; b0 + b1 < p; b1++) {
        const n = three ? p - b0 - b1 : 1;
        for (let a0 = 0; a0 < p; a0++) {
          const fs = load<f64>(at0 + (<usize>(a0 + b0) << 3));
          const f = f64x2.splat(fs);
          const ci = rb + (<usize>((a0 * p + b1) * P3) << 3);
          let b2 = 0;
          for (; b2 + 2 <= n; b2 += 2) {
            const q = <usize>b2 << 3;
            v128.store(t + q, f64x2.add(v128.load(t + q), f64x2.mul(v128.load(ci + q), f)));
          }
          if (b2 < n) {
            const q = <usize>b2 << 3;
            store<f64>(t + q, load<f64>(t + q) + load<f64>(ci + q) * fs);
          }
        }
        t += <usize>n << 3;
      }
    }
  }
}
