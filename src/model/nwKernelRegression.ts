import { checkKernel, type KernelName } from '../args/kernel.js';
import type { Backend } from '../backend/types.js';
import type { Tensor, TensorInput } from '../tensor.js';
import { MT19937 } from '../torch/mt19937.js';
import { checkOptions } from '../args/options.js';
import { numberOption } from '../args/numbers.js';

/** Options of {@link NWKernelRegression}. */
export interface NWKernelRegressionOptions {
  /** the initial parameter w (any finite number); default: uniform on [0, 1) from `seed`, as the chapter's torch.rand((1,)) */
  w?: number;
  /** seed for the initial w when `w` is not given (default 0) */
  seed?: number;
  /** keep the [nq, nk] attention weights of each forward in `attentionWeights` (default true; off saves nq·nk memory) */
  keepWeights?: boolean;
  /** the attention kernel (default `'gaussian'`, the chapter's); see {@link KernelName} */
  kernel?: KernelName;
}

/**
 * Parametric attention pooling with one learnable scalar w (the chapter's NWKernelRegression):
 * ŷ(x) = Σ_i softmax_i(−((x − x_i)·w)²/2) · y_i.
 *
 * Only w² enters the model, so w may be negative: like the chapter's PyTorch parameter, it
 * keeps its sign (SGD can step across 0 and on), and the backend is called with |w|.
 *
 * @example
 * const model = new NWKernelRegression(await loadBackend(), { w: 1 });
 * const yHat = model.forward(xTest, xTrain, yTrain);   // keys/values [nk] or [nq, nk]
 */
export class NWKernelRegression {
  /** The backend every forward and training step runs on. */
  readonly backend: Backend;
  /** The attention weights [nq, nk] of the last forward, or null before the first. */
  attentionWeights: Tensor | null = null;
  /** The attention kernel of every forward and training step. */
  readonly kernel: KernelName;
  private readonly keepWeights: boolean;
  private wValue: number;

  constructor(backend: Backend, options?: NWKernelRegressionOptions) {
    const o = checkOptions(options, { w: 'any', seed: 'any', keepWeights: 'any', kernel: 'any' }, 'NWKernelRegression');
    this.backend = backend;
    this.kernel = checkKernel(o.kernel, 'NWKernelRegression');
    this.keepWeights = o.keepWeights === undefined ? true : o.keepWeights === true;
    if (o.w !== undefined) {
      this.wValue = numberOption(o.w, 'w', {});
    } else {
      const seed = numberOption(o.seed ?? 0, 'seed', { integer: true, min: 0 });
      this.wValue = new MT19937(seed).nextDouble();
    }
  }

  /** The parameter w (a finite number; its sign does not change the model). */
  get w(): number {
    return this.wValue;
  }

  /** Set w (any finite number; an AttnpoolError otherwise, leaving w unchanged). */
  set w(value: number) {
    this.wValue = numberOption(value, 'w', {});
  }

  /** ŷ [nq] for queries [nq] against keys and values [nk] (shared) or [nq, nk] (a row per query). */
  forward(queries: TensorInput, keys: TensorInput, values: TensorInput): Tensor {
    const r = this.backend.attentionPool(queries, keys, values, Math.abs(this.wValue), { weights: this.keepWeights, kernel: this.kernel });
    this.attentionWeights = r.weights ?? null;
    return r.yHat;
  }
}
