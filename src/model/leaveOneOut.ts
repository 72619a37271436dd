import { AttnpoolError } from '../errors.js';
import { formatShape, type Tensor, type TensorInput } from '../tensor.js';
import { toTensor } from '../args/tensor.js';

/**
 * The chapter's leave-one-out layout: [n] → [n, n−1], row i holding every element but x[i]
 * in order. Training does not need it (`excludeSelf` does the same without n² memory); it is
 * here to reproduce the chapter and to check that the two agree.
 */
export function leaveOneOut(x: TensorInput): Tensor {
  const t = toTensor(x, 'x');
  if (t.shape.length !== 1 || t.shape[0] < 2) {
    throw new AttnpoolError('E_SHAPE', `x: expected shape [n] with n >= 2, got ${formatShape(t.shape)}`);
  }
  const n = t.shape[0];
  const out = new Float32Array(n * (n - 1));
  for (let i = 0; i < n; i++) {
    out.set(t.data.subarray(0, i), i * (n - 1));
    out.set(t.data.subarray(i + 1), i * (n - 1) + i);
  }
  return { data: out, shape: [n, n - 1] };
}
