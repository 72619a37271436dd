import { AttnpoolError } from '../errors.js';
import type { TensorInput } from '../tensor.js';
import type { NWKernelRegression } from './nwKernelRegression.js';
import { knownOptions, numberOption } from './options.js';

export interface TrainingData {
  queries: TensorInput;
  keys: TensorInput;
  values: TensorInput;
  targets: TensorInput;
  /** shared keys with nq == nk: leave each query's own key out (the chapter's leave-one-out training) */
  excludeSelf?: boolean;
}

export interface EpochReport {
  epoch: number;
  /** the summed squared error at the start of the epoch, before its step (what the chapter prints) */
  loss: number;
  /** w after the epoch's step */
  w: number;
}

export interface TrainOptions {
  /** number of full-batch SGD steps (default 5) */
  epochs?: number;
  /** learning rate (default 0.5) */
  lr?: number;
  /** called after every epoch */
  onEpoch?: (e: EpochReport) => void;
}

/**
 * The chapter's training loop: full-batch SGD on the summed squared error
 * Σ_i (ŷ_i − y_i)², with the analytic gradient from the fused loss kernel (no n × n matrix).
 * As in PyTorch, w may step across 0 (the loss is even in w); only a non-finite step is an error.
 * `losses[k]` is the loss epoch k+1 reports (before its step); `ws[k]` is w after that step.
 */
export function train(model: NWKernelRegression, data: TrainingData, options?: TrainOptions): { losses: number[]; ws: number[] } {
  const o = knownOptions(options, ['epochs', 'lr', 'onEpoch'], 'train');
  const epochs = numberOption(o.epochs ?? 5, 'epochs', { integer: true, min: 1 });
  const lr = numberOption(o.lr ?? 0.5, 'lr', { min: 0 });
  if (o.onEpoch !== undefined && typeof o.onEpoch !== 'function') {
    throw new AttnpoolError('E_OPTION', `train: option "onEpoch" must be a function`);
  }
  const onEpoch = o.onEpoch as TrainOptions['onEpoch'];
  const d = knownOptions(data, ['queries', 'keys', 'values', 'targets', 'excludeSelf'], 'train data');
  const excludeSelf = d.excludeSelf === true;
  const losses: number[] = [];
  const ws: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const w = model.w;
    const r = model.backend.attentionPoolLoss(d.queries as TensorInput, d.keys as TensorInput, d.values as TensorInput, d.targets as TensorInput, Math.abs(w), { excludeSelf });
    // The loss depends on |w|: by the chain rule dL/dw = sign(w)·dL/d|w| (and 0 at w = 0, where dL/d|w| is 0).
    const grad = w < 0 ? -r.grad : r.grad;
    const loss = r.loss;
    const next = w - lr * grad;
    if (!Number.isFinite(next)) {
      throw new AttnpoolError('E_DIVERGED', `train: the step of epoch ${epoch} takes w from ${w} to ${next} (gradient ${grad}); lower lr (now ${lr})`);
    }
    model.w = next;
    losses.push(loss);
    ws.push(next);
    onEpoch?.({ epoch, loss, w: next });
  }
  return { losses, ws };
}
