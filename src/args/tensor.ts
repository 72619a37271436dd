import { AttnpoolError } from '../errors.js';
import { formatShape, shapeSize, type Tensor } from '../tensor.js';
import { describe } from './describe.js';

export function isNumericArray(x: unknown): x is ArrayLike<number> {
  return Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView) && !(x instanceof BigInt64Array) && !(x instanceof BigUint64Array));
}

/** A shape array of non-negative integers whose product is `length`. */
function isPlainShape(shape: unknown, length: number): shape is number[] {
  if (!Array.isArray(shape)) return false;
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (!Number.isInteger(d) || d < 0) return false;
    n *= d;
  }
  return n === length;
}

function checkShape(shape: unknown, name: string): number[] {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new AttnpoolError('E_SHAPE', `${name}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return shape.slice();
}

/**
 * Build a tensor from numbers. Without `shape`, the tensor is 1-D.
 * The data is always copied into a new Float32Array.
 *
 * @example tensor([1, 2, 3, 4], [2, 2])
 */
export function tensor(values: ArrayLike<number>, shape?: number[]): Tensor {
  return toTensor({ data: values, shape: shape ?? [values?.length ?? 0] }, 'values');
}

/**
 * Normalise an argument to a Tensor, naming it in any error. A Tensor whose data is a
 * Float32Array is returned as it is (no copy); plain arrays and other typed arrays are
 * converted. Strings, objects without numeric data and shape/length mismatches are rejected.
 */
export function toTensor(x: unknown, name: string): Tensor {
  // The common cases first, without closures or copies: they run on every backend call.
  if (x instanceof Float32Array) return { data: x, shape: [x.length] };
  if (x !== null && typeof x === 'object' && (x as Tensor).data instanceof Float32Array && isPlainShape((x as Tensor).shape, (x as Tensor).data.length)) {
    return { data: (x as Tensor).data, shape: (x as Tensor).shape.slice() };
  }
  if (isNumericArray(x)) {
    return toTensor({ data: x, shape: [x.length] }, name);
  }
  if (x === null || typeof x !== 'object' || !('data' in x) || !('shape' in x)) {
    throw new AttnpoolError('E_TYPE', `${name}: expected a Tensor { data, shape } or an array of numbers, got ${describe(x)}`);
  }
  const { data, shape } = x as { data: unknown; shape: unknown };
  if (!isNumericArray(data)) {
    throw new AttnpoolError('E_TYPE', `${name}: expected data to be a Float32Array or an array of numbers, got ${describe(data)}`);
  }
  const dims = checkShape(shape, name);
  if (shapeSize(dims) !== data.length) {
    throw new AttnpoolError('E_SHAPE', `${name}: data has ${data.length} elements but shape ${formatShape(dims)} needs ${shapeSize(dims)}`);
  }
  if (data instanceof Float32Array) return { data, shape: dims };
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v !== 'number') {
      throw new AttnpoolError('E_TYPE', `${name}: element ${i} is ${describe(v)}, expected a number`);
    }
    out[i] = v;
  }
  return { data: out, shape: dims };
}
