import { AttnpoolError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { requireNonEmpty } from './finite.js';
import { toTensor } from './tensor.js';

/** The operand of softmax as rows × cols (cols = the last axis). */
export interface SoftmaxCall {
  x: Tensor;
  rows: number;
  cols: number;
}

/** x of any rank ≥ 1, checked (its entries are checked by the kernels, which find bad rows on the way). */
export function checkSoftmax(x: unknown): SoftmaxCall {
  const t = toTensor(x, 'x');
  if (t.shape.length === 0) throw new AttnpoolError('E_SHAPE', `x: expected at least one axis, got shape []`);
  requireNonEmpty(t, 'x');
  const cols = t.shape[t.shape.length - 1];
  return { x: t, rows: t.data.length / cols, cols };
}

/** Softmax input rule: −Infinity masks an entry; NaN, +Infinity or a fully masked row is an error. */
export function badSoftmaxRow(row: number, cols: number, x: Float32Array): AttnpoolError {
  for (let j = 0; j < cols; j++) {
    const v = x[row * cols + j];
    if (Number.isNaN(v) || v === Infinity) {
      return new AttnpoolError('E_NONFINITE', `x: expected finite numbers or -Infinity, got ${v} at row ${row}, column ${j}`);
    }
  }
  return new AttnpoolError('E_VALUE', `x: row ${row} is entirely -Infinity, so its softmax is undefined`);
}
