import { instantiate } from '@assemblyscript/loader';
import { wasmBase64 } from './bytes.generated.js';

/** A pooling call's arguments in linear memory: queries, keys, values and their sizes and layout. */
type PoolPointers = [q: number, nq: number, k: number, v: number, nk: number, perQuery: boolean, excludeSelf: boolean];
/** The same for a slice [i0, i1) of the call's queries (pointers of the whole call; for threads). */
type RowPointers = [i0: number, i1: number, q: number, k: number, v: number, nk: number, perQuery: boolean, excludeSelf: boolean];
/** What the loss kernels take after the call's arguments and score constant: w, targets, ŷ and where to put the sums. */
type LossOutputs = [w: number, targets: number, yHat: number, result: number];

/**
 * The kernels' ABI (assembly/index.ts): byte pointers into linear memory and sizes. `c` is the
 * Gaussian kernels' score constant (abi.ts, scoreScale); the compact kernels take w itself.
 */
export interface KernelExports {
  memory: WebAssembly.Memory;
  exp2Array(x: number, n: number, out: number): void;
  scores(q: number, nq: number, k: number, nk: number, perQuery: boolean, c: number, out: number): void;
  softmax(x: number, rows: number, cols: number, out: number): number;
  bmm(a: number, b: number, out: number, batch: number, n: number, m: number, p: number): void;
  pool(...args: [...PoolPointers, c: number, yHat: number, weights: number]): void;
  poolLoss(...args: [...PoolPointers, c: number, ...LossOutputs]): void;
  poolRows(...args: [...RowPointers, c: number, yHat: number, weights: number]): void;
  /** poolLoss for queries [i0, i1), each query's two terms kept apart as f64 pairs at `result` + 16·i. */
  poolLossRows(...args: [...RowPointers, c: number, ...LossOutputs]): void;
  /** `kind`: the index of the kernel in COMPACT_KINDS (args/kernel.ts). */
  poolCompact(kind: number, ...args: [...PoolPointers, w: number, yHat: number, weights: number]): void;
  poolLossCompact(kind: number, ...args: [...PoolPointers, ...LossOutputs]): void;
  kernelValues(kind: number, q: number, nq: number, k: number, nk: number, perQuery: boolean, w: number, out: number): void;
}

/** The module's bytes, decoded from the base64 embedded at build time (no file, no fetch). */
export function wasmBytes(): Uint8Array {
  const text = atob(wasmBase64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** A fresh instance of the kernels, with its own memory. */
export async function instantiateKernels(): Promise<KernelExports> {
  const { exports } = await instantiate<Record<string, unknown>>(wasmBytes(), {});
  return exports as unknown as KernelExports;
}
