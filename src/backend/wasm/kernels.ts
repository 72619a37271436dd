import type { BmmCall } from '../../args/bmm.js';
import { firstNonFinite } from '../../args/finite.js';
import { COMPACT_KINDS, type CompactKernel, type KernelName } from '../../args/kernel.js';
import type { PairCall, PoolCall } from '../../args/pool.js';
import { isOneDimensional } from '../js/kernels.js';
import type { Kernels } from '../kernels.js';
import type { BackendFeatures } from '../types.js';
import { float32Holds, gradientFactor, poolScratch, scaleHolds, scoreScale } from './abi.js';
import { instantiateKernels, type KernelExports } from './load.js';
import { localMomentsNd, poolLossNd, poolNd, scoresNd } from './ndKernels.js';
import { blockRows, Workspace } from './workspace.js';

/**
 * The WebAssembly SIMD kernels. Each call copies its inputs into the workspace, runs one
 * kernel and copies the results out into the front end's arrays. One feature and one value
 * column run the 1-D kernels (pool.ts, compact.ts); anything else the d-dimensional ones
 * (poolNd.ts, laid out by ndKernels.ts). float32 can overflow where
 * float64 does not (|w·(q − k)| beyond ~1e19, w beyond float32's range): such calls report
 * false and the front end recomputes them with the float64 reference.
 */
export class WasmKernels implements Kernels {
  private ws: Workspace;
  /** Bytes of linear memory a fresh instance starts with. */
  private readonly initialBytes: number;

  constructor(
    private x: KernelExports,
    /** Whether `x` is the relaxed-SIMD build (trim instantiates the same one). */
    readonly relaxed: boolean,
  ) {
    this.ws = new Workspace(x.memory);
    this.initialBytes = this.ws.bytes;
  }

  /**
   * Gives back the memory that large calls grew: a WebAssembly memory cannot shrink, so an
   * instance grown beyond its initial size is replaced by a fresh one (the module is the same;
   * nothing is kept between calls). Calls run synchronously, so none is running while this
   * awaits; a call made meanwhile runs on the old instance.
   */
  async trim(): Promise<void> {
    if (this.ws.bytes <= this.initialBytes) return;
    const fresh = await instantiateKernels(this.relaxed);
    this.x = fresh;
    this.ws = new Workspace(fresh.memory);
  }

  /** The instance's linear memory (tests check that no result is a view of it). */
  get memory(): WebAssembly.Memory {
    return this.x.memory;
  }

  features(): BackendFeatures {
    return { simd: true, relaxedSimd: this.relaxed, threads: 1 };
  }

  memoryBytes(): number {
    return this.ws.bytes;
  }

  /** The instance's memory now: a view of it would be overwritten by the next call, and detached when it grows. */
  ownsBuffer(buffer: ArrayBufferLike): boolean {
    return buffer === this.x.memory.buffer;
  }

  scores(p: PairCall, ws: Float64Array, kernel: KernelName, out: Float32Array): boolean {
    if (p.d > 1) return scoresNd(this.x, this.ws, p, ws, kernel, out);
    const w = ws[0];
    const gaussian = kernel === 'gaussian';
    const c = gaussian ? Math.fround(w * Math.SQRT1_2) : Math.fround(w);
    // w beyond float32's range (0·Infinity = NaN), a subnormal scale or a difference beyond float32
    if (!float32Holds(p.q, p.k, c)) return false;
    const { nq, nk, perQuery } = p;
    const rows = blockRows(nk, nq);
    // per-query keys go in a block of rows at a time, as the scores come out
    const [q, k, o] = this.ws.layout(nq, perQuery ? rows * nk : nk, rows * nk);
    this.ws.write(q, p.q);
    if (!perQuery) this.ws.write(k, p.k);
    for (let i0 = 0; i0 < nq; i0 += rows) {
      const n = Math.min(rows, nq - i0);
      if (perQuery) this.ws.write(k, p.k.subarray(i0 * nk, (i0 + n) * nk));
      if (gaussian) this.x.scores(q + 4 * i0, n, k, nk, perQuery, c, o);
      else this.x.kernelValues(kindOf(kernel), q + 4 * i0, n, k, nk, perQuery, c, o);
      this.ws.readRange(o, out, i0 * nk, n * nk);
      // The compact kernels' values in SIMD, their logs here (there is no SIMD log), while the block is in cache.
      if (!gaussian) for (let i = i0 * nk; i < (i0 + n) * nk; i++) out[i] = Math.log(out[i]);
    }
    return true;
  }

  softmax(x: Float32Array, rows: number, cols: number, out: Float32Array): number {
    const block = blockRows(cols, rows);
    const [xi] = this.ws.layout(block * cols);
    // Nothing may reach `out` before every row is known good: with more than one block, a first
    // pass checks them all (one block is checked by the kernel before it is copied out).
    if (block < rows) {
      for (let r0 = 0; r0 < rows; r0 += block) {
        const n = Math.min(block, rows - r0);
        this.ws.write(xi, x.subarray(r0 * cols, (r0 + n) * cols));
        const bad = this.x.softmaxCheck(xi, n, cols);
        if (bad >= 0) return r0 + bad;
      }
    }
    // In place in the block; out may be x itself, whose rows are copied in before they are written.
    for (let r0 = 0; r0 < rows; r0 += block) {
      const n = Math.min(block, rows - r0);
      this.ws.write(xi, x.subarray(r0 * cols, (r0 + n) * cols));
      const bad = this.x.softmax(xi, n, cols, xi);
      if (bad >= 0) return r0 + bad;
      this.ws.readRange(xi, out, r0 * cols, n * cols);
    }
    return -1;
  }

