/**
 * The normal-reference rule of thumb statsmodels' KernelReg starts its search from:
 * h_k = 1.06 · σ_k · n^(−1/(4+d)), σ_k the standard deviation of variable k (divided by n, as
 * numpy's default). A variable that does not vary gets h = 1 (any start serves: its kernel is
 * 1 whatever h is).
 */
export function normalReference(x: Float64Array, n: number, d: number): Float64Array {
  const h = new Float64Array(d);
  const factor = 1.06 * n ** (-1 / (4 + d));
  for (let k = 0; k < d; k++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x[i * d + k];
    mean /= n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (x[i * d + k] - mean) ** 2;
    const sd = Math.sqrt(ss / n);
    h[k] = sd > 0 ? factor * sd : 1;
  }
  return h;
}
