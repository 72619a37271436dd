import type { KernelName } from '../args/kernel.js';
import type { PoolMethod } from '../args/method.js';
import type { Tensor, TensorInput } from '../tensor.js';

/** Options of {@link Backend.scores}. */
export interface ScoreOptions {
  /** The kernel whose log the scores are (default `'gaussian'`: −(w·d)²/2); −Infinity where K = 0. See {@link KernelName}. */
  kernel?: KernelName;
  /** A Float32Array of nq·nk elements to write the scores into (see {@link Backend}). */
  out?: Float32Array;
}

/** Options of {@link Backend.softmax}. */
export interface SoftmaxOptions {
  /** A Float32Array of x's length to write the softmax into; x's own data for a softmax in place (see {@link Backend}). */
  out?: Float32Array;
}

/** Options of {@link Backend.bmm}. */
export interface BmmOptions {
  /** A Float32Array of batch·n·p elements to write the product into; it must not overlap a or b (see {@link Backend}). */
  out?: Float32Array;
}

/** Where {@link Backend.attentionPool} writes its results (see {@link Backend}). */
export interface PoolOut {
  /** ŷ: nq·dv elements. */
  yHat?: Float32Array;
  /** The weights: nq·nk elements; needs `weights: true`. */
  weights?: Float32Array;
}

/** Where {@link Backend.attentionPoolLoss} writes ŷ (see {@link Backend}). */
export interface PoolLossOut {
  /** ŷ: nq·dv elements. */
  yHat?: Float32Array;
}

/** Options of {@link Backend.attentionPool}. */
export interface PoolOptions {
  /** Also return the attention weights, [nq, nk] (builds the matrix; off by default). */
  weights?: boolean;
  /** Shared keys with nq == nk: query i ignores key i (leave-one-out without n × (n−1) matrices). */
  excludeSelf?: boolean;
  /** The attention kernel (default `'gaussian'`). See {@link KernelName}. */
  kernel?: KernelName;
  /** `'dense'`, `'fast'` (the 1-D fast Gauss transform) or `'auto'` (default). See {@link PoolMethod}. */
  method?: PoolMethod;
  /** Arrays of the caller's own to write ŷ and the weights into (either or both). */
  out?: PoolOut;
}

/** Options of {@link Backend.attentionPoolLoss}. */
export interface PoolLossOptions {
  /** Shared keys with nq == nk: query i ignores key i (leave-one-out). */
  excludeSelf?: boolean;
  /** The attention kernel (default `'gaussian'`); `grad` is 0 for `'boxcar'` and `'constant'`. See {@link KernelName}. */
  kernel?: KernelName;
  /** `'dense'`, `'fast'` (the 1-D fast Gauss transform) or `'auto'` (default). See {@link PoolMethod}. */
  method?: PoolMethod;
  /** An array of the caller's own to write ŷ into. */
  out?: PoolLossOut;
}

/**
 * A bandwidth: one number for every feature, or an array of d numbers, one per feature (as
 * statsmodels' per-variable bandwidths, h_k = 1/w_k). Each finite and ≥ 0.
 */
export type Bandwidth = number | ArrayLike<number>;

/** What {@link Backend.attentionPool} returns. */
export interface PoolResult {
  /** The pooled predictions: [nq], or [nq, dv] when the values have dv columns. */
  yHat: Tensor;
  /** The attention weights, [nq, nk], when `weights: true` was asked for. */
  weights?: Tensor;
}

/**
 * What {@link Backend.attentionPoolLoss} returns. `G` is `number` when w was one number and
 * `number[]` (one derivative per feature) when w was an array.
 */
export interface PoolLossResult<G = number> {
  /** Σ_i Σ_c (ŷ_ic − t_ic)², accumulated in float64 (over every value column). */
  loss: number;
  /** ∂ loss / ∂ w, analytic: a number for one w (the sum over features of the per-feature derivatives), an array for a w per feature. */
  grad: G;
  /** The predictions the loss was computed from, the shape of the targets. */
  yHat: Tensor;
}

/**
 * What `method: 'auto'` knows about the machine it runs on. Machines of one kind differ 2× in
 * dense throughput, and the JS, WASM and threaded backends differ 20×, so a constant per pair
 * picks the wrong method wherever the two are within that range. The numbers are measured once
 * per backend (dense) and once per process (fast), lazily on the first call that needs them, in
 * 0.1–0.3 s (most of it the fast path's first, unoptimised calls), and kept; the d-dimensional
 * scales on the first call with two or three features that needs them (another 0.2–0.4 s).
 */
export interface CostModel {
  /** ns per query–key pair of this backend's dense forward, on one thread */
  densePoolNs: number;
  /** ns per query–key pair of its dense loss and gradient, on one thread */
  denseLossNs: number;
  /** measured over modelled time of the fast Gauss transform here (fast/costModel.ts) */
  fgtScale: number;
  /** measured over modelled time of the fast path's windowed exact sums here */
  windowedScale: number;
  /** measured over modelled time of the d-dimensional Hermite transform here (fast/nd/costModelNd.ts) */
  ndHermiteScale: number;
  /** measured over modelled time of the d-dimensional exact sums over cells here */
  ndExactScale: number;
}

