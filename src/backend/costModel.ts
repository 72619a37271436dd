import type { PoolCall } from '../args/pool.js';
import { fastChoice } from '../fast/costModel.js';
import { fastAttentionPool } from '../fast/fastPool.js';
import type { PlannedSumsNd } from '../fast/nd/gaussSumsNd.js';
import { planPoolNd } from '../fast/ndPool.js';
import { MT19937 } from '../torch/mt19937.js';
import type { Kernels } from './kernels.js';
import type { CostModel } from './types.js';

/** Threads above one speed dense pooling up by this much each (W7: 1.94–1.98 on 2 threads). */
const THREAD_EFFICIENCY = 0.95;

/** Calls this small run dense without consulting the model: even the JS backend takes under ~1 ms, about the fast path's own set-up. */
export const MIN_AUTO_PAIRS = 1 << 14;

/** Dense costs per kind of kernels (every WASM instance of one build runs the same code), so that backends of one kind in a process decide alike. */
const dense = new Map<string, { densePoolNs: number; denseLossNs: number }>();
type FastScales = Pick<CostModel, 'fgtScale' | 'windowedScale'>;
type NdScales = Pick<CostModel, 'ndHermiteScale' | 'ndExactScale'>;
let fast: FastScales | undefined;
/** Measured apart from the 1-D scales, on the first call that needs them: a process that pools one feature never pays for them. */
let nd: NdScales | undefined;

/**
 * The best of five timings of f in ms per call, each repeated for at least 3 ms (browsers coarsen
 * performance.now() to 0.1–1 ms), after a warm-up of at least 10 ms and 20 calls: engines run
 * new code on a baseline tier first (V8's Liftoff for WASM, its interpreter for JS) and swap in
 * optimised code after enough calls (the fast path's first dozen calls measured 5–40× slower
 * than its warm ones), and the best of several skips the pauses of garbage collection.
 */
function bestTime(f: () => void): number {
  const repeat = (ms: number, minCalls: number): number => {
    let calls = 0;
    const t0 = performance.now();
    let t = t0;
    do {
      f();
      calls++;
      t = performance.now();
    } while (t - t0 < ms || calls < minCalls);
    return (t - t0) / calls;
  };
  repeat(10, 20);
  let best = Infinity;
  for (let r = 0; r < 5; r++) best = Math.min(best, repeat(3, 1));
  return best;
}

function uniform(n: number, seed: number): Float32Array {
  const g = new MT19937(seed);
  return Float32Array.from({ length: n }, () => 5 * g.nextDouble());
}

/** A checked Gaussian call with nq queries and nk shared keys uniform on [0, 5)^d, as the front end would build it. @internal */
export function calibrationCall(nq: number, nk: number, w: number, d = 1): PoolCall {
  return {
    q: uniform(nq * d, 1),
    k: uniform(nk * d, 2),
    v: uniform(nk, 3),
    nq,
    nk,
    d,
    dv: 1,
    perQuery: false,
    valueColumns: false,
    w: new Float64Array(d).fill(w),
    wVector: false,
    excludeSelf: false,
    kernel: 'gaussian',
  };
}

function measureDense(kernels: Kernels): { densePoolNs: number; denseLossNs: number } {
  // 32 × 2048 pairs: under the threaded kernels' slicing threshold, so one thread is measured
  const call = calibrationCall(32, 2048, 1);
  const pairs = call.nq * call.nk;
  const yHat = new Float32Array(call.nq);
  const grad = new Float64Array(1);
  const targets = call.q;
  return {
    densePoolNs: (bestTime(() => kernels.pool(call, yHat, null)) * 1e6) / pairs,
    denseLossNs: (bestTime(() => kernels.poolLoss(call, targets, yHat, grad)) * 1e6) / pairs,
  };
}

function measureFast(): FastScales {
  const scale = (n: number, w: number, method: 'fgt' | 'windowed'): number => {
    const c = calibrationCall(n, n, w);
    const model = fastChoice(n, n, w, 5);
    if (model.method !== method) throw new Error(`costModel: the calibration problem n = ${n}, w = ${w} does not take the ${method} path`);
    return (bestTime(() => fastAttentionPool({ q: c.q, k: c.k, v: c.v, w, excludeSelf: false })) * 1e6) / model.ns;
  };
  return { fgtScale: scale(512, 1, 'fgt'), windowedScale: scale(256, 23, 'windowed') };
}

