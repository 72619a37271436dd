import type { RealArray } from '../../tensor.js';

/**
 * Batched matrix product [batch, n, m] × [batch, m, p] → [batch, n, p], accumulated in float64.
 * The i-k-j loop order walks b and the accumulator row contiguously.
 */
export function bmm(a: RealArray, b: RealArray, batch: number, n: number, m: number, p: number, out: RealArray): void {
  const acc = new Float64Array(p);
  for (let t = 0; t < batch; t++) {
    const aBase = t * n * m;
    const bBase = t * m * p;
    const oBase = t * n * p;
    for (let i = 0; i < n; i++) {
      acc.fill(0);
      for (let kk = 0; kk < m; kk++) {
        const aik = a[aBase + i * m + kk];
        const bRow = bBase + kk * p;
        for (let j = 0; j < p; j++) acc[j] += aik * b[bRow + j];
      }
      const oRow = oBase + i * p;
      for (let j = 0; j < p; j++) out[oRow + j] = acc[j];
    }
  }
}
