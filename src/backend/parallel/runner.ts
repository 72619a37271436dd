import { isOneDimensional } from '../js/kernels.js';
import { BASE, gradientFactor, PAGE, poolScratch, SLACK, sliceBytes } from '../wasm/abi.js';
import type { KernelExports } from '../wasm/load.js';
import { NdSlot, ndKind, ndParams, ndSliceSizes, writeNdSlice } from '../wasm/ndKernels.js';
import { Workspace } from '../wasm/workspace.js';
import { OP_POOL, termsPerQuery, type Job, type Sources } from './protocol.js';

/**
 * Runs one slice of a fused pooling call on one WASM instance. The same module runs on the
 * calling thread (imported) and in every worker (bundled into the workers' source at build
 * time, see scripts/build.mjs), so no code is ever evaluated from a string here: a page whose
 * Content-Security-Policy forbids 'unsafe-eval' can still split its calls.
 *
 * Each instance keeps the shared keys and values at the start of its memory and copies them
 * again only when the job's keysVersion differs from the one it holds. The kernel's module
 * imports nothing (--runtime stub, no abort calls in release), so it instantiates with {}.
 *
 * Loss: the kernel accumulates Σ over queries in one float64 running sum. To give the very
 * same bits from slices, each query's two terms are kept apart and the caller adds them in
 * query order from 0, as the kernel's loop does. ŷ needs nothing of the kind: each query's
 * arithmetic depends only on its own row.
 *
 * A slice runs as one call of poolRows / poolLossRows (one feature, one value column) or
 * poolNdRows / poolLossNdRows (d features, dv columns; laid out by ndKernels.ts, the code the
 * single calls use): queries [i0, i1) of the whole call, so excludeSelf skips key i for global
 * query i, and the loss terms are kept per query. The slice's pointers are passed shifted back
 * by a rows (wasm32 pointers wrap mod 2^32).
 */
export type Runner = (job: Job, src: Sources) => void;

/** A runner with its own instance of `module`. */
export function createRunner(module: WebAssembly.Module): Runner {
  const x = new WebAssembly.Instance(module, {}).exports as unknown as KernelExports;
  const memory = x.memory;
  let f32 = new Float32Array(memory.buffer);
  let f64 = new Float64Array(memory.buffer);
  let heldVersion = -1; // the shared keys/values version now at BASE; -1: none
  const ensure = (bytes: number): void => {
    const have = memory.buffer.byteLength;
    if (bytes <= have) return;
    memory.grow(Math.ceil((bytes - have) / PAGE));
    f32 = new Float32Array(memory.buffer);
    f64 = new Float64Array(memory.buffer);
  };
  const ws = new Workspace(memory);
  /** A d-dimensional slice: its own layout from BASE (so the 1-D keys held there are gone). */
  const runNd = (job: Job, src: Sources): void => {
    const { a, b, d, dv } = job;
    heldVersion = -1;
    const p = { ...job, q: src.q, k: src.k, v: src.v, valueColumns: true, wVector: true };
    const loss = job.op !== OP_POOL;
    const extra = loss ? 'terms' : 'none';
    const offsets = ws.layout(...ndSliceSizes(p, a, b, extra, loss));
    // the caller checked that float32 holds the call (ThreadedKernels.sliceable), so the params exist
    const params = ndParams(job.w, job.kernel, 'pool') as NonNullable<ReturnType<typeof ndParams>>;
    const s = writeNdSlice(memory, offsets, p, params, a, b, loss ? src.t : null, extra);
    const args = [s.k, s.v, job.nk, d, dv, job.perQuery, job.excludeSelf, ndKind(job.kernel), s.params] as const;
    if (loss) x.poolLossNdRows(a, b, s.q, ...args, s.targets, s.yHat, s.extra, s.scratch);
    else x.poolNdRows(a, b, s.q, ...args, s.yHat, 0, s.scratch);
    const m = b - a;
    src.y.set(new Float32Array(memory.buffer, offsets[NdSlot.yHat], m * dv), a * dv);
    if (loss) src.terms.set(new Float64Array(memory.buffer, offsets[NdSlot.extra], m * termsPerQuery(d)), a * termsPerQuery(d));
    f32 = new Float32Array(memory.buffer); // the layout may have grown the memory
    f64 = new Float64Array(memory.buffer);
  };
  return (job, src) => {
    if (job.b <= job.a) return;
    if (!isOneDimensional(job)) return runNd(job, src);
    const { a, b, nk, perQuery, excludeSelf, c } = job;
    const w = job.w[0];
    const m = b - a;
    const kvLen = perQuery ? m * nk : nk;
    const k = BASE;
    const v = k + sliceBytes(kvLen);
    const q = v + sliceBytes(kvLen);
    const t = q + sliceBytes(m);
    const y = t + sliceBytes(m);
    const res = y + sliceBytes(m);
    const scratch = res + 16 * m; // pass 1's u² (abi.ts, poolScratch)
    ensure(scratch + sliceBytes(poolScratch(nk)) + SLACK);
    if (perQuery) {
      heldVersion = -1; // the rows overwrite whatever shared keys were held
      f32.set(src.k.subarray(a * nk, b * nk), k >> 2);
      f32.set(src.v.subarray(a * nk, b * nk), v >> 2);
    } else if (heldVersion !== job.keysVersion) {
      f32.set(src.k.subarray(0, nk), k >> 2);
      f32.set(src.v.subarray(0, nk), v >> 2);
      heldVersion = job.keysVersion;
    }
    f32.set(src.q.subarray(a, b), q >> 2);
    if (job.op !== OP_POOL) f32.set(src.t.subarray(a, b), t >> 2);
    const rowShift = perQuery ? 4 * nk * a : 0;
    if (job.op === OP_POOL) {
      x.poolRows(a, b, q - 4 * a, k - rowShift, v - rowShift, nk, perQuery, excludeSelf, c, y - 4 * a, 0, scratch);
    } else {
      x.poolLossRows(a, b, q - 4 * a, k - rowShift, v - rowShift, nk, perQuery, excludeSelf, c, gradientFactor(w), t - 4 * a, y - 4 * a, res - 16 * a, scratch);
      src.terms.set(f64.subarray(res >> 3, (res >> 3) + 2 * m), 2 * a);
    }
    src.y.set(f32.subarray(y >> 2, (y >> 2) + m), a);
  };
}
