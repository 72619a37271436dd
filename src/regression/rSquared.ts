/**
 * R² as R's np package defines it (Racine's "Nonparametric Econometrics: A Primer", p. 45):
 * [Σ(y − ȳ)(ŷ − ȳ)]² / (Σ(y − ȳ)² · Σ(ŷ − ȳ)²) with ȳ the mean of y. statsmodels'
 * `r_squared()` writes the same formula but centres both sums at the mean of ŷ instead; the two
 * agree when mean(ŷ) = ȳ (local linear with a global linear fit, say) and differ slightly
 * otherwise. It lies in [0, 1]; a constant fit (or constant y) explains nothing, and gets 0.
 */
export function rSquared(y: Float64Array, yHat: Float64Array): number {
  const n = y.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i];
  mean /= n;
  let cross = 0;
  let yy = 0;
  let ff = 0;
  for (let i = 0; i < n; i++) {
    const a = y[i] - mean;
    const b = yHat[i] - mean;
    cross += a * b;
    yy += a * a;
    ff += b * b;
  }
  const den = yy * ff;
  return den > 0 ? (cross * cross) / den : 0;
}
