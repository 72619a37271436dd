import { extent } from 'd3-array';
import type { PoolMethod } from '../args/method.js';
import type { PoolCall } from '../args/pool.js';
import { AttnpoolError } from '../errors.js';
import { fastAttentionPool, fastAttentionPoolLoss } from '../fast/fastPool.js';
import { lossOfSums } from '../fast/nd/lossNd.js';
import { MIN_SPLIT_QUERIES, type ExactPassRunner } from '../fast/nd/exactPass.js';
import type { PlannedSumsNd } from '../fast/nd/gaussSumsNd.js';
import { ND_SCALED_LIMIT, planPoolNd, scaledWithinLimit } from '../fast/ndPool.js';
import { costModel, denseNs, fastIsFaster, MIN_AUTO_PAIRS, ndFastNs, ndPlanWorthIt } from './costModel.js';
import type { Kernels } from './kernels.js';
import { lossResult, poolResult } from './results.js';
import type { PoolLossResult, PoolResult } from './types.js';

/** Where a dense call would run: the kernels (whose cost model 'auto' consults) and how many threads a call would be split over. */
export interface DenseRunner {
  kernels: Kernels;
  threadsFor(call: PoolCall): number;
}

/** A call the fast path computes: its forward, or its loss and gradient, with ŷ rounded to float32 into yHat. */
export interface FastRun {
  pool(p: PoolCall, yHat: Float32Array): PoolResult;
  loss(p: PoolCall, targets: Float32Array, yHat: Float32Array): PoolLossResult<number | number[]>;
}

/** Why the fast path cannot compute a call, or null when it can. */
function notFast(p: PoolCall, weights: boolean): string | null {
  if (p.d > 3) return `${p.d} features (the fast path takes 1, 2 or 3)`;
  if (p.kernel !== 'gaussian') return `the '${p.kernel}' kernel`;
  if (p.perQuery) return 'per-query keys [nq, nk]';
  if (p.d === 1 && p.dv > 1) return `${p.dv} value columns with one feature (the one-dimensional transform takes one)`;
  if (weights) return 'weights: true';
  if (p.d > 1 && !scaledWithinLimit(p)) return `a coordinate times its w beyond ±${ND_SCALED_LIMIT} (dense pooling holds it in float64)`;
  return null;
}

/**
 * Whether a call goes the fast way, and how. The fast path exists for the Gaussian kernel, one
 * shared set of keys, no weights and up to three features (one value column with one feature:
 * the 1-D fast Gauss transform, src/fast/; any number of columns with two or three: src/fast/nd/);
 * asking for `'fast'` elsewhere is an error that names the reason. `'auto'` takes it where it is
 * valid and the runner's cost model, measured on this machine, predicts it faster than dense
 * pooling. For two or three features that prediction needs the call's plan (its cell grid: O(n)),
 * which is made only when the dense call would cost several times as much, and kept for the run.
 */
export function useFast(method: PoolMethod, p: PoolCall, weights: boolean, loss: boolean, fn: string, runner: DenseRunner): FastRun | null {
  if (method === 'dense') return null;
  const why = notFast(p, weights);
  if (method === 'fast') {
    if (why) throw new AttnpoolError('E_OPTION', `${fn}: method 'fast' needs the Gaussian kernel, shared keys, at most 3 features and no weights; got ${why}`);
    return p.d === 1 ? ONE_FEATURE : plannedRun(planPoolNd(p, loss, exactRunner(runner)));
  }
  if (why || p.nq * p.nk < MIN_AUTO_PAIRS) return null;
  const model = costModel(runner.kernels, p.d > 1);
  if (p.d === 1) {
    const [lo, hi] = extent(p.k) as [number, number];
    return fastIsFaster(model, p, hi - lo, loss, runner.threadsFor(p)) ? ONE_FEATURE : null;
  }
  const dense = denseNs(model, p.nq * p.nk, loss, runner.threadsFor(p));
  if (!ndPlanWorthIt(p, dense)) return null;
  const exact = exactRunner(runner);
  const plan = planPoolNd(p, loss, exact);
  return ndFastNs(model, plan, p.nq >= MIN_SPLIT_QUERIES ? (exact.exactThreads ?? 1) : 1) < dense ? plannedRun(plan) : null;
}

/** The kernels' runner of the d-dimensional exact pass and their threads, if they have one. */
function exactRunner(runner: DenseRunner): { runExactPass?: ExactPassRunner; exactThreads?: number } {
  const runExactPass = runner.kernels.exactNd?.() ?? undefined;
  return runExactPass ? { runExactPass, exactThreads: runner.kernels.threads ?? 1 } : {};
}

/** The 1-D fast Gauss transform (one feature, one value column). */
const ONE_FEATURE: FastRun = {
  pool(p, yHat) {
    const r = fastAttentionPool({ q: p.q, k: p.k, v: p.v, w: p.w[0], excludeSelf: p.excludeSelf });
    yHat.set(r.yHat);
    return poolResult(p, yHat, null);
  },
  loss(p, targets, yHat) {
    const r = fastAttentionPoolLoss({ q: p.q, k: p.k, v: p.v, w: p.w[0], excludeSelf: p.excludeSelf }, targets);
    yHat.set(r.yHat);
    return lossResult(p, r.loss, Float64Array.of(r.grad), yHat);
  },
};

/** The d-dimensional path (two or three features), planned. */
function plannedRun(plan: PlannedSumsNd): FastRun {
  return {
    pool(p, yHat) {
      yHat.set(plan.run().yHat);
      return poolResult(p, yHat, null);
    },
    loss(p, targets, yHat) {
      const r = lossOfSums(plan.run(), targets, p.w);
      yHat.set(r.yHat);
      return lossResult(p, r.loss, r.grad, yHat);
    },
  };
}