/** What a backend runs on: see {@link Backend.features}. */
export interface BackendFeatures {
  /** WebAssembly SIMD (true for every 'wasm' backend, false for 'js'). */
  simd: boolean;
  /** The relaxed-SIMD build (f32x4.relaxed_madd): chosen wherever the engine validates it, unless loadBackend's `relaxedSimd` is false. */
  relaxedSimd: boolean;
  /** The threads the fused pooling is split over (1 without `threads`, and after `close()`). */
  threads: number;
}

/**
 * The operations every backend implements, with identical argument checks and results
 * that agree to the tolerances stated in the tests. The rank of the queries decides the layout:
 *
 * - queries [nq] (one feature): keys and values [nk] (shared by every query) or [nq, nk] (one
 *   row per query, the chapter's leave-one-out layout);
 * - queries [nq, d] (d features): keys [nk, d] (shared) or [nq, nk, d] (per query); values
 *   [nk] or [nq, nk];
 * - either way values may carry a last axis of dv columns ([nk, dv], [nq, nk, dv]), and ŷ is
 *   then [nq, dv] (targets too).
 *
 * Scores are s = −½ Σ_k (w_k·(q_k − k_k))²; `w` is one number or one per feature and defaults to
 * 1 (the nonparametric model). The `kernel` option swaps the Gaussian for another attention
 * kernel, a product kernel over the features (see {@link KernelName}).
 *
 * `out` (scores, softmax, bmm; `out: { yHat, weights }` for the pooling) is a Float32Array of the
 * caller's own that the result is written into instead of a fresh one; the result Tensor's
 * `data` is that very array. It is for a caller who calls in a loop and reuses one buffer. It
 * must have exactly the result's number of elements (`buffer.subarray(0, n)` uses part of a
 * larger one), must not share memory with an input (except softmax's `x`: a softmax in place)
 * nor be a view of the WASM backend's own memory, and its buffer must not be detached. A
 * refused `out` (AttnpoolError E_OPTION or E_SHAPE, naming it) or a refused input leaves it as
 * it was.
 *
 * @example
 * const be = await loadBackend();
 * const { yHat } = be.attentionPool([0.5, 1.5], [0, 1, 2], [10, 20, 30], 2);
 */
export interface Backend {
  /** Which implementation this is. */
  readonly name: 'wasm' | 'js';
  /** Which build and how many threads this backend runs. */
  readonly features: BackendFeatures;
  /**
   * What `method: 'auto'` weighs: this backend's dense cost per query–key pair and how far the
   * fast path's modelled costs are off on this machine, measured on first use (0.1–0.3 s, most of it the fast path's first unoptimised calls; the d-dimensional scales another 0.2–0.4 s) and kept.
   */
  costModel(): CostModel;
  /** queries [nq]; keys [nk] or [nq, nk] → scores [nq, nk]: log K(w·d), which is −(w·d)²/2 for the default Gaussian `kernel`. */
  scores(queries: TensorInput, keys: TensorInput, w?: Bandwidth, options?: ScoreOptions): Tensor;
  /** The name `scores` had first, kept as an alias: the same function (for every kernel, not only the Gaussian). */
  gaussianScores(queries: TensorInput, keys: TensorInput, w?: Bandwidth, options?: ScoreOptions): Tensor;
  /**
   * Numerically stable softmax along the last axis. −Infinity entries get weight 0. A row it
   * cannot normalise (NaN, +Infinity, all −Infinity) is an error, and then nothing is written.
   */
  softmax(x: TensorInput, options?: SoftmaxOptions): Tensor;
  /** Batched matrix product: [b, n, m] × [b, m, p] → [b, n, p]. */
  bmm(a: TensorInput, b: TensorInput, options?: BmmOptions): Tensor;
  /** Fused attention pooling ŷ_i = Σ_j softmax_j(s_ij)·v_ij without building the score matrix. */
  attentionPool(queries: TensorInput, keys: TensorInput, values: TensorInput, w?: Bandwidth, options?: PoolOptions): PoolResult;
  /**
   * Gives back the memory a large call left behind. A WebAssembly memory grows to fit the largest
   * call so far and never shrinks (400 MB stay held after one call with 5e7 keys); `trim()`
   * replaces an instance that has grown beyond its initial size with a fresh one, so that memory
   * can be collected. Results are unchanged; the next large call grows memory again. Resolves at
   * once for the js backend, which holds no memory between calls. With threads, it trims the
   * calling thread's instance.
   *
   * @example
   * be.attentionPool(q, hugeKeys, hugeValues); // memory grows to fit
   * await be.trim(); // and is given back
   */
  trim(): Promise<void>;
  /** Ends a threaded backend's worker threads (`loadBackend(name, { threads })`; later calls run on the calling thread); resolves at once for any other backend. */
  close(): Promise<void>;
  /** The summed squared error of attentionPool against `targets`, with a bandwidth per feature: `grad` holds ∂ loss / ∂ w_k for each feature k. */
  attentionPoolLoss(
    queries: TensorInput,
    keys: TensorInput,
    values: TensorInput,
    targets: TensorInput,
    w: ArrayLike<number>,
    options?: PoolLossOptions,
  ): PoolLossResult<number[]>;
  /** The summed squared error of attentionPool against `targets`, and its derivative in w (one number for every feature). */
  attentionPoolLoss(queries: TensorInput, keys: TensorInput, values: TensorInput, targets: TensorInput, w: number, options?: PoolLossOptions): PoolLossResult;
}
