import { hasGradient } from '../args/kernel.js';
import { AttnpoolError } from '../errors.js';
import type { TensorInput } from '../tensor.js';
import type { NWKernelRegression } from './nwKernelRegression.js';
import { checkOptions } from '../args/options.js';
import { numberOption } from '../args/numbers.js';

/** What {@link train} fits: pooling `queries` over `keys`/`values` should reproduce `targets`. */
export interface TrainingData {
  /** [nq], or [nq, d] for d features */
  queries: TensorInput;
  /** [nk] shared or [nq, nk] one row per query; with d features [nk, d] or [nq, nk, d] */
  keys: TensorInput;
  /** the keys' leading axes ([nk] or [nq, nk]), with a last axis of dv columns if there are several */
  values: TensorInput;
  /** [nq], or [nq, dv] for values with columns */
  targets: TensorInput;
  /** shared keys with nq == nk: leave each query's own key out (the chapter's leave-one-out training) */
  excludeSelf?: boolean;
}

/** What {@link train} reports after each epoch; `W` is the model's parameter, a number or one per feature. */
export interface EpochReport<W extends number | number[] = number> {
  /** 1, 2, … */
  epoch: number;
  /** the summed squared error at the start of the epoch, before its step (what the chapter prints) */
  loss: number;
  /** w after the epoch's step */
  w: W;
}

/** What {@link train} returns. */
export interface TrainResult<W extends number | number[] = number> {
  /** the loss of each epoch, before its step */
  losses: number[];
  /** w after each epoch's step */
  ws: W[];
}

/** Options of {@link train}. */
export interface TrainOptions<W extends number | number[] = number> {
  /** number of full-batch SGD steps (default 5) */
  epochs?: number;
  /** learning rate (default 0.5) */
  lr?: number;
  /** called after every epoch */
  onEpoch?: (e: EpochReport<W>) => void;
  /**
   * Keep every epoch's loss and w in the result (default true). With false, `losses` and `ws`
   * come back empty and memory stays constant however many epochs run: read them in `onEpoch`.
   */
  keepHistory?: boolean;
}

/**
 * The chapter's training loop: full-batch SGD on the summed squared error
 * Σ_i (ŷ_i − y_i)², with the analytic gradient from the fused loss kernel (no n × n matrix).
 * As in PyTorch, w may step across 0 (the loss is even in w); only a non-finite step is an error.
 * `losses[k]` is the loss epoch k+1 reports (before its step); `ws[k]` is w after that step.
 *
 * @example
 * const model = new NWKernelRegression(backend, { seed: 0 });
 * const { losses } = train(model, { queries: x, keys: x, values: y, targets: y, excludeSelf: true });
 */
export function train<W extends number | number[] = number>(model: NWKernelRegression<W>, data: TrainingData, options?: TrainOptions<W>): TrainResult<W> {
  const o = checkOptions(options, { epochs: 'any', lr: 'any', onEpoch: 'any', keepHistory: 'boolean' }, 'train');
  const keep = o.keepHistory !== false;
  const epochs = numberOption(o.epochs ?? 5, 'epochs', { integer: true, min: 1 });
  const lr = numberOption(o.lr ?? 0.5, 'lr', { min: 0 });
  if (o.onEpoch !== undefined && typeof o.onEpoch !== 'function') {
    throw new AttnpoolError('E_OPTION', `train: option "onEpoch" must be a function`);
  }
  const onEpoch = o.onEpoch as TrainOptions<W>['onEpoch'];
  const d = checkOptions(data, { queries: 'any', keys: 'any', values: 'any', targets: 'any', excludeSelf: 'any' }, 'train data');
  const excludeSelf = d.excludeSelf === true;
  if (!hasGradient(model.kernel)) {
    throw new AttnpoolError(
      'E_OPTION',
      `train: the '${model.kernel}' kernel's loss is piecewise constant in w (its derivative is 0 wherever it exists), so SGD cannot move w; use optimalBandwidth, or the 'gaussian', 'epanechnikov' or 'triangular' kernel`,
    );
  }
  const losses: number[] = [];
  const ws: W[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const w = model.w;
    const r = model.backend.attentionPoolLoss(
      d.queries as TensorInput,
      d.keys as TensorInput,
      d.values as TensorInput,
      d.targets as TensorInput,
      model.bandwidth() as number,
      { excludeSelf, kernel: model.kernel },
    );
    // The loss depends on |w_k|: by the chain rule dL/dw_k = sign(w_k)·dL/d|w_k|. At w_k = 0 the
    // step uses the one-sided dL/d|w_k| (0 for the Gaussian and Epanechnikov kernels, not for the triangular).
    const step = (wk: number, gk: number, k?: number): number => {
      const grad = wk < 0 ? -gk : gk;
      const next = wk - lr * grad;
      if (!Number.isFinite(next)) {
        const name = k === undefined ? 'w' : `w[${k}]`;
        // a finite gradient times lr overflowed: a smaller lr helps; a non-finite gradient it would not
        const advice = Number.isFinite(grad) ? `lower lr (now ${lr})` : `the loss has no finite gradient at ${name} = ${wk}; start from another w`;
        throw new AttnpoolError('E_DIVERGED', `train: the step of epoch ${epoch} takes ${name} from ${wk} to ${next} (gradient ${grad}); ${advice}`);
      }
      return next;
    };
    const grad = r.grad as number | number[];
    const next = (Array.isArray(w) ? w.map((wk, k) => step(wk, (grad as number[])[k], k)) : step(w as number, grad as number)) as W;
    model.w = next;
    if (keep) {
      losses.push(r.loss);
      ws.push(next);
    }
    onEpoch?.({ epoch, loss: r.loss, w: next });
  }
  return { losses, ws };
}
