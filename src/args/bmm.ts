import { AttnpoolError } from '../errors.js';
import { formatShape } from '../tensor.js';
import { requireNonEmpty } from './finite.js';
import { toTensor } from './tensor.js';

/** The two operands of bmm, checked, with their dimensions. */
export interface BmmCall {
  a: Float32Array;
  b: Float32Array;
  batch: number;
  n: number;
  m: number;
  p: number;
}

/** a [batch, n, m] and b [batch, m, p], checked. */
export function checkBmm(a: unknown, b: unknown): BmmCall {
  const ta = toTensor(a, 'a');
  const tb = toTensor(b, 'b');
  if (ta.shape.length !== 3) throw new AttnpoolError('E_SHAPE', `a: expected shape [batch, n, m], got ${formatShape(ta.shape)}`);
  if (tb.shape.length !== 3) throw new AttnpoolError('E_SHAPE', `b: expected shape [batch, m, p], got ${formatShape(tb.shape)}`);
  const [batch, n, m] = ta.shape;
  if (tb.shape[0] !== batch || tb.shape[1] !== m) {
    throw new AttnpoolError('E_SHAPE', `b: expected shape [${batch}, ${m}, p] to match a ${formatShape(ta.shape)}, got ${formatShape(tb.shape)}`);
  }
  requireNonEmpty(ta, 'a');
  requireNonEmpty(tb, 'b');
  return { a: ta.data, b: tb.data, batch, n, m, p: tb.shape[2] };
}
