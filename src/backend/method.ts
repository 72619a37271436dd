import { extent } from 'd3-array';
import type { PoolMethod } from '../args/method.js';
import type { PoolCall } from '../args/pool.js';
import { AttnpoolError } from '../errors.js';
import { fastAttentionPool, fastAttentionPoolLoss } from '../fast/fastPool.js';
import { costModel, fastIsFaster, MIN_AUTO_PAIRS } from './costModel.js';
import type { Kernels } from './kernels.js';
import type { PoolLossResult, PoolResult } from './types.js';

/** Where a dense call would run: the kernels (whose cost model 'auto' consults) and how many threads a call would be split over. */
export interface DenseRunner {
  kernels: Kernels;
  threadsFor(call: PoolCall): number;
}

/** Why the fast Gauss transform cannot compute a call, or null when it can. */
function notFast(p: PoolCall, weights: boolean): string | null {
  if (p.d > 1) return `${p.d} features (the fast Gauss transform is one-dimensional; use 'dense' or 'auto')`;
  if (p.kernel !== 'gaussian') return `the '${p.kernel}' kernel`;
  if (p.perQuery) return 'per-query keys [nq, nk]';
  if (p.dv > 1) return `${p.dv} value columns`;
  if (weights) return 'weights: true';
  return null;
}

/**
 * Whether a call goes the fast way. The transform exists for one feature, the Gaussian kernel,
 * one shared row of keys and one value column, and never builds weights; asking for `'fast'`
 * elsewhere is an error that names the reason. `'auto'` takes it where it is valid and the
 * runner's cost model, measured on this machine, predicts it faster than dense pooling.
 */
export function useFast(method: PoolMethod, p: PoolCall, weights: boolean, loss: boolean, fn: string, runner: DenseRunner): boolean {
  if (method === 'dense') return false;
  const why = notFast(p, weights);
  if (method === 'fast') {
    if (why)
      throw new AttnpoolError(
        'E_OPTION',
        `${fn}: method 'fast' needs the Gaussian kernel, shared keys [nk] and no weights; got ${why} (it is the one-dimensional fast Gauss transform, for one feature and one value column)`,
      );
    return true;
  }
  if (why || p.nq * p.nk < MIN_AUTO_PAIRS) return false;
  const [lo, hi] = extent(p.k) as [number, number];
  return fastIsFaster(costModel(runner.kernels), p, hi - lo, loss, runner.threadsFor(p));
}

/** The fast forward, as a backend returns it: ŷ rounded to float32 into yHat [nq]. */
export function fastPool(p: PoolCall, yHat: Float32Array): PoolResult {
  const r = fastAttentionPool({ q: p.q, k: p.k, v: p.v, w: p.w[0], excludeSelf: p.excludeSelf });
  yHat.set(r.yHat);
  return { yHat: { data: yHat, shape: p.valueColumns ? [p.nq, 1] : [p.nq] } };
}

/** The fast loss and gradient, as a backend returns them, ŷ into yHat [nq]. */
export function fastPoolLoss(p: PoolCall, targets: Float32Array, yHat: Float32Array): PoolLossResult<number | number[]> {
  const r = fastAttentionPoolLoss({ q: p.q, k: p.k, v: p.v, w: p.w[0], excludeSelf: p.excludeSelf }, targets);
  yHat.set(r.yHat);
  return { loss: r.loss, grad: p.wVector ? [r.grad] : r.grad, yHat: { data: yHat, shape: p.valueColumns ? [p.nq, 1] : [p.nq] } };
}
