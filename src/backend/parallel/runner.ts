import { OP_POOL, type Job, type Sources } from './protocol.js';

/**
 * Runs one slice of a fused pooling call on one WASM instance. It is plain JavaScript in a
 * string so that exactly the same code runs in the workers (which get it through
 * `new Worker(code, { eval: true })`, independent of file paths and bundlers) and on the
 * calling thread (through `new Function`); a TS function's toString() would carry whatever a
 * transform (coverage, keepNames) put into it.
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
export const RUNNER_SOURCE = String.raw`
function createRunner(module) {
  const x = new WebAssembly.Instance(module, {}).exports;
  const memory = x.memory;
  let f32 = new Float32Array(memory.buffer);
  let f64 = new Float64Array(memory.buffer);
  let heldVersion = -1; // the shared keys/values version now at BASE; -1: none
  const BASE = 64; // pointer 0 means "no weights" to the kernel, so start past it
  const up = (bytes) => Math.ceil(bytes / 16) * 16;
  function ensure(bytes) {
    const have = memory.buffer.byteLength;
    if (bytes <= have) return;
    memory.grow(Math.ceil((bytes - have) / 65536));
    f32 = new Float32Array(memory.buffer);
    f64 = new Float64Array(memory.buffer);
  }
  function run(job, src) {
    const { a, b, nk, perQuery, excludeSelf, c, w } = job;
    const m = b - a;
    if (m <= 0) return;
    const kvLen = perQuery ? m * nk : nk;
    const k = BASE, v = k + up(kvLen * 4), q = v + up(kvLen * 4);
    const t = q + up(m * 4), y = t + up(m * 4), res = y + up(m * 4);
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
    if (job.op !== ${OP_POOL}) f32.set(src.t.subarray(a, b), t >> 2);
    const rowShift = perQuery ? 4 * nk * a : 0;
    if (job.op === ${OP_POOL}) {
      x.poolRows(a, b, q - 4 * a, k - rowShift, v - rowShift, nk, perQuery, excludeSelf, c, y - 4 * a, 0);
    } else {
      x.poolLossRows(a, b, q - 4 * a, k - rowShift, v - rowShift, nk, perQuery, excludeSelf, c, w, t - 4 * a, y - 4 * a, res - 16 * a);
      src.terms.set(f64.subarray(res >> 3, (res >> 3) + 2 * m), 2 * a);
    }
    src.y.set(f32.subarray(y >> 2, (y >> 2) + m), a);
  }
  return run;
}
`;

/** Runs `job`'s slice, reading inputs from and writing ŷ (and loss terms) into `src`. */
export type Runner = (job: Job, src: Sources) => void;

/** A runner on the calling thread, with its own instance of `module`. */
export function createRunner(module: WebAssembly.Module): Runner {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the same source the workers eval
  const make = new Function(`${RUNNER_SOURCE}\nreturn createRunner;`)() as (m: WebAssembly.Module) => Runner;
  return make(module);
}
