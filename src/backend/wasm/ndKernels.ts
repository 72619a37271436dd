import { firstNonFinite } from '../../args/finite.js';
import type { KernelName } from '../../args/kernel.js';
import { localMomentsSize } from '../kernels.js';
import type { PairCall, PoolCall } from '../../args/pool.js';
import type { KernelExports } from './load.js';
import { blockRows, type Workspace } from './workspace.js';

/**
 * The d-dimensional WebAssembly kernels' host side (assembly/poolNd.ts, assembly/ndTerms.ts):
 * layout, the per-feature constants, and the float32 checks. Each call copies its inputs into
 * the workspace once, keys and values transposed to feature-major rows so that one v128 load
 * holds 4 keys of one feature:
 *
 *   q       [nq, d] row-major, as given
 *   k       [d, nkp] shared, or [nq, d, nkp] per query (nkp = nk rounded up to 4, pads 0)
 *   v       [dv, nkp] shared, or [nq, dv, nkp] per query (pads 0)
 *   params  γ_f as f64 [d] (the gradient's factor), then s_f as f32 [d] (the scale of u)
 *   scratch 2·nkp + 4·d + dv floats (one query's key terms e, B, the gradient's f64 sums, r)
 *
 * Whenever float32 cannot hold a call (a scale beyond float32 or subnormal, a difference q − k
 * beyond float32, or a result that is not finite) these return false / null, and the front end
 * recomputes the call with the float64 reference: never a silently wrong number.
 *
 * Threads: a runner lays out a slice [a, b) of the queries with ndSliceSizes and writeNdSlice
 * (the same code the single calls use), and passes the returned pointers, already shifted back
 * by a rows, to poolNdRows / poolLossNdRows with i0 = a, i1 = b. The slice's ŷ then starts at
 * offsets[NdSlot.yHat] ([b − a, dv] floats) and its per-query loss terms at offsets[NdSlot.extra]
 * ([b − a, 1 + d] f64); adding every slice's terms in query order from 0 gives poolLossNd's
 * result bit for bit.
 */

/** The kernels' `kind` argument: the index of the kernel here. */
export const ND_KINDS = ['gaussian', 'constant', 'boxcar', 'epanechnikov', 'triangular'] as const satisfies readonly KernelName[];

export function ndKind(kernel: KernelName): number {
  return ND_KINDS.indexOf(kernel);
}

/** Keys per feature row in the workspace: nk rounded up to a whole v128 (4 floats). */
export function paddedKeys(nk: number): number {
  return Math.ceil(nk / 4) * 4;
}

/** Scratch floats a call (or a slice) needs. */
export function scratchElements(nk: number, d: number, dv: number): number {
  return 2 * paddedKeys(nk) + 4 * d + dv;
}

/** The per-feature constants of a call, as the kernels read them at `params`. */
export interface NdParams {
  /** the gradient's factor: ∂e/∂w_f = γ_f·ρ_f·e (see assembly/poolNd.ts) */
  gamma: Float64Array;
  /** u_f = s_f·(q_f − k_f) */
  scale: Float32Array;
}

/** √(log2(e)/2): pooling's Gaussian scale, so Σu² = log2(e)·½Σ(w·Δ)² feeds exp2 directly. */
const POOL_GAUSSIAN = Math.sqrt(Math.LOG2E / 2);
const SMALLEST_NORMAL = 2 ** -126;

/**
 * γ and s for bandwidths w [d], or null when float32 cannot hold a scale: beyond float32, or
 * rounded to 0 or to a subnormal (which would lose the gradient, or the scale's precision). For
 * scores the Gaussian scale is w/√2, so the kernel's −Σu² is the score itself.
 */
