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
import { Workspace } from './workspace.js';

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

  scores(p: PairCall, ws: Float64Array, kernel: KernelName, out: Float32Array): boolean {
    if (p.d > 1) return scoresNd(this.x, this.ws, p, ws, kernel, out);
    const w = ws[0];
    // w beyond float32's range (0·Infinity = NaN), a subnormal scale or a difference beyond float32
    if (!float32Holds(p.q, p.k, kernel === 'gaussian' ? Math.fround(w * Math.SQRT1_2) : Math.fround(w))) return false;
    const [q, k, o] = this.ws.layout(p.nq, p.k.length, p.nq * p.nk);
    this.ws.write(q, p.q);
    this.ws.write(k, p.k);
    if (kernel === 'gaussian') {
      this.x.scores(q, p.nq, k, p.nk, p.perQuery, Math.fround(w * Math.SQRT1_2), o);
      this.ws.readInto(o, out);
      return true;
    }
    // The kernel values in SIMD; their logs on the way out (there is no SIMD log, and the copy-out is one pass anyway).
    this.x.kernelValues(kindOf(kernel), q, p.nq, k, p.nk, p.perQuery, w, o);
    this.ws.readInto(o, out);
    for (let i = 0; i < out.length; i++) out[i] = Math.log(out[i]);
    return true;
  }

  softmax(x: Float32Array, rows: number, cols: number, out: Float32Array): number {
    const [xi, o] = this.ws.layout(x.length, x.length);
    this.ws.write(xi, x);
    const bad = this.x.softmax(xi, rows, cols, o);
    if (bad < 0) this.ws.readInto(o, out);
    return bad;
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
