import { createJsBackend } from '../js/index.js';
import { fastPool, fastPoolLoss, useFast } from '../method.js';
import { checkKernel, COMPACT_KINDS, type CompactKernel } from '../kernel.js';
import type { Backend, PoolLossOptions, PoolOptions, PoolResult, ScoreOptions } from '../types.js';
import { badSoftmaxRow, checkBmm, checkOptions, checkPairs, checkPool, checkSoftmax, checkTargets, checkW, firstNonFinite } from '../validate.js';
import type { KernelExports } from './load.js';
import { Workspace } from './workspace.js';

const LOG2E = Math.LOG2E;

/**
 * The WebAssembly SIMD backend. Arguments are checked exactly as the JS backend checks them,
 * before any memory is touched, so a bad call changes nothing. Each call copies its inputs
 * into the workspace, runs one kernel and copies the results out.
 */
export class WasmBackend implements Backend {
  readonly name = 'wasm' as const;
  private readonly ws: Workspace;
  /**
   * float32 scores can overflow where float64 ones do not (|w·(q − k)| beyond ~1e19); the
   * few calls whose results come out non-finite are recomputed by the float64 reference.
   */
  private readonly reference = createJsBackend();

  constructor(private readonly k: KernelExports) {
    this.ws = new Workspace(k.memory);
  }

  /** Bytes of WebAssembly memory this backend holds (for benchmarks and memory tests). */
  memoryBytes(): number {
    return this.ws.bytes;
  }

  gaussianScores(queries: unknown, keys: unknown, w: unknown = 1, options?: ScoreOptions) {
    const o = checkOptions<ScoreOptions>(options, { kernel: 'string' }, 'gaussianScores');
    const kernel = checkKernel(o.kernel, 'gaussianScores');
    const p = checkPairs(queries, keys);
    const wc = checkW(w);
    // w beyond float32 range: the kernels would see w = Infinity and 0·Infinity = NaN
    if (kernel !== 'gaussian' && !Number.isFinite(Math.fround(wc))) return this.reference.gaussianScores(queries as never, keys as never, w as number, options);
    const [q, k, out] = this.ws.layout(p.nq, p.k.length, p.nq * p.nk);
    this.ws.write(q, p.q);
    this.ws.write(k, p.k);
    if (kernel === 'gaussian') {
      this.k.scores(q, p.nq, k, p.nk, p.perQuery, Math.fround((wc * wc) / 2), out);
      return { data: this.ws.read(out, p.nq * p.nk), shape: [p.nq, p.nk] };
    }
    // The kernel values in SIMD; their logs on the way out (there is no SIMD log, and the copy-out is one pass anyway).
    this.k.kernelValues(kindOf(kernel), q, p.nq, k, p.nk, p.perQuery, wc, out);
    const data = this.ws.read(out, p.nq * p.nk);
    for (let i = 0; i < data.length; i++) data[i] = Math.log(data[i]);
    return { data, shape: [p.nq, p.nk] };
  }

  softmax(x: unknown) {
    const s = checkSoftmax(x);
    const n = s.x.data.length;
    const [xi, out] = this.ws.layout(n, n);
    this.ws.write(xi, s.x.data);
    const bad = this.k.softmax(xi, s.rows, s.cols, out);
    if (bad >= 0) throw badSoftmaxRow(bad, s.cols, s.x.data);
    return { data: this.ws.read(out, n), shape: s.x.shape.slice() };
  }

  bmm(a: unknown, b: unknown) {
    const m = checkBmm(a, b);
    const size = m.batch * m.n * m.p;
    const [ai, bi, out] = this.ws.layout(m.a.length, m.b.length, size);
    this.ws.write(ai, m.a);
    this.ws.write(bi, m.b);
    this.k.bmm(ai, bi, out, m.batch, m.n, m.m, m.p);
    return { data: this.ws.read(out, size), shape: [m.batch, m.n, m.p] };
  }