export function ndParams(w: Float64Array, kernel: KernelName, use: 'pool' | 'scores'): NdParams | null {
  const d = w.length;
  const gamma = new Float64Array(d);
  const scale = new Float32Array(d);
  if (kernel === 'constant') return { gamma, scale }; // no difference is ever computed
  const factor = kernel !== 'gaussian' ? 1 : use === 'pool' ? POOL_GAUSSIAN : Math.SQRT1_2;
  for (let f = 0; f < d; f++) {
    const wf = w[f];
    const s = Math.fround(wf * factor);
    if (!(s === 0 ? wf === 0 : s >= SMALLEST_NORMAL && s < Infinity)) return null;
    scale[f] = s;
    if (kernel === 'gaussian') gamma[f] = wf === 0 ? 0 : -wf / s;
    else if (kernel === 'epanechnikov') gamma[f] = wf === 0 ? 0 : (-2 * wf) / s;
    else if (kernel === 'triangular') gamma[f] = -1;
  }
  return { gamma, scale };
}

/**
 * The params of a call that float32 can hold: its scales (ndParams) and every difference q − k
 * (differencesFit); null otherwise, and the call takes the float64 path.
 */
export function ndCallParams(p: PairCall, w: Float64Array, kernel: KernelName, use: 'pool' | 'scores'): NdParams | null {
  const params = ndParams(w, kernel, use);
  return params && (kernel === 'constant' || differencesFit(p.q, p.k)) ? params : null;
}

/** Floats of the params block of d features (f64 γ then f32 s). */
export function paramsElements(d: number): number {
  return 3 * d;
}

/** Writes the params block at byte offset `at` of `memory`. */
export function writeNdParams(memory: WebAssembly.Memory, at: number, params: NdParams): void {
  const d = params.scale.length;
  new Float64Array(memory.buffer, at, d).set(params.gamma);
  new Float32Array(memory.buffer, at + 8 * d, d).set(params.scale);
}

/**
 * Whether every difference q − k fits float32: |q| + |k| does (a conservative test, O(n·d):
 * a call beyond it takes the float64 path).
 */
