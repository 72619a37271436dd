import { checkBmm } from '../args/bmm.js';
import { AttnpoolError } from '../errors.js';
import { checkKernel } from '../args/kernel.js';
import { checkMethod } from '../args/method.js';
import { checkOptions } from '../args/options.js';
import { checkOut, checkOutObject, type NamedArray } from '../args/out.js';
import { checkPairs, checkPool, checkTargets, checkWs, type PoolCall } from '../args/pool.js';
import { badSoftmaxRow, checkSoftmax } from '../args/softmax.js';
import { resultArray } from '../args/size.js';
import { formatShape, type Tensor } from '../tensor.js';
import { costModel } from './costModel.js';
import { type Kernels, localMomentsSize } from './kernels.js';
import { type DenseRunner, type FastRun, useFast } from './method.js';
import { lossResult, poolResult } from './results.js';
import type {
  Backend,
  BackendFeatures,
  BmmOptions,
  CostModel,
  PoolLossOptions,
  PoolLossResult,
  PoolOptions,
  PoolResult,
  ScoreOptions,
  SoftmaxOptions,
} from './types.js';

/**
 * The one front end over every backend's kernels (TensorFlow.js splits ops from kernels the same
 * way). Each public call runs the same sequence exactly once: option checks, argument checks
 * into a checked call (args/), the choice of dense or fast, the kernel, the float64 fallback
 * where float32 cannot hold the call, and the shaping of the results. Arguments are checked
 * before any work starts, so a bad call changes nothing (a caller's `out` included).
 */

const POOL_OPTIONS = { weights: 'boolean', excludeSelf: 'boolean', kernel: 'string', method: 'string', out: 'any' } as const;
const LOSS_OPTIONS = { excludeSelf: 'boolean', kernel: 'string', method: 'string', out: 'any' } as const;

/** A checked attentionPool call and how it runs. */
export interface PoolRequest {
  call: PoolCall;
  /** whether the [nq, nk] weights were asked for */
  weights: boolean;
  /** the fast path that computes it, or null for dense kernels */
  fast: FastRun | null;
  /** the caller's arrays for ŷ and the weights (`out`), null where a fresh one is allocated */
  out: { yHat: Float32Array | null; weights: Float32Array | null };
}

/** A checked attentionPoolLoss call and how it runs. */
export interface LossRequest {
  call: PoolCall;
  targets: Float32Array;
  /** the fast path that computes it, or null for dense kernels */
  fast: FastRun | null;
  /** the caller's array for ŷ (`out.yHat`), or null */
  yHat: Float32Array | null;
}

/** What a front end asks its kernels about an `out`: whether it is a view of their own memory. */
type Owner = Pick<Kernels, 'ownsBuffer'> | undefined;

function ownsBufferOf(kernels: Owner): ((buffer: ArrayBufferLike) => boolean) | undefined {
  return kernels?.ownsBuffer ? (buffer) => kernels.ownsBuffer?.(buffer) === true : undefined;
}

const NO_OUT = { yHat: null, weights: null } as const;

/**
 * A pooling call's `out` ({ yHat, weights }), checked against the call and its inputs (`targets`
 * for the loss); nothing to check, and nothing allocated, without one.
 */
function poolOut(value: unknown, call: PoolCall, weights: boolean, fn: string, kernels: Owner, targets?: Float32Array): PoolRequest['out'] {
  if (value === undefined) return NO_OUT;
  const outs = checkOutObject(value, targets ? ['yHat'] : ['yHat', 'weights'], fn);
  const ownsBuffer = ownsBufferOf(kernels);
  const inputs: NamedArray[] = [
    { name: 'queries', data: call.q },
    { name: 'keys', data: call.k },
    { name: 'values', data: call.v },
  ];
  if (targets) inputs.push({ name: 'targets', data: targets });
  const shape = call.valueColumns ? `[${call.nq}, ${call.dv}]` : `[${call.nq}]`;
  const yHat = checkOut(outs.yHat, { fn, name: 'out.yHat', length: call.nq * call.dv, what: `ŷ ${shape}`, inputs, ownsBuffer });
  if (outs.weights !== undefined && !weights) {
    throw new AttnpoolError('E_OPTION', `${fn}: out.weights needs weights: true (the weights are built only when asked for)`);
  }
  if (yHat) inputs.push({ name: 'out.yHat', data: yHat });
  const what = `the weights [${call.nq}, ${call.nk}]`;
  return { yHat, weights: checkOut(outs.weights, { fn, name: 'out.weights', length: call.nq * call.nk, what, inputs, ownsBuffer }) };
}

/**
 * attentionPool's arguments, checked, and its method chosen by `runner`'s cost model; an `out` may
 * not be a view of the runner's kernels' memory.
 */
export function poolRequest(queries: unknown, keys: unknown, values: unknown, w: unknown, options: unknown, runner: DenseRunner): PoolRequest {
  const fn = 'attentionPool';
  const o = checkOptions<PoolOptions>(options, POOL_OPTIONS, fn);
  const kernel = checkKernel(o.kernel, fn);
  const method = checkMethod(o.method, fn);
  const call = checkPool(queries, keys, values, w, o.excludeSelf, kernel, fn);
  const weights = o.weights === true;
  const out = poolOut(o.out, call, weights, fn, runner.kernels);
  return { call, weights, fast: useFast(method, call, weights, false, fn, runner), out };
}

