import { instantiate } from '@assemblyscript/loader';
import { relaxedSimdSupport, wasmBytes } from '../../wasm/moduleBytes.js';

export { relaxedSimdSupport, wasmBytes };

/** A pooling call's arguments in linear memory: queries, keys, values and their sizes and layout. */
type PoolPointers = [q: number, nq: number, k: number, v: number, nk: number, perQuery: boolean, excludeSelf: boolean];
/** The same for a slice [i0, i1) of the call's queries (pointers of the whole call; for threads). */
type RowPointers = [i0: number, i1: number, q: number, k: number, v: number, nk: number, perQuery: boolean, excludeSelf: boolean];
/** A d-dimensional pooling call in linear memory, after its queries (q, nq, or i0, i1, q for the rows variants). */
type NdPointers = [k: number, v: number, nk: number, d: number, dv: number, perQuery: boolean, excludeSelf: boolean, kind: number, params: number];
/**
 * What the loss kernels take after the call's arguments and score constant: w (the Gaussian's:
 * the gradient factor, abi.ts gradientFactor), targets, ŷ and where to put the sums.
 */
type LossOutputs = [w: number, targets: number, yHat: number, result: number];

/**
 * The kernels' ABI (assembly/index.ts): byte pointers into linear memory and sizes. `c` is the
 * Gaussian kernels' difference scale (abi.ts, scoreScale); the compact kernels take w itself.
 */
export interface KernelExports {
  memory: WebAssembly.Memory;
  exp2Array(x: number, n: number, out: number): void;
  scores(q: number, nq: number, k: number, nk: number, perQuery: boolean, c: number, out: number): void;
  /** Row-wise softmax of x into out (which may be x); the first row it cannot normalise, or −1. */
  softmax(x: number, rows: number, cols: number, out: number): number;
  /** The first row softmax cannot normalise, or −1; writes nothing. */
  softmaxCheck(x: number, rows: number, cols: number): number;
  bmm(a: number, b: number, out: number, batch: number, n: number, m: number, p: number): void;
  /**
   * 0 where a difference q − k is not finite in float32 (nothing computed) or a ŷ is not
   * finite, else 1. `scratch`: abi.ts poolScratch(nk) floats (pass 1's u²).
   */
  pool(...args: [...PoolPointers, c: number, yHat: number, weights: number, scratch: number]): number;
  /** 0 as pool (the host also checks the loss and its derivative), else 1. */
  poolLoss(...args: [...PoolPointers, c: number, ...LossOutputs, scratch: number]): number;
  poolRows(...args: [...RowPointers, c: number, yHat: number, weights: number, scratch: number]): void;
  /** poolLoss for queries [i0, i1), each query's two terms kept apart as f64 pairs at `result` + 16·i. */
  poolLossRows(...args: [...RowPointers, c: number, ...LossOutputs, scratch: number]): void;
  /** `kind`: the index of the kernel in COMPACT_KINDS (args/kernel.ts). */
  poolCompact(kind: number, ...args: [...PoolPointers, w: number, yHat: number, weights: number]): void;
  poolLossCompact(kind: number, ...args: [...PoolPointers, ...LossOutputs]): void;
  kernelValues(kind: number, q: number, nq: number, k: number, nk: number, perQuery: boolean, w: number, out: number): void;
  /**
   * d-dimensional kernels (assembly/poolNd.ts, layout in ndKernels.ts): keys feature-major
   * [d, nkp] (per query [nq, d, nkp]), values [dv, nkp], `kind` the index in ND_KINDS, `params`
   * the per-feature constants, `scratch` 2·nkp + 4·d + dv floats. Rows variants: queries [i0, i1).
   */
  poolNd(q: number, nq: number, ...args: [...NdPointers, yHat: number, weights: number, scratch: number]): void;
  poolNdRows(i0: number, i1: number, q: number, ...args: [...NdPointers, yHat: number, weights: number, scratch: number]): void;
  /** `result`: f64 [L, ∂L/∂w_0 … ∂L/∂w_(d−1)]. */
  poolLossNd(q: number, nq: number, ...args: [...NdPointers, targets: number, yHat: number, result: number, scratch: number]): void;
  /** Query i's terms as f64 [L_i, ∂L_i/∂w_0 … ∂L_i/∂w_(d−1)] at `terms` + 8·(1 + d)·i. */
  poolLossNdRows(i0: number, i1: number, q: number, ...args: [...NdPointers, targets: number, yHat: number, terms: number, scratch: number]): void;
  /** Local-linear moments f64 [nq, (slopes ? 1 + d : 1)·(2 + 2d + d(d+1)/2)] at `out` (assembly/momentsNd.ts); shared keys [d, nkp], values [nkp]. */
  localMomentsNd(
    q: number,
    nq: number,
    k: number,
    v: number,
    nk: number,
    d: number,
    excludeSelf: boolean,
    kind: number,
    params: number,
    slopes: boolean,
    out: number,
    scratch: number,
  ): void;
  /** Gaussian −Σu² or the compact product kernel K into out [nq, nk]; `scratch` nkp floats. */
  scoresNd(q: number, nq: number, k: number, nk: number, d: number, perQuery: boolean, kind: number, params: number, out: number, scratch: number): void;
}

/**
 * A fresh instance of the kernels (the relaxed-SIMD build when `relaxed`), with its own memory,
 * instantiated by @assemblyscript/loader. The kernels take and return only numbers, so they are
 * called as the instance exports them, without the loader's demangling wrapper per call.
 */
export async function instantiateKernels(relaxed = relaxedSimdSupport()): Promise<KernelExports> {
  const { instance } = await instantiate<Record<string, unknown>>(wasmBytes(relaxed), {});
  return instance.exports as unknown as KernelExports;
}
