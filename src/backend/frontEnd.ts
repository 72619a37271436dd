import { checkBmm } from '../args/bmm.js';
import { AttnpoolError } from '../errors.js';
import { checkKernel } from '../args/kernel.js';
import { checkMethod } from '../args/method.js';
import { checkOptions } from '../args/options.js';
import { checkPairs, checkPool, checkTargets, checkWs, type PoolCall } from '../args/pool.js';
import { badSoftmaxRow, checkSoftmax } from '../args/softmax.js';
import { resultArray } from '../args/size.js';
import type { Tensor } from '../tensor.js';
import { costModel } from './costModel.js';
import { type Kernels, localMomentsSize } from './kernels.js';
import { type DenseRunner, fastPool, fastPoolLoss, useFast } from './method.js';
import type { Backend, BackendFeatures, CostModel, PoolLossOptions, PoolLossResult, PoolOptions, PoolResult, ScoreOptions } from './types.js';

/**
 * The one front end over every backend's kernels (TensorFlow.js splits ops from kernels the same
 * way). Each public call runs the same sequence exactly once: option checks, argument checks
 * into a checked call (args/), the choice of dense or fast, the kernel, the float64 fallback
 * where float32 cannot hold the call, and the shaping of the results. Arguments are checked
 * before any work starts, so a bad call changes nothing.
 */

const POOL_OPTIONS = { weights: 'boolean', excludeSelf: 'boolean', kernel: 'string', method: 'string' } as const;
const LOSS_OPTIONS = { excludeSelf: 'boolean', kernel: 'string', method: 'string' } as const;

/** A checked attentionPool call and how it runs. */
export interface PoolRequest {
  call: PoolCall;
  /** whether the [nq, nk] weights were asked for */
  weights: boolean;
  /** whether the fast Gauss transform computes it (else dense kernels) */
  fast: boolean;
}

/** A checked attentionPoolLoss call and how it runs. */
export interface LossRequest {
  call: PoolCall;
  targets: Float32Array;
  fast: boolean;
}

/** attentionPool's arguments, checked, and its method chosen. */
export function poolRequest(queries: unknown, keys: unknown, values: unknown, w: unknown, options: unknown, runner: DenseRunner): PoolRequest {
  const o = checkOptions<PoolOptions>(options, POOL_OPTIONS, 'attentionPool');
  const kernel = checkKernel(o.kernel, 'attentionPool');
  const method = checkMethod(o.method, 'attentionPool');
  const call = checkPool(queries, keys, values, w, o.excludeSelf, kernel, 'attentionPool');
  const weights = o.weights === true;
  return { call, weights, fast: useFast(method, call, weights, false, 'attentionPool', runner) };
}

/** attentionPoolLoss's arguments, checked, and its method chosen. */
export function lossRequest(
  queries: unknown,
  keys: unknown,
  values: unknown,
  targets: unknown,
  w: unknown,
  options: unknown,
  runner: DenseRunner,
): LossRequest {
  const o = checkOptions<PoolLossOptions>(options, LOSS_OPTIONS, 'attentionPoolLoss');
  const kernel = checkKernel(o.kernel, 'attentionPoolLoss');
  const method = checkMethod(o.method, 'attentionPoolLoss');
  const call = checkPool(queries, keys, values, w, o.excludeSelf, kernel, 'attentionPoolLoss');
  const t = checkTargets(targets, call);
  return { call, targets: t, fast: useFast(method, call, false, true, 'attentionPoolLoss', runner) };
}

/** Runs a pooling request on `kernels`, or on `reference` (float64) where they cannot hold it. */
export function runPool(r: PoolRequest, kernels: Kernels, reference: Kernels): PoolResult {
  if (r.fast) return fastPool(r.call);
  const { call } = r;
  const yHat = new Float32Array(call.nq * call.dv);
  const weights = r.weights ? resultArray(call.nq * call.nk, `attentionPool: the weights [${call.nq}, ${call.nk}]`) : null;
  if (!kernels.pool(call, yHat, weights)) reference.pool(call, yHat, weights);
  return poolResult(call, yHat, weights);
}

/** Runs a loss request on `kernels`, or on `reference` (float64) where they cannot hold it. */
export function runLoss(r: LossRequest, kernels: Kernels, reference: Kernels): PoolLossResult<number | number[]> {
  if (r.fast) return fastPoolLoss(r.call, r.targets);
  const { call } = r;
  const yHat = new Float32Array(call.nq * call.dv);
  const grad = new Float64Array(call.d);
  const loss = kernels.poolLoss(call, r.targets, yHat, grad) ?? (reference.poolLoss(call, r.targets, yHat, grad) as number);
  return lossResult(call, loss, grad, yHat);
}

/** ŷ's shape: [nq], or [nq, dv] when the values have a column axis. */
function yHatShape(call: PoolCall): number[] {
  return call.valueColumns ? [call.nq, call.dv] : [call.nq];
}

/** attentionPoolLoss's result object: the gradient per feature for a w per feature, else their sum (the derivative in the one w). */
export function lossResult(call: PoolCall, loss: number, grad: Float64Array, yHat: Float32Array): PoolLossResult<number | number[]> {
  let total = grad[0]; // not 0 + grad[0], which would turn −0 into +0
  for (let f = 1; f < grad.length; f++) total += grad[f];
  return { loss, grad: call.wVector ? Array.from(grad) : total, yHat: { data: yHat, shape: yHatShape(call) } };
}

