import { BASE, PAGE, sliceBytes } from '../wasm/abi.js';
import type { KernelExports } from '../wasm/load.js';
import { OP_POOL, type Job, type Sources } from './protocol.js';

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
 * A slice runs as one call of poolRows / poolLossRows: queries [i0, i1) of the whole call, so
 * excludeSelf skips key i for global query i, and the loss terms are kept per query. The
 * slice's pointers are passed shifted back by a rows (wasm32 pointers wrap mod 2^32).
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
  return (job, src) => {
    const { a, b, nk, perQuery, excludeSelf, c, w } = job;
    const m = b - a;
    if (m <= 0) return;
    const kvLen = perQuery ? m * nk : nk;
    const k = BASE;
    const v = k + sliceBytes(kvLen);
    const q = v + sliceBytes(kvLen);
    const t = q + sliceBytes(m);
    const y = t + sliceBytes(m);
    const res = y + sliceBytes(m);
    ensure(res + 16 * m);
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
      x.poolRows(a, b, q - 4 * a, k - rowShift, v - rowShift, nk, perQuery, excludeSelf, c, y - 4 * a, 0);
    } else {
      x.poolLossRows(a, b, q - 4 * a, k - rowShift, v - rowShift, nk, perQuery, excludeSelf, c, w, t - 4 * a, y - 4 * a, res - 16 * a);
      src.terms.set(f64.subarray(res >> 3, (res >> 3) + 2 * m), 2 * a);
    }
    src.y.set(f32.subarray(y >> 2, (y >> 2) + m), a);
  };
}
