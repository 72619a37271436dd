import { AttnpoolError } from '../errors.js';
import { describe } from './describe.js';

/**
 * The attention kernels K(u), u = w·(q − k): the weight of a key is K(u) / Σ K.
 *
 * - `gaussian`: exp(−u²/2), the chapter's (scores −u²/2 through a softmax);
 * - `boxcar`: 1 where |u| ≤ 1, else 0;
 * - `constant`: 1 (every key weighs the same: average pooling);
 * - `epanechnikov`: max(0, 1 − u²), the Epanechnikov kernel;
 * - `triangular`: max(0, 1 − |u|). d2l 1.0 ("Attention Pooling by Similarity") calls this one
 *   "Epanechikov"; it is the triangular kernel, and is named so here.
 *
 * The compact kernels (boxcar, epanechnikov, triangular) can give every key of a query weight
 * 0 (a query farther than 1/w from every key). Such a query takes the value of its nearest key
 * (the mean of the nearest keys when several tie), with weight 1 on it (split among ties) and
 * no dependence on w. That is the limit as the support shrinks: the nearest keys are the last
 * ones inside it, so ŷ stays continuous in w instead of becoming 0/0.
 */
export type KernelName = 'gaussian' | 'boxcar' | 'constant' | 'epanechnikov' | 'triangular';

/** Every kernel name, the Gaussian first. */
export const KERNEL_NAMES: readonly KernelName[] = ['gaussian', 'boxcar', 'constant', 'epanechnikov', 'triangular'];

/** The kernels other than the Gaussian, in the order of the WASM kernels' `kind` argument. */
export const COMPACT_KINDS = ['constant', 'boxcar', 'epanechnikov', 'triangular'] as const;
export type CompactKernel = (typeof COMPACT_KINDS)[number];

/** The `kernel` option, checked: undefined means Gaussian. */
export function checkKernel(value: unknown, fn: string): KernelName {
  if (value === undefined) return 'gaussian';
  if (typeof value !== 'string' || !(KERNEL_NAMES as readonly string[]).includes(value)) {
    throw new AttnpoolError('E_OPTION', `${fn}: option "kernel" must be one of ${KERNEL_NAMES.map((k) => `'${k}'`).join(', ')}, got ${describe(value)}`);
  }
  return value as KernelName;
}

/** Whether a kernel has a useful derivative in w (train() refuses the others). */
export function hasGradient(kernel: KernelName): boolean {
  return kernel === 'gaussian' || kernel === 'epanechnikov' || kernel === 'triangular';
}
