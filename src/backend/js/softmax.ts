import type { RealArray } from '../../tensor.js';

/**
 * Row-wise softmax in float64, stable because each row's maximum is subtracted before exp.
 * Returns the index of the first row it cannot normalise (NaN or +Infinity inside, or every
 * entry −Infinity), or −1 when all rows were written. Every row is checked before the first is
 * written, so a refused x leaves `out` as it was; `out` may be x itself (each entry is read
 * before it is written).
 */
export function softmaxRows(x: RealArray, rows: number, cols: number, out: RealArray): number {
  for (let r = 0; r < rows; r++) if (!(rowMax(x, r * cols, cols) > -Infinity)) return r;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const m = rowMax(x, o, cols);
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

/** The largest of x[o, o + cols), or NaN when a NaN or +Infinity is among them (−Infinity when all are). */
function rowMax(x: RealArray, o: number, cols: number): number {
  let m = -Infinity;
  for (let j = 0; j < cols; j++) {
    const v = x[o + j];
    if (Number.isNaN(v) || v === Infinity) return Number.NaN;
    if (v > m) m = v;
  }
  return m;
}
