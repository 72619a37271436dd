import { AttnpoolError } from '../errors.js';
import { formatShape, type Tensor, type TensorInput } from '../tensor.js';
import { toTensor } from '../args/tensor.js';
import { requireFinite, requireNonEmpty } from '../args/finite.js';
import { numberOption } from '../args/numbers.js';

/**
 * The chapter's baseline: every query is predicted by the mean of the training targets,
 * whatever its position. Returns [nQueries]. The mean is accumulated in float64.
 */
export function averagePooling(yTrain: TensorInput, nQueries: number): Tensor {
  const y = toTensor(yTrain, 'yTrain');
  if (y.shape.length !== 1) throw new AttnpoolError('E_SHAPE', `yTrain: expected shape [n], got ${formatShape(y.shape)}`);
  requireNonEmpty(y, 'yTrain');
  requireFinite(y.data, 'yTrain');
  const nq = numberOption(nQueries, 'nQueries', { integer: true, min: 1 });
  let sum = 0;
  for (const v of y.data) sum += v;
  return { data: new Float32Array(nq).fill(sum / y.data.length), shape: [nq] };
}