export function differencesFit(q: Float32Array, k: Float32Array): boolean {
  return Math.fround(maxAbs(q) + maxAbs(k)) < Infinity;
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * Sets [set0, set0 + sets) of src [·, n, width] (row-major) into dst at element `at` as
 * [sets, width, nkp] (nkp = paddedKeys(n)), the padding lanes 0. One transpose per call.
 */
export function featureMajor(src: Float32Array, set0: number, sets: number, n: number, width: number, dst: Float32Array, at: number): void {
  const nkp = paddedKeys(n);
  for (let s = 0; s < sets; s++) {
    const from = (set0 + s) * n * width;
    const to = at + s * width * nkp;
    for (let f = 0; f < width; f++) {
      const row = to + f * nkp;
      for (let j = 0; j < n; j++) dst[row + j] = src[from + j * width + f];
      dst.fill(0, row + n, row + nkp);
    }
  }
}

/** The slots of a slice's layout, in the order of ndSliceSizes. */
export const NdSlot = { q: 0, k: 1, v: 2, params: 3, yHat: 4, scratch: 5, targets: 6, extra: 7 } as const;

/**
 * What a slice's last slot holds: nothing, the weights [b − a, nk], the loss sums f64 [1 + d]
 * (a single call), or the per-query loss terms f64 [b − a, 1 + d] (slices).
 */
export type NdExtra = 'none' | 'weights' | 'sum' | 'terms';

/** Sizes in floats of a slice's slots (see NdSlot) for queries [a, b): feed them to a layout. */
export function ndSliceSizes(p: PoolCall, a: number, b: number, extra: NdExtra, loss: boolean): number[] {
  const m = b - a;
  const sets = p.perQuery ? m : 1;
  const nkp = paddedKeys(p.nk);
  const more = extra === 'weights' ? m * p.nk : extra === 'sum' ? 2 * (1 + p.d) : extra === 'terms' ? 2 * (1 + p.d) * m : 0;
  return [m * p.d, sets * p.d * nkp, sets * p.dv * nkp, paramsElements(p.d), m * p.dv, scratchElements(p.nk, p.d, p.dv), loss ? m * p.dv : 0, more];
}

/** Byte pointers to pass to the kernels (shifted back by a rows where a kernel indexes by query). */
export interface NdPointers {
  q: number;
  k: number;
  v: number;
  params: number;
  yHat: number;
  scratch: number;
  targets: number;
  extra: number;
}

/**
 * Writes queries [a, b) of the call into the slots at byte `offsets` (from a layout of
 * ndSliceSizes): queries, keys and values feature-major, params, and the targets [nq, dv] of the
 * whole call when given. Returns the pointers for poolNd(Rows) / poolLossNd(Rows) with i0 = a.
 */
export function writeNdSlice(
  memory: WebAssembly.Memory,
  offsets: number[],
  p: PoolCall,
  params: NdParams,
  a: number,
  b: number,
  targets: Float32Array | null,
  extra: NdExtra,
): NdPointers {
  const f32 = new Float32Array(memory.buffer);
  const { d, dv, nk } = p;
  const set0 = p.perQuery ? a : 0;
  const sets = p.perQuery ? b - a : 1;
  f32.set(p.q.subarray(a * d, b * d), offsets[NdSlot.q] >> 2);
  featureMajor(p.k, set0, sets, nk, d, f32, offsets[NdSlot.k] >> 2);
  featureMajor(p.v, set0, sets, nk, dv, f32, offsets[NdSlot.v] >> 2);
  writeNdParams(memory, offsets[NdSlot.params], params);
  if (targets) f32.set(targets.subarray(a * dv, b * dv), offsets[NdSlot.targets] >> 2);
  const setShift = p.perQuery ? 4 * a * paddedKeys(nk) : 0;
  const extraShift = extra === 'weights' ? 4 * nk * a : extra === 'terms' ? 8 * (1 + d) * a : 0;
  return {
    q: offsets[NdSlot.q] - 4 * d * a,
    k: offsets[NdSlot.k] - setShift * d,
    v: offsets[NdSlot.v] - setShift * dv,
    params: offsets[NdSlot.params],
    yHat: offsets[NdSlot.yHat] - 4 * dv * a,
    scratch: offsets[NdSlot.scratch],
    targets: offsets[NdSlot.targets] - 4 * dv * a,
    extra: offsets[NdSlot.extra] - extraShift,
  };
}

/**
 * d-dimensional pooling: ŷ into yHat [nq, dv], and the weights [nq, nk] when asked. False when
 * float32 cannot hold the call (the caller recomputes it in float64).
 */
export function poolNd(x: KernelExports, ws: Workspace, p: PoolCall, yHat: Float32Array, weights: Float32Array | null): boolean {
  const params = ndCallParams(p, p.w, p.kernel, 'pool');
  if (!params) return false;
  const extra = weights ? 'weights' : 'none';
  const s = writeNdSlice(x.memory, ws.layout(...ndSliceSizes(p, 0, p.nq, extra, false)), p, params, 0, p.nq, null, extra);
  x.poolNd(s.q, p.nq, s.k, s.v, p.nk, p.d, p.dv, p.perQuery, p.excludeSelf, ndKind(p.kernel), s.params, s.yHat, weights ? s.extra : 0, s.scratch);
  ws.readInto(s.yHat, yHat);
  if (firstNonFinite(yHat) >= 0) return false;
  if (weights) ws.readInto(s.extra, weights);
  return true;
}

/**
 * The loss Σ_i Σ_c (ŷ_ic − t_ic)², returned, with ∂L/∂w_f into grad [d] and ŷ into yHat [nq, dv].
 * Null when float32 cannot hold the call.
 */
export function poolLossNd(x: KernelExports, ws: Workspace, p: PoolCall, targets: Float32Array, yHat: Float32Array, grad: Float64Array): number | null {
  const params = ndCallParams(p, p.w, p.kernel, 'pool');
  if (!params) return null;
  const s = writeNdSlice(x.memory, ws.layout(...ndSliceSizes(p, 0, p.nq, 'sum', true)), p, params, 0, p.nq, targets, 'sum');
  x.poolLossNd(s.q, p.nq, s.k, s.v, p.nk, p.d, p.dv, p.perQuery, p.excludeSelf, ndKind(p.kernel), s.params, s.targets, s.yHat, s.extra, s.scratch);
  const sums = new Float64Array(x.memory.buffer, s.extra, 1 + p.d);
  if (firstNonFinite(sums) >= 0) return null;
  grad.set(sums.subarray(1));
  ws.readInto(s.yHat, yHat);
  return sums[0];
}

/**
 * Kernel regression's local-linear moments (assembly/momentsNd.ts) into out (f64 [nq, m], see
 * Kernels.localMoments). Shared keys and one value column only; false (the float64 reference
 * runs) for anything else, or where float32 cannot hold the call or a sum is not finite.
 */
export function localMomentsNd(x: KernelExports, ws: Workspace, p: PoolCall, slopes: boolean, out: Float64Array): boolean {
  if (p.perQuery || p.dv !== 1) return false;
  const params = ndCallParams(p, p.w, p.kernel, 'pool');
  if (!params) return false;
  const m = localMomentsSize(p.d) * (slopes ? 1 + p.d : 1);
  const sizes = ndSliceSizes(p, 0, p.nq, 'none', false);
  sizes[NdSlot.yHat] = 0;
  sizes[NdSlot.extra] = 2 * p.nq * m;
  const s = writeNdSlice(x.memory, ws.layout(...sizes), p, params, 0, p.nq, null, 'none');
  x.localMomentsNd(s.q, p.nq, s.k, s.v, p.nk, p.d, p.excludeSelf, ndKind(p.kernel), s.params, slopes, s.extra, s.scratch);
  const sums = new Float64Array(x.memory.buffer, s.extra, p.nq * m);
  if (firstNonFinite(sums) >= 0) return false;
  out.set(sums);
  return true;
}

/**
 * Scores of every pair into out [nq, nk]: Gaussian −½ Σ_f (w_f·(q_f − k_f))², compact kernels
 * log K = Σ_f log K1(w_f·(q_f − k_f)) (−Infinity outside the support). False when float32
 * cannot hold the call.
 */
export function scoresNd(x: KernelExports, ws: Workspace, p: PairCall, w: Float64Array, kernel: KernelName, out: Float32Array): boolean {
  const params = ndCallParams(p, w, kernel, 'scores');
  if (!params) return false;
  const { nq, nk, d } = p;
  const sets = p.perQuery ? nq : 1;
  const nkp = paddedKeys(nk);
  const rows = blockRows(nk, nq);
  const [q, k, pr, o, scratch] = ws.layout(nq * d, sets * d * nkp, paramsElements(d), rows * nk, nkp);
  ws.write(q, p.q);
  featureMajor(p.k, 0, sets, nk, d, new Float32Array(x.memory.buffer), k >> 2);
  writeNdParams(x.memory, pr, params);
  // a block of rows at a time, each copied out while it is in cache (see blockRows)
  const smooth = kernel === 'epanechnikov' || kernel === 'triangular';
  for (let i0 = 0; i0 < nq; i0 += rows) {
    const n = Math.min(rows, nq - i0);
    x.scoresNd(q + 4 * i0 * d, n, p.perQuery ? k + 4 * i0 * d * nkp : k, nk, d, p.perQuery, ndKind(kernel), pr, o, scratch);
    ws.readRange(o, out, i0 * nk, n * nk);
    if (kernel === 'gaussian') continue;
    // The logs on the way out (there is no SIMD log). A product below float32's normal range may
    // have underflowed inside the support: those few are recomputed as a sum of logs in float64.
    for (let i = i0; i < i0 + n; i++) {
      for (let j = 0; j < nk; j++) {
        const at = i * nk + j;
        out[at] = smooth && out[at] < SMALLEST_NORMAL ? logKernel(p, w, kernel, i, j) : Math.log(out[at]);
      }
    }
  }
  return true;
}

/** log Π_f K1(w_f·(q_if − k_jf)) in float64 (Epanechnikov or triangular). */
function logKernel(p: PairCall, w: Float64Array, kernel: KernelName, i: number, j: number): number {
  const { d } = p;
  const key = ((p.perQuery ? i * p.nk : 0) + j) * d;
  let sum = 0;
  for (let f = 0; f < d; f++) {
    const a = Math.abs(w[f] * (p.q[i * d + f] - p.k[key + f]));
    if (a >= 1) return -Infinity;
    sum += kernel === 'epanechnikov' ? Math.log1p(-a) + Math.log1p(a) : Math.log1p(-a);
  }
  return sum;
}
