import { extent } from 'd3-array';
import type { PoolMethod } from '../args/method.js';
import type { PoolCall } from '../args/pool.js';
import { AttnpoolError } from '../errors.js';
import { fastAttentionPool, fastAttentionPoolLoss, fastPays } from '../fast/fastPool.js';
import type { PoolLossResult, PoolResult } from './types.js';

/** Below this many pairs a dense call takes under a few ms: the fast path's set-up would not pay. */
const AUTO_MIN_PAIRS = 1 << 22;

/**
 * Whether a call goes the fast way. The transform exists for the Gaussian kernel and one
 * shared row of keys, and never builds weights; asking for `'fast'` elsewhere is an error.
 */
export function useFast(method: PoolMethod, p: PoolCall, weights: boolean, fn: string): boolean {
  if (method === 'dense') return false;
  const why = p.kernel !== 'gaussian' ? `the '${p.kernel}' kernel` : p.perQuery ? 'per-query keys [nq, nk]' : weights ? 'weights: true' : null;
  if (method === 'fast') {
    if (why) throw new AttnpoolError('E_OPTION', `${fn}: method 'fast' needs the Gaussian kernel, shared keys [nk] and no weights; got ${why}`);
    return true;
  }
  if (why || p.nq * p.nk < AUTO_MIN_PAIRS) return false;
  const [lo, hi] = extent(p.k) as [number, number];
  return fastPays(p.nq, p.nk, p.w, hi - lo);
}

/** The fast forward, as a backend returns it (float32 ŷ). */
export function fastPool(p: PoolCall): PoolResult {
  const r = fastAttentionPool(p);
  return { yHat: { data: Float32Array.from(r.yHat), shape: [p.nq] } };
}

/** The fast loss and gradient, as a backend returns them. */
export function fastPoolLoss(p: PoolCall, targets: Float32Array): PoolLossResult {
  const r = fastAttentionPoolLoss(p, targets);
  return { loss: r.loss, grad: r.grad, yHat: { data: Float32Array.from(r.yHat), shape: [p.nq] } };
}
