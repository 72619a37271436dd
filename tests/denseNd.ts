// Float64 dense references shared by the d-dimensional fast path's suites.

/** n points in [lo, lo + scale)^d from r. */
export function uniform(n: number, d: number, scale: number, r: () => number, lo = 0): Float64Array {
  return Float64Array.from({ length: n * d }, () => lo + scale * r());
}

/** Dense float64 families: S[f][c] for f < 1 + d, c < 2 (column 0 weight 1). */
export function denseSums(z: Float64Array, W: Float64Array, u: Float64Array, d: number, i: number): Float64Array {
  const F = 1 + d;
  const nk = z.length / d;
  const ref = new Float64Array(F * 2);
  for (let j = 0; j < nk; j++) {
    let r2 = 0;
    for (let f = 0; f < d; f++) r2 += (u[i * d + f] - z[j * d + f]) ** 2;
    const e = Math.exp(-r2);
    for (let f = 0; f < F; f++) {
      const g = f === 0 ? e : e * (u[i * d + f - 1] - z[j * d + f - 1]) ** 2;
      ref[f * 2] += g;
      ref[f * 2 + 1] += g * W[j];
    }
  }
  return ref;
}
