import { instantiate } from '@assemblyscript/loader';
import { wasmBase64 } from './bytes.generated.js';

/** The kernels' ABI (assembly/index.ts): byte pointers into linear memory and sizes. */
export interface KernelExports {
  memory: WebAssembly.Memory;
  exp2Array(x: number, n: number, out: number): void;
  scores(q: number, nq: number, k: number, nk: number, perQuery: boolean, c: number, out: number): void;
  softmax(x: number, rows: number, cols: number, out: number): number;
  bmm(a: number, b: number, out: number, batch: number, n: number, m: number, p: number): void;
  pool(q: number, nq: number, k: number, v: number, nk: number, perQuery: boolean, excludeSelf: boolean, c: number, yHat: number, weights: number): void;
  poolLoss(
    q: number,
    nq: number,
    k: number,
    v: number,
    nk: number,
    perQuery: boolean,
    excludeSelf: boolean,
    c: number,
    w: number,
    targets: number,
    yHat: number,
    result: number,
  ): void;
  /** pool for queries [i0, i1) of the whole call (pointers of the whole call; for threads). */
  poolRows(
    i0: number,
    i1: number,
    q: number,
    k: number,
    v: number,
    nk: number,
    perQuery: boolean,
    excludeSelf: boolean,
    c: number,
    yHat: number,
    weights: number,
  ): void;
  /** poolLoss for queries [i0, i1), each query's two terms kept apart as f64 pairs at terms + 16·i. */
  poolLossRows(
    i0: number,
    i1: number,
    q: number,
    k: number,
    v: number,
    nk: number,
    perQuery: boolean,
    excludeSelf: boolean,
    c: number,
    w: number,
    targets: number,
    yHat: number,
    terms: number,
  ): void;
  /** `kind`: the index of the kernel in COMPACT_KINDS (args/kernel.ts). */
  poolCompact(
    kind: number,
    q: number,
    nq: number,
    k: number,
    v: number,
    nk: number,
    perQuery: boolean,
    excludeSelf: boolean,
    w: number,
    yHat: number,
    weights: number,
  ): void;
  poolLossCompact(
    kind: number,
    q: number,
    nq: number,
    k: number,
    v: number,
    nk: number,
    perQuery: boolean,
    excludeSelf: boolean,
    w: number,
    targets: number,
    yHat: number,
    result: number,
  ): void;
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
