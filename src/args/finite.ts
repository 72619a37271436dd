import { AttnpoolError } from '../errors.js';
import { formatShape, type Tensor } from '../tensor.js';

/** The index of the first NaN or ±Infinity in `data`, or −1. */
export function firstNonFinite(data: ArrayLike<number>): number {
  // v − v is 0 for a finite v and NaN for NaN or ±Infinity (cheaper than Number.isFinite): their
  // sum is 0 exactly when every element is finite. A sum without a branch per element first,
  // the search only where it is not 0.
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    sum += v - v;
  }
  if (sum === 0) return -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) return i;
  }
  return -1;
}

/** Throws E_NONFINITE naming `name` when `data` holds NaN or ±Infinity. */
export function requireFinite(data: ArrayLike<number>, name: string): void {
  const i = firstNonFinite(data);
  if (i >= 0) {
    throw new AttnpoolError('E_NONFINITE', `${name}: expected finite numbers, got ${data[i]} at index ${i}`);
  }
}

/** Throws E_EMPTY naming `name` when the tensor has no element. */
export function requireNonEmpty(t: Tensor, name: string): void {
  if (t.data.length === 0) {
    throw new AttnpoolError('E_EMPTY', `${name}: expected at least one element, got shape ${formatShape(t.shape)}`);
  }
}
