import { AttnpoolError } from '../errors.js';
import { firstNonFinite, requireNonEmpty } from '../args/finite.js';
import { toTensor } from '../args/tensor.js';
import { formatShape, type TensorInput } from '../tensor.js';

/** A checked float64 matrix [rows, cols], row-major. */
export interface Matrix64 {
  data: Float64Array;
  rows: number;
  cols: number;
}

/**
 * The numbers of a tensor argument in float64. Float64 arrays and plain arrays keep every bit
 * (kernel regression is compared with statsmodels to 1e-8, which float32 inputs cannot give);
 * float32 tensors widen exactly.
 */
function float64Data(value: TensorInput, checked: Float32Array): Float64Array {
  if (value instanceof Float64Array || Array.isArray(value)) return Float64Array.from(value as ArrayLike<number>);
  const data = (value as { data?: unknown }).data;
  if (data instanceof Float64Array || Array.isArray(data)) return Float64Array.from(data as ArrayLike<number>);
  return Float64Array.from(checked);
}

/**
 * A data matrix: [n] is n points of one variable, [n, d] is n points of d variables. `d`, when
 * given, is the number of variables the matrix must have ([nq] then only means nq points when
 * d = 1). Finite numbers only.
 */
export function readMatrix(value: TensorInput, name: string, d?: number): Matrix64 {
  const t = toTensor(value, name);
  const rank = t.shape.length;
  const expected = d === undefined ? '[n] or [n, d]' : d === 1 ? `[n] or [n, 1]` : `[n, ${d}]`;
  if (rank !== 1 && rank !== 2) throw new AttnpoolError('E_SHAPE', `${name}: expected shape ${expected}, got ${formatShape(t.shape)}`);
  const rows = t.shape[0];
  const cols = rank === 1 ? 1 : t.shape[1];
  if (d !== undefined && cols !== d)
    throw new AttnpoolError('E_SHAPE', `${name}: expected shape ${expected} (one column per variable), got ${formatShape(t.shape)}`);
  requireNonEmpty(t, name);
  if (cols === 0) throw new AttnpoolError('E_EMPTY', `${name}: expected at least one variable, got shape ${formatShape(t.shape)}`);
  const data = float64Data(value, t.data);
  const bad = firstNonFinite(data);
  if (bad >= 0) {
    const where = cols === 1 ? `index ${bad}` : `row ${Math.floor(bad / cols)}, column ${bad % cols}`;
    throw new AttnpoolError('E_NONFINITE', `${name}: expected finite numbers, got ${data[bad]} at ${where}`);
  }
  return { data, rows, cols };
}

/** The response y: [n], one per row of x, finite. */
export function readResponse(value: TensorInput, n: number): Float64Array {
  const t = toTensor(value, 'y');
  if (t.shape.length !== 1 || t.shape[0] !== n) {
    throw new AttnpoolError('E_SHAPE', `y: expected shape [${n}] (one per row of x), got ${formatShape(t.shape)}`);
  }
  const data = float64Data(value, t.data);
  const bad = firstNonFinite(data);
  if (bad >= 0) throw new AttnpoolError('E_NONFINITE', `y: expected finite numbers, got ${data[bad]} at index ${bad}`);
  return data;
}
