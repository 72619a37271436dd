import type { BmmCall } from '../args/bmm.js';
import type { KernelName } from '../args/kernel.js';
import type { ExactPassRunner } from '../fast/nd/exactPass.js';
import type { BackendFeatures } from './types.js';
import type { PairCall, PoolCall } from '../args/pool.js';

/**
 * What a backend implements: raw kernels on checked data. The front end (frontEnd.ts) has
 * checked every argument, chosen dense or fast and allocated the outputs (or taken the caller's
 * `out`) before a kernel runs, so a kernel never validates and never allocates a result. An
 * output array may hold anything when a kernel starts: a kernel writes every element of it.
 *
 * A kernel that cannot hold a call's numbers (float32 overflow) says so by returning false
 * (null for the loss), whatever it wrote; the front end then runs the float64 reference
 * kernels on the same call.
 */
export interface Kernels {
  /** What these kernels run on; absent for the JS kernels (no SIMD, one thread). */
  features?(): BackendFeatures;
  /** log K(u), u_f = w_f·(q_f − k_f), of `kernel` into out [nq, nk] (−Infinity where K = 0); w [d]. */
  scores(call: PairCall, w: Float64Array, kernel: KernelName, out: Float32Array): boolean;
  /**
   * Row-wise softmax of x [rows, cols] into out; the first row it cannot normalise, or −1. out
   * may be x itself (in place). Nothing is written unless every row can be normalised, so a
   * refused call leaves a caller's `out` (and an x softmaxed in place) as it was.
   */
  softmax(x: Float32Array, rows: number, cols: number, out: Float32Array): number;
  /** out [batch, n, p] = a [batch, n, m] × b [batch, m, p]. */
  bmm(call: BmmCall, out: Float32Array): void;
  /** ŷ into yHat [nq, dv]; the weights into `weights` [nq, nk] when it is given. */
  pool(call: PoolCall, yHat: Float32Array, weights: Float32Array | null): boolean;
  /**
   * The loss Σ (ŷ − t)² against targets [nq, dv] (float64 sum), its derivative in each w_f into
   * grad [d], ŷ into yHat [nq, dv]; null where float32 cannot hold the call.
   */
  poolLoss(call: PoolCall, targets: Float32Array, yHat: Float32Array, grad: Float64Array): number | null;
  /**
   * The local-linear moments of each query against shared keys [nk, d] with values [nk], in one
   * fused pass: with e_j = K(u_j) / max_j K(u_j) (key i skipped under `excludeSelf`) and
   * Δ_j = k_j − q, query i's {@link localMomentsSize} numbers at out[i·m]: Σe, Σe·Δ [d],
   * Σe·ΔΔᵀ (upper triangle, row-major, d(d+1)/2), Σe·v, Σe·Δ·v [d], accumulated in float64.
   * With `slopes`, each query has 1 + d such blocks: block 1 + f holds the same sums with the
   * weights e_j·Δ_jf² (the Gaussian's ∂e/∂ρ_f is −e·Δ_f², ρ_f = w_f²/2: what the gradient of
   * the local-linear CV needs). A query where no key has a positive kernel value gets all
   * zeros (its caller decides). false where float32 cannot hold the call.
   */
  localMoments(call: PoolCall, slopes: boolean, out: Float64Array): boolean;
  /** Whether `buffer` is memory these kernels write into on their own (a WebAssembly instance's), which a caller's `out` must not be a view of. */
  ownsBuffer?(buffer: ArrayBufferLike): boolean;
  /** Bytes of WebAssembly memory held, for kernels that hold any. */
  memoryBytes?(): number;
  /** Threads a call may be split over (1 unless sliced). */
  readonly threads?: number;
  /** Threads this dense call would be split over (1 when absent). */
  threadsFor?(call: PoolCall): number;
  /** Gives back WebAssembly memory grown beyond the initial size (a fresh instance), for kernels that hold any. */
  trim?(): Promise<void>;
  /**
   * Who runs the d-dimensional fast path's exact pass for these kernels (gaussSumsNd's
   * `runExactPass`): the threads' splitter, or null (absent) to run it on the calling thread.
   */
  exactNd?(): ExactPassRunner | null;
  /** Ends any worker threads; later calls run on the calling thread. */
  close?(): Promise<void>;
}

/** The numbers {@link Kernels.localMoments} writes per query for d features: 2 + 2d + d(d+1)/2. */
export function localMomentsSize(d: number): number {
  return 2 + 2 * d + (d * (d + 1)) / 2;
}