function measureNd(): NdScales {
  const scale = (n: number, w: number, method: 'hermite' | 'exact'): number => {
    const c = calibrationCall(n, n, w, 2);
    const plan = planPoolNd(c, false, { method });
    // forcing a method falls back to the other where it has no plan: never the case for these problems
    if (plan.method !== method) throw new Error(`costModel: the calibration problem n = ${n}, d = 2, w = ${w} does not take the ${method} path`);
    return (bestTime(() => planPoolNd(c, false, { method }).run()) * 1e6) / plan.ns;
  };
  // d = 2 over [0, 5)²: w = 0.3 puts every key within a few bandwidths (Hermite; at n = 4096 its
  // fixed costs no longer dominate, ~10 ms a call), w = 3.1 about 50 keys' weight around each
  // query (exact sums over the cells, ~7 ms; at n = 2048 a query's window holds its ~1,100 keys,
  // as at any n, so the scale carries over to large calls, which n = 256 did not: d = 3,
  // n = 16384 narrow went dense at 1.5× the fast path's time)
  return { ndHermiteScale: scale(4096, 0.3, 'hermite'), ndExactScale: scale(2048, 3.1, 'exact') };
}

/** Which code the kernels run: the JS reference, or one of the WASM builds (threads do not change the per-thread cost). */
function kind(kernels: Kernels): string {
  const f = kernels.features?.();
  return f ? `wasm${f.relaxedSimd ? '-relaxed' : ''}` : 'js';
}

/**
 * The cost model of `kernels` on this machine, measured on first use. `withNd: false` (a
 * one-feature call's choice) leaves the d-dimensional scales unmeasured (NaN) if no call has
 * needed them yet.
 */
export function costModel(kernels: Kernels, withNd = true): CostModel {
  let d = dense.get(kind(kernels));
  if (!d) {
    d = measureDense(kernels);
    dense.set(kind(kernels), d);
  }
  fast ??= measureFast();
  if (withNd) nd ??= measureNd();
  return { ...d, ...fast, ...(nd ?? { ndHermiteScale: Number.NaN, ndExactScale: Number.NaN }) };
}

/** Replaces the measured model of `kernels` and every kernels of their kind (tests, and callers who calibrated elsewhere). @internal */
export function setCostModel(kernels: Kernels, model: CostModel): void {
  dense.set(kind(kernels), { densePoolNs: model.densePoolNs, denseLossNs: model.denseLossNs });
  fast = { fgtScale: model.fgtScale, windowedScale: model.windowedScale };
  // a model read with costModel(kernels, false) may carry NaN for scales not yet measured
  if (!Number.isNaN(model.ndHermiteScale + model.ndExactScale)) nd = { ndHermiteScale: model.ndHermiteScale, ndExactScale: model.ndExactScale };
}

/** Predicted ns of a dense call of `pairs` query–key pairs on kernels with this model, split over `threads` threads. */
export function denseNs(model: CostModel, pairs: number, loss: boolean, threads: number): number {
  return (pairs * (loss ? model.denseLossNs : model.densePoolNs)) / (1 + (threads - 1) * THREAD_EFFICIENCY);
}

/**
 * Whether the fast path is predicted to beat dense pooling for `call` on kernels with this model,
 * the dense call split over `threads` threads; `range` is the keys' extent (max − min).
 */
export function fastIsFaster(model: CostModel, call: PoolCall, range: number, loss: boolean, threads: number): boolean {
  const f = fastChoice(call.nq, call.nk, call.w[0], range);
  return f.ns * (f.method === 'fgt' ? model.fgtScale : model.windowedScale) < denseNs(model, call.nq * call.nk, loss, threads);
}

/**
 * The d-dimensional path's predicted ns for a planned call, on this machine, with its exact pass
 * (the whole of an 'exact' plan) split over `threads` threads.
 */
export function ndFastNs(model: CostModel, plan: PlannedSumsNd, threads = 1): number {
  return plan.method === 'hermite' ? plan.ns * model.ndHermiteScale : (plan.ns * model.ndExactScale) / threads;
}

/**
 * Planning a d-dimensional call (centring, the cell grid, the density: O(nq + nk)) costs about
 * this many ns a point on this machine's Node 20; 'auto' plans only when a dense call would cost
 * five times as much, so that a call that then goes dense pays at most a fifth more.
 */
const PLAN_NS_PER_POINT = 100;

/** Whether a call whose dense run would take `dense` ns is worth planning on the d-dimensional path. */
export function ndPlanWorthIt(call: PoolCall, dense: number): boolean {
  return dense > 5 * PLAN_NS_PER_POINT * (call.nq + call.nk);
}
