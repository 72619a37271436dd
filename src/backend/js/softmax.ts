import type { RealArray } from '../../tensor.js';

/**
 * Row-wise softmax in float64, stable because each row's maximum is subtracted before exp.
 * Returns the index of the first row it cannot normalise (NaN or +Infinity inside, or every
 * entry −Infinity), or −1 when all rows were written.
 */
export function softmaxRows(x: RealArray, rows: number, cols: number, out: RealArray): number {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let m = -Infinity;
    for (let j = 0; j < cols; j++) {
      const v = x[o + j];
      if (Number.isNaN(v) || v === Infinity) return r;
      if (v > m) m = v;
    }
    if (m === -Infinity) return r;
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp(x[o + j] - m);
      out[o + j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = 0; j < cols; j++) out[o + j] *= inv;
  }
  return -1;
}
