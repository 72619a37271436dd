import { AttnpoolError } from '../errors.js';
import { describe } from '../tensor.js';
import { extent, fastAttentionPool, fastAttentionPoolLoss, fastPays } from '../fast/fastPool.js';
import type { KernelName } from './kernel.js';
import type { PoolLossResult, PoolResult } from './types.js';
import type { PoolArgs } from './validate.js';

/**
 * How a backend pools: `'dense'` evaluates every query–key pair; `'fast'` uses the 1-D fast
 * Gauss transform (src/fast/, O(nq + nk), float64, |ŷ − ŷ_exact| ≤ 1e-9·(max v − min v)/2);
 * `'auto'` (default) takes the fast path where it is valid and its cost model says it pays.
 */
export type PoolMethod = 'auto' | 'dense' | 'fast';

const METHODS: readonly PoolMethod[] = ['auto', 'dense', 'fast'];

/** Below this many pairs a dense call takes under a few ms: the fast path's set-up would not pay. */
const AUTO_MIN_PAIRS = 1 << 22;

/**
 * Whether this call goes the fast way. The transform exists for the Gaussian kernel and one
 * shared row of keys, and never builds weights; asking for `'fast'` elsewhere is an error.
 */
export function useFast(method: unknown, p: PoolArgs, kernel: KernelName, weights: boolean, fn: string): boolean {
  if (method !== undefined && !(METHODS as readonly unknown[]).includes(method)) {
    throw new AttnpoolError('E_OPTION', `${fn}: option "method" must be one of 'auto', 'dense', 'fast', got ${describe(method)}`);
  }
  if (method === 'dense') return false;
  const why = kernel !== 'gaussian' ? `the '${kernel}' kernel` : p.perQuery ? 'per-query keys [nq, nk]' : weights ? 'weights: true' : null;
  if (method === 'fast') {
    if (why) throw new AttnpoolError('E_OPTION', `${fn}: method 'fast' needs the Gaussian kernel, shared keys [nk] and no weights; got ${why}`);
    return true;
  }
  if (why || p.nq * p.nk < AUTO_MIN_PAIRS) return false;
  const [lo, hi] = extent(p.k);
  return fastPays(p.nq, p.nk, p.w, hi - lo);
}

/** The fast forward, as a backend returns it (float32 ŷ). */
export function fastPool(p: PoolArgs): PoolResult {
  const r = fastAttentionPool(p.q, p.k, p.v, p.w, { excludeSelf: p.excludeSelf });
  return { yHat: { data: Float32Array.from(r.yHat), shape: [p.nq] } };
}

/** The fast loss and gradient, as a backend returns them. */
export function fastPoolLoss(p: PoolArgs, targets: Float32Array): PoolLossResult {
  const r = fastAttentionPoolLoss(p.q, p.k, p.v, targets, p.w, { excludeSelf: p.excludeSelf });
  return { loss: r.loss, grad: r.grad, yHat: { data: Float32Array.from(r.yHat), shape: [p.nq] } };
}
