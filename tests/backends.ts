import { loadBackend } from '../src/backend/load.js';
import type { Backend } from '../src/backend/types.js';

/**
 * Every backend the shared suite runs over, with the tolerances it is held to against the
 * float64 reference written in the tests. `abs + rel·|ref|` unless a single number.
 */
export interface Tolerance {
  /** ŷ and other float32 outputs of order 1 */
  value: [abs: number, rel: number];
  /** attention weights and softmax entries, absolute */
  weight: number;
  /** summed loss, relative */
  loss: number;
  /** d loss / d w */
  grad: [abs: number, rel: number];
}

export const BACKENDS: { name: 'js' | 'wasm'; tol: Tolerance }[] = [
  // float64 arithmetic, only the final float32 rounding of each output
  { name: 'js', tol: { value: [1e-6, 1e-6], weight: 1e-7, loss: 1e-12, grad: [1e-9, 1e-9] } },
  // float32 inputs and lanes, sums folded into float64 every 1024 keys
  { name: 'wasm', tol: { value: [1e-5, 1e-5], weight: 2e-5, loss: 1e-5, grad: [2e-5, 2e-5] } },
];

export async function load(name: 'js' | 'wasm'): Promise<Backend> {
  return loadBackend(name);
}