/** attentionPool's result object: weights only when they were computed. */
export function poolResult(call: PoolCall, yHat: Float32Array, weights: Float32Array | null): PoolResult {
  const result: PoolResult = { yHat: { data: yHat, shape: yHatShape(call) } };
  if (weights) result.weights = { data: weights, shape: [call.nq, call.nk] };
  return result;
}

/**
 * Kernel regression's O(n²) pass on a backend: the local-linear moments ({@link Kernels.localMoments})
 * of queries [nq, d] against shared keys [nk, d] with values [nk], on the backend's kernels, or
 * its float64 reference where they cannot hold the call. Not part of the public Backend API.
 */
export function localMomentsOn(
  backend: FrontEnd,
  queries: unknown,
  keys: unknown,
  values: unknown,
  w: ArrayLike<number>,
  options: { excludeSelf?: boolean; kernel?: unknown; slopes?: boolean },
): Float64Array {
  const kernel = checkKernel(options.kernel, 'localMoments');
  const call = checkPool(queries, keys, values, Array.from(w), options.excludeSelf, kernel, 'localMoments');
  if (call.perQuery || call.dv !== 1) {
    throw new AttnpoolError('E_SHAPE', 'localMoments: expected shared keys [nk, d] and values [nk] (one column)');
  }
  const slopes = options.slopes === true;
  const out = new Float64Array(call.nq * localMomentsSize(call.d) * (slopes ? 1 + call.d : 1));
  if (!backend.kernels.localMoments(call, slopes, out)) backend.reference.localMoments(call, slopes, out);
  return out;
}

/** A Backend over `kernels`, falling back to `reference` (the float64 kernels) where float32 cannot hold a call. */
export class FrontEnd implements Backend {
  /** What 'auto' weighs the fast path against: these kernels, on as many threads as they would split a call over. @internal */
  readonly runner: DenseRunner;

  constructor(
    readonly name: 'wasm' | 'js',
    /** The raw kernels this backend runs. @internal */
    readonly kernels: Kernels,
    /** The float64 kernels it falls back to. @internal */
    readonly reference: Kernels,
  ) {
    this.runner = { kernels, threadsFor: (call) => kernels.threadsFor?.(call) ?? 1 };
  }

  costModel(): CostModel {
    return costModel(this.kernels);
  }

  get features(): BackendFeatures {
    return this.kernels.features?.() ?? { simd: false, relaxedSimd: false, threads: 1 };
  }

  scores(queries: unknown, keys: unknown, w: unknown = 1, options?: ScoreOptions): Tensor {
    return this.scoresAs('scores', queries, keys, w, options);
  }

  gaussianScores(queries: unknown, keys: unknown, w: unknown = 1, options?: ScoreOptions): Tensor {
    return this.scoresAs('gaussianScores', queries, keys, w, options);
  }

  /** scores, with errors naming `fn` (the name it was called by). */
  private scoresAs(fn: string, queries: unknown, keys: unknown, w: unknown, options: unknown): Tensor {
    const o = checkOptions<ScoreOptions>(options, { kernel: 'string' }, fn);
    const kernel = checkKernel(o.kernel, fn);
    const p = checkPairs(queries, keys);
    const wc = checkWs(w, p.d).w;
    const out = resultArray(p.nq * p.nk, `${fn}: the scores [${p.nq}, ${p.nk}]`);
    if (!this.kernels.scores(p, wc, kernel, out)) this.reference.scores(p, wc, kernel, out);
    return { data: out, shape: [p.nq, p.nk] };
  }

  softmax(x: unknown): Tensor {
    const s = checkSoftmax(x);
    const out = new Float32Array(s.x.data.length);
    const bad = this.kernels.softmax(s.x.data, s.rows, s.cols, out);
    if (bad >= 0) throw badSoftmaxRow(bad, s.cols, s.x.data);
    return { data: out, shape: s.x.shape.slice() };
  }

  bmm(a: unknown, b: unknown): Tensor {
    const m = checkBmm(a, b);
    const out = resultArray(m.batch * m.n * m.p, `bmm: the product [${m.batch}, ${m.n}, ${m.p}]`);
    this.kernels.bmm(m, out);
    return { data: out, shape: [m.batch, m.n, m.p] };
  }

  attentionPool(queries: unknown, keys: unknown, values: unknown, w: unknown = 1, options?: PoolOptions): PoolResult {
    return runPool(poolRequest(queries, keys, values, w, options, this.runner), this.kernels, this.reference);
  }

  attentionPoolLoss(
    queries: unknown,
    keys: unknown,
    values: unknown,
    targets: unknown,
    w: ArrayLike<number>,
    options?: PoolLossOptions,
  ): PoolLossResult<number[]>;
  attentionPoolLoss(queries: unknown, keys: unknown, values: unknown, targets: unknown, w: number, options?: PoolLossOptions): PoolLossResult;
  attentionPoolLoss(
    queries: unknown,
    keys: unknown,
    values: unknown,
    targets: unknown,
    w: unknown,
    options?: PoolLossOptions,
  ): PoolLossResult<number | number[]> {
    return runLoss(lossRequest(queries, keys, values, targets, w, options, this.runner), this.kernels, this.reference);
  }

  async close(): Promise<void> {
    await this.kernels.close?.();
  }

  async trim(): Promise<void> {
    await this.kernels.trim?.();
  }
}
