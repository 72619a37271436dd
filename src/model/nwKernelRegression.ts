import { describe } from '../args/describe.js';
import { checkKernel, type KernelName } from '../args/kernel.js';
import { checkSeed, numberOption } from '../args/numbers.js';
import { checkOptions } from '../args/options.js';
import type { Backend } from '../backend/types.js';
import { AttnpoolError } from '../errors.js';
import type { Tensor, TensorInput } from '../tensor.js';
import { MT19937 } from '../torch/mt19937.js';

/** Options of {@link NWKernelRegression}. */
export interface NWKernelRegressionOptions<W extends number | number[] = number> {
  /**
   * The initial parameter: one number w (every feature; the chapter's model), or an array with
   * one w_k per feature (any finite numbers). Default: uniform on [0, 1) from `seed`, as the
   * chapter's torch.rand((1,)).
   */
  w?: W;
  /** seed for the initial w when `w` is not given (default 0) */
  seed?: number;
  /** keep the [nq, nk] attention weights of each forward in `attentionWeights` (default true; off saves nq·nk memory) */
  keepWeights?: boolean;
  /** the attention kernel (default `'gaussian'`, the chapter's); see {@link KernelName} */
  kernel?: KernelName;
}

/**
 * Parametric attention pooling with a learnable bandwidth (the chapter's NWKernelRegression):
 * ŷ(x) = Σ_i softmax_i(−½ Σ_k (w_k·(x_k − x_ik))²) · y_i, with one w for every feature (the
 * chapter's scalar parameter) or one w_k per feature (`w: [w_1, …, w_d]`).
 *
 * Only w_k² enters the model, so w may be negative: like the chapter's PyTorch parameter, it
 * keeps its sign (SGD can step across 0 and on), and the backend is called with |w|.
 *
 * @example
 * const model = new NWKernelRegression(await loadBackend(), { w: 1 });
 * const yHat = model.forward(xTest, xTrain, yTrain);   // keys/values [nk] or [nq, nk]
 * const perFeature = new NWKernelRegression(backend, { w: [1, 1] });   // queries [nq, 2], keys [nk, 2]
 */
export class NWKernelRegression<W extends number | number[] = number> {
  /** The backend every forward and training step runs on. */
  readonly backend: Backend;
  /** The attention weights [nq, nk] of the last forward, or null before the first. */
  attentionWeights: Tensor | null = null;
  /** The attention kernel of every forward and training step. */
  readonly kernel: KernelName;
  private readonly keepWeights: boolean;
  private wValue: W;

  constructor(backend: Backend, options?: NWKernelRegressionOptions<W>) {
    const o = checkOptions(options, { w: 'any', seed: 'any', keepWeights: 'any', kernel: 'any' }, 'NWKernelRegression');
    this.backend = backend;
    this.kernel = checkKernel(o.kernel, 'NWKernelRegression');
    this.keepWeights = o.keepWeights === undefined ? true : o.keepWeights === true;
    if (o.w !== undefined) {
      this.wValue = checkParameter(o.w) as W;
    } else {
      const seed = checkSeed(o.seed ?? 0);
      this.wValue = new MT19937(seed).nextDouble() as W;
    }
  }

  /** The parameter: w, or [w_1, …, w_d] (finite numbers; their signs do not change the model). */
  get w(): W {
    return (Array.isArray(this.wValue) ? this.wValue.slice() : this.wValue) as W;
  }

  /** Set the parameter (the same kind as before: a number, or an array as long; an AttnpoolError otherwise, leaving it unchanged). */
  set w(value: W) {
    const next = checkParameter(value);
    if (Array.isArray(this.wValue) !== Array.isArray(next) || (Array.isArray(next) && next.length !== (this.wValue as number[]).length)) {
      const was = Array.isArray(this.wValue) ? `an array of ${this.wValue.length}` : 'a number';
      throw new AttnpoolError('E_VALUE', `w: expected ${was} as the model has, got ${describe(value)}`);
    }
    this.wValue = next as W;
  }

  /** |w| (or |w_k| per feature): what the backend is called with. */
  bandwidth(): W {
    const w = this.wValue;
    return (Array.isArray(w) ? w.map(Math.abs) : Math.abs(w as number)) as W;
  }

  /** ŷ for queries [nq] or [nq, d] against keys and values (see {@link Backend.attentionPool} for the shapes). */
  forward(queries: TensorInput, keys: TensorInput, values: TensorInput): Tensor {
    const r = this.backend.attentionPool(queries, keys, values, this.bandwidth(), { weights: this.keepWeights, kernel: this.kernel });
    this.attentionWeights = r.weights ?? null;
    return r.yHat;
  }
}

/** A model parameter: a finite number, or a non-empty array of them (copied). */
function checkParameter(w: unknown): number | number[] {
  if (typeof w === 'number') return numberOption(w, 'w', {});
  if (!Array.isArray(w) && !(ArrayBuffer.isView(w) && !(w instanceof DataView))) {
    throw new AttnpoolError('E_TYPE', `w: expected a finite number or an array of them (one per feature), got ${describe(w)}`);
  }
  const a = Array.from(w as ArrayLike<unknown>);
  if (a.length === 0) throw new AttnpoolError('E_EMPTY', 'w: expected at least one number (one per feature), got an empty array');
  return a.map((x, k) => numberOption(x, `w[${k}]`, {}));
}