/** attentionPoolLoss's arguments, checked, and its method chosen, as for {@link poolRequest}. */
export function lossRequest(
  queries: unknown,
  keys: unknown,
  values: unknown,
  targets: unknown,
  w: unknown,
  options: unknown,
  runner: DenseRunner,
): LossRequest {
  const fn = 'attentionPoolLoss';
  const o = checkOptions<PoolLossOptions>(options, LOSS_OPTIONS, fn);
  const kernel = checkKernel(o.kernel, fn);
  const method = checkMethod(o.method, fn);
  const call = checkPool(queries, keys, values, w, o.excludeSelf, kernel, fn);
  const t = checkTargets(targets, call);
  const out = poolOut(o.out, call, false, fn, runner.kernels, t);
  return { call, targets: t, fast: useFast(method, call, false, true, fn, runner), yHat: out.yHat };
}

/** Runs a pooling request on `kernels`, or on `reference` (float64) where they cannot hold it. */
export function runPool(r: PoolRequest, kernels: Kernels, reference: Kernels): PoolResult {
  const { call } = r;
  const yHat = r.out.yHat ?? new Float32Array(call.nq * call.dv);
  if (r.fast) return r.fast.pool(call, yHat);
  const weights = r.weights ? (r.out.weights ?? resultArray(call.nq * call.nk, `attentionPool: the weights [${call.nq}, ${call.nk}]`)) : null;
  if (!kernels.pool(call, yHat, weights)) reference.pool(call, yHat, weights);
  return poolResult(call, yHat, weights);
}

/** Runs a loss request on `kernels`, or on `reference` (float64) where they cannot hold it. */
export function runLoss(r: LossRequest, kernels: Kernels, reference: Kernels): PoolLossResult<number | number[]> {
  const { call } = r;
  const yHat = r.yHat ?? new Float32Array(call.nq * call.dv);
  if (r.fast) return r.fast.loss(call, r.targets, yHat);
  const grad = new Float64Array(call.d);
  const loss = kernels.poolLoss(call, r.targets, yHat, grad) ?? (reference.poolLoss(call, r.targets, yHat, grad) as number);
  return lossResult(call, loss, grad, yHat);
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
    const o = checkOptions<ScoreOptions>(options, { kernel: 'string', out: 'any' }, fn);
    const kernel = checkKernel(o.kernel, fn);
    const p = checkPairs(queries, keys);
    const wc = checkWs(w, p.d).w;
    const what = `the scores [${p.nq}, ${p.nk}]`;
    const given =
      o.out === undefined
        ? null
        : checkOut(o.out, {
            fn,
            name: 'out',
            length: p.nq * p.nk,
            what,
            inputs: [
              { name: 'queries', data: p.q },
              { name: 'keys', data: p.k },
            ],
            ownsBuffer: ownsBufferOf(this.kernels),
          });
    const out = given ?? resultArray(p.nq * p.nk, `${fn}: ${what}`);
    if (!this.kernels.scores(p, wc, kernel, out)) this.reference.scores(p, wc, kernel, out);
    return { data: out, shape: [p.nq, p.nk] };
  }

  softmax(x: unknown, options?: SoftmaxOptions): Tensor {
    const o = checkOptions<SoftmaxOptions>(options, { out: 'any' }, 'softmax');
    const s = checkSoftmax(x);
    const given =
      o.out === undefined
        ? null
        : checkOut(o.out, {
            fn: 'softmax',
            name: 'out',
            length: s.x.data.length,
            what: `x's ${formatShape(s.x.shape)}`,
            inputs: [],
            inPlace: { name: 'x', data: s.x.data },
            ownsBuffer: ownsBufferOf(this.kernels),
          });
    const out = given ?? resultArray(s.x.data.length, `softmax: the result ${formatShape(s.x.shape)}`);
    const bad = this.kernels.softmax(s.x.data, s.rows, s.cols, out);
    if (bad >= 0) throw badSoftmaxRow(bad, s.cols, s.x.data);
    return { data: out, shape: s.x.shape.slice() };
  }

  bmm(a: unknown, b: unknown, options?: BmmOptions): Tensor {
    const o = checkOptions<BmmOptions>(options, { out: 'any' }, 'bmm');
    const m = checkBmm(a, b);
    const what = `the product [${m.batch}, ${m.n}, ${m.p}]`;
    const given =
      o.out === undefined
        ? null
        : checkOut(o.out, {
            fn: 'bmm',
            name: 'out',
            length: m.batch * m.n * m.p,
            what,
            inputs: [
              { name: 'a', data: m.a },
              { name: 'b', data: m.b },
            ],
            ownsBuffer: ownsBufferOf(this.kernels),
          });
    const out = given ?? resultArray(m.batch * m.n * m.p, `bmm: ${what}`);
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