  bmm(m: BmmCall, out: Float32Array): void {
    const [a, b, o] = this.ws.layout(m.a.length, m.b.length, out.length);
    this.ws.write(a, m.a);
    this.ws.write(b, m.b);
    this.x.bmm(a, b, o, m.batch, m.n, m.m, m.p);
    this.ws.readInto(o, out);
  }

  pool(p: PoolCall, yHat: Float32Array, weights: Float32Array | null): boolean {
    if (!isOneDimensional(p)) return poolNd(this.x, this.ws, p, yHat, weights);
    const w = p.w[0];
    if (p.kernel !== 'gaussian') return this.poolCompact(p, p.kernel as CompactKernel, w, yHat, weights);
    const c = scoreScale(w);
    if (!scaleHolds(c)) return false;
    const ws = this.ws;
    ws.begin();
    const q = ws.slice(p.nq);
    // keys that are the queries (leave-one-out on the training inputs) share their slice
    const k = p.k === p.q ? q : ws.slice(p.k.length);
    const v = ws.slice(p.v.length);
    const y = ws.slice(p.nq);
    const wt = weights ? ws.slice(weights.length) : 0;
    const scratch = ws.slice(poolScratch(p.nk));
    ws.commit();
    ws.write(q, p.q);
    if (k !== q) ws.write(k, p.k);
    ws.write(v, p.v);
    // the kernel checks the differences q − k and ŷ (false: float32 cannot hold the call)
    if (!this.x.pool(q, p.nq, k, v, p.nk, p.perQuery, p.excludeSelf, c, y, wt, scratch)) return false;
    ws.readInto(y, yHat);
    if (weights) ws.readInto(wt, weights);
    return true;
  }

  poolLoss(p: PoolCall, targets: Float32Array, yHat: Float32Array, gradient: Float64Array): number | null {
    if (!isOneDimensional(p)) return poolLossNd(this.x, this.ws, p, targets, yHat, gradient);
    const w = p.w[0];
    if (p.kernel !== 'gaussian') return this.poolLossCompact(p, p.kernel as CompactKernel, w, targets, yHat, gradient);
    const c = scoreScale(w);
    if (!scaleHolds(c)) return null;
    const ws = this.ws;
    ws.begin();
    const q = ws.slice(p.nq);
    // keys that are the queries (leave-one-out on the training inputs) share their slice
    const k = p.k === p.q ? q : ws.slice(p.k.length);
    const v = ws.slice(p.v.length);
    // targets that are the values (a training step on its own data) share their slice
    const t = targets === p.v ? v : ws.slice(p.nq);
    const y = ws.slice(p.nq);
    const result = ws.slice(4);
    const scratch = ws.slice(poolScratch(p.nk));
    ws.commit();
    ws.write(q, p.q);
    if (k !== q) ws.write(k, p.k);
    ws.write(v, p.v);
    if (t !== v) ws.write(t, targets);
    // the kernel checks the differences q − k and ŷ (false: float32 cannot hold the call)
    if (!this.x.poolLoss(q, p.nq, k, v, p.nk, p.perQuery, p.excludeSelf, c, gradientFactor(w), t, y, result, scratch)) return null;
    const loss = ws.readF64(result, 0);
    const grad = ws.readF64(result, 1);
    if (!Number.isFinite(loss) || !Number.isFinite(grad)) return null;
    ws.readInto(y, yHat);
    gradient[0] = grad;
    return loss;
  }

  private poolCompact(p: PoolCall, kernel: CompactKernel, w: number, yHat: Float32Array, weights: Float32Array | null): boolean {
    if (!float32Holds(p.q, p.k, Math.fround(w))) return false;
    const [q, k, v, y, wt] = this.layoutPool(p, p.nq, weights ? p.nq * p.nk : 0);
    this.x.poolCompact(kindOf(kernel), q, p.nq, k, v, p.nk, p.perQuery, p.excludeSelf, w, y, weights ? wt : 0);
    this.ws.readInto(y, yHat);
    if (firstNonFinite(yHat) >= 0) return false;
    if (weights) this.ws.readInto(wt, weights);
    return true;
  }

  private poolLossCompact(p: PoolCall, kernel: CompactKernel, w: number, targets: Float32Array, yHat: Float32Array, gradient: Float64Array): number | null {
    if (!float32Holds(p.q, p.k, Math.fround(w))) return null;
    const [q, k, v, y, t, result] = this.layoutPool(p, p.nq, p.nq, 4);
    this.ws.write(t, targets);
    this.x.poolLossCompact(kindOf(kernel), q, p.nq, k, v, p.nk, p.perQuery, p.excludeSelf, w, t, y, result);
    const loss = this.ws.readF64(result, 0);
    const grad = this.ws.readF64(result, 1);
    if (!Number.isFinite(loss) || !Number.isFinite(grad)) return null;
    this.ws.readInto(y, yHat);
    if (firstNonFinite(yHat) >= 0) return null;
    gradient[0] = grad;
    return loss;
  }

  localMoments(p: PoolCall, slopes: boolean, out: Float64Array): boolean {
    return localMomentsNd(this.x, this.ws, p, slopes, out);
  }

  /** Slices for q, k, v and then the given sizes, with q, k and v written into theirs. */
  private layoutPool(p: PoolCall, ...more: number[]): number[] {
    const slices = this.ws.layout(p.nq, p.k.length, p.v.length, ...more);
    this.ws.write(slices[0], p.q);
    this.ws.write(slices[1], p.k);
    this.ws.write(slices[2], p.v);
    return slices;
  }
}

/** The `kind` argument of the compact kernels. */
function kindOf(kernel: CompactKernel): number {
  return COMPACT_KINDS.indexOf(kernel);
}
