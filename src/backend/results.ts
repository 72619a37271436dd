import type { PoolCall } from '../args/pool.js';
import type { PoolLossResult, PoolResult } from './types.js';

/** ŷ's shape: [nq], or [nq, dv] when the values have a column axis. */
function yHatShape(call: PoolCall): number[] {
  return call.valueColumns ? [call.nq, call.dv] : [call.nq];
}

/** attentionPoolLoss's result object: the gradient per feature for a w per feature, else their sum (the derivative in the one w). */
export function lossResult(call: PoolCall, loss: number, grad: Float64Array, yHat: Float32Array): PoolLossResult<number | number[]> {
  let total = grad[0]; // not 0 + grad[0], which would turn −0 into +0
  for (let f = 1; f < grad.length; f++) total += grad[f];
  return { loss, grad: call.wVector ? Array.from(grad) : total, yHat: { data: yHat, shape: yHatShape(call) } };
}

/** attentionPool's result object: weights only when they were computed. */
export function poolResult(call: PoolCall, yHat: Float32Array, weights: Float32Array | null): PoolResult {
  const result: PoolResult = { yHat: { data: yHat, shape: yHatShape(call) } };
  if (weights) result.weights = { data: weights, shape: [call.nq, call.nk] };
  return result;
}