  attentionPool(queries: unknown, keys: unknown, values: unknown, w: unknown = 1, options?: PoolOptions): PoolResult {
    const o = checkOptions<PoolOptions>(options, { weights: 'boolean', excludeSelf: 'boolean', kernel: 'string', method: 'string' }, 'attentionPool');
    const kernel = checkKernel(o.kernel, 'attentionPool');
    const p = checkPool(queries, keys, values, w, o.excludeSelf, 'attentionPool');
    if (useFast(o.method, p, kernel, !!o.weights, 'attentionPool')) return fastPool(p);
    if (kernel !== 'gaussian' && !Number.isFinite(Math.fround(p.w))) return this.reference.attentionPool(queries as never, keys as never, values as never, w as number, options);
    if (kernel !== 'gaussian') {
      const [q, k, v, yHat, weights] = this.ws.layout(p.nq, p.k.length, p.v.length, p.nq, o.weights ? p.nq * p.nk : 0);
      this.ws.write(q, p.q);
      this.ws.write(k, p.k);
      this.ws.write(v, p.v);
      this.k.poolCompact(kindOf(kernel), q, p.nq, k, v, p.nk, p.perQuery, p.excludeSelf, p.w, yHat, o.weights ? weights : 0);
      const result: PoolResult = { yHat: { data: this.ws.read(yHat, p.nq), shape: [p.nq] } };
      if (o.weights) result.weights = { data: this.ws.read(weights, p.nq * p.nk), shape: [p.nq, p.nk] };
      return result;
    }
    const c = Math.fround((p.w * p.w * LOG2E) / 2);
    if (!Number.isFinite(c)) return this.reference.attentionPool(queries as never, keys as never, values as never, w as number, options);
    const [q, k, v, yHat, weights] = this.ws.layout(p.nq, p.k.length, p.v.length, p.nq, o.weights ? p.nq * p.nk : 0);
    this.ws.write(q, p.q);
    this.ws.write(k, p.k);
    this.ws.write(v, p.v);
    this.k.pool(q, p.nq, k, v, p.nk, p.perQuery, p.excludeSelf, c, yHat, o.weights ? weights : 0);
    const y = this.ws.read(yHat, p.nq);
    if (firstNonFinite(y) >= 0) return this.reference.attentionPool(queries as never, keys as never, values as never, w as number, options);
    const result: PoolResult = { yHat: { data: y, shape: [p.nq] } };
    if (o.weights) result.weights = { data: this.ws.read(weights, p.nq * p.nk), shape: [p.nq, p.nk] };
    return result;
  }

  attentionPoolLoss(queries: unknown, keys: unknown, values: unknown, targets: unknown, w: unknown, options?: PoolLossOptions) {
    const o = checkOptions<PoolLossOptions>(options, { excludeSelf: 'boolean', kernel: 'string', method: 'string' }, 'attentionPoolLoss');
    const kernel = checkKernel(o.kernel, 'attentionPoolLoss');
    const p = checkPool(queries, keys, values, w, o.excludeSelf, 'attentionPoolLoss');
    const t = checkTargets(targets, p.nq);
    if (useFast(o.method, p, kernel, false, 'attentionPoolLoss')) return fastPoolLoss(p, t);
    if (kernel !== 'gaussian' && !Number.isFinite(Math.fround(p.w))) return this.reference.attentionPoolLoss(queries as never, keys as never, values as never, targets as never, w as number, options);
    if (kernel !== 'gaussian') {
      const [q, k, v, ti, yHat, result] = this.ws.layout(p.nq, p.k.length, p.v.length, p.nq, p.nq, 4);
      this.ws.write(q, p.q);
      this.ws.write(k, p.k);
      this.ws.write(v, p.v);
      this.ws.write(ti, t);
      this.k.poolLossCompact(kindOf(kernel), q, p.nq, k, v, p.nk, p.perQuery, p.excludeSelf, p.w, ti, yHat, result);
      return { loss: this.ws.readF64(result, 0), grad: this.ws.readF64(result, 1), yHat: { data: this.ws.read(yHat, p.nq), shape: [p.nq] } };
    }
    const c = Math.fround((p.w * p.w * LOG2E) / 2);
    const fallback = () => this.reference.attentionPoolLoss(queries as never, keys as never, values as never, targets as never, w as number, options);
    if (!Number.isFinite(c)) return fallback();
    const [q, k, v, ti, yHat, result] = this.ws.layout(p.nq, p.k.length, p.v.length, p.nq, p.nq, 4);
    this.ws.write(q, p.q);
    this.ws.write(k, p.k);
    this.ws.write(v, p.v);
    this.ws.write(ti, t);
    this.k.poolLoss(q, p.nq, k, v, p.nk, p.perQuery, p.excludeSelf, c, p.w, ti, yHat, result);
    const loss = this.ws.readF64(result, 0);
    const grad = this.ws.readF64(result, 1);
    if (!Number.isFinite(loss) || !Number.isFinite(grad)) return fallback();
    return { loss, grad, yHat: { data: this.ws.read(yHat, p.nq), shape: [p.nq] } };
  }
}

/** The `kind` argument of the compact kernels. */
function kindOf(kernel: CompactKernel): number {
  return COMPACT_KINDS.indexOf(kernel);
}
