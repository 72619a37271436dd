import { AttnpoolError } from '../errors.js';
import { describe } from './describe.js';

/**
 * How a backend pools: `'dense'` evaluates every query–key pair; `'fast'` uses the 1-D fast
 * Gauss transform (src/fast/, O(nq + nk), float64, |ŷ − ŷ_exact| ≤ 1e-9·(max v − min v)/2);
 * `'auto'` (default) takes the fast path where it is valid and its cost model says it pays.
 */
export type PoolMethod = 'auto' | 'dense' | 'fast';

const METHODS: readonly PoolMethod[] = ['auto', 'dense', 'fast'];

/** The `method` option, checked: undefined means `'auto'`. */
export function checkMethod(value: unknown, fn: string): PoolMethod {
  if (value === undefined) return 'auto';
  if (!(METHODS as readonly unknown[]).includes(value)) {
    throw new AttnpoolError('E_OPTION', `${fn}: option "method" must be one of 'auto', 'dense', 'fast', got ${describe(value)}`);
  }
  return value as PoolMethod;
}
