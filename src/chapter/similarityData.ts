import type { SyntheticData } from './data.js';
import { drawSyntheticData } from './data.js';
import { MT19937 } from '../torch/mt19937.js';
import { checkOptions } from '../args/options.js';
import { checkSeed, numberOption } from '../args/numbers.js';

/** d2l 1.0's target function ("Attention Pooling by Similarity"): f(x) = 2 sin x + x. */
export function similarityFunction(x: number): number {
  return 2 * Math.sin(x) + x;
}

/** Options of {@link similarityData}. */
export interface SimilarityDataOptions {
  /** number of training points (default 40, as d2l 1.0) */
  nTrain?: number;
  /** seed of the generator (default 0) */
  seed?: number;
  /** standard deviation of the noise (default 1, d2l 1.0's torch.randn) */
  noise?: number;
}

/**
 * The data of d2l 1.0's section "Attention Pooling by Similarity": x_train = sort(5·U[0,1)^40),
 * y_train = 2 sin x + x + N(0, 1), the validation grid 0, 0.1, …, 4.9 and its truth. Drawn by
 * the same seeded generator as {@link syntheticData}.
 */
export function similarityData(options?: SimilarityDataOptions): SyntheticData {
  const o = checkOptions(options, { nTrain: 'any', seed: 'any', noise: 'any' }, 'similarityData');
  const n = numberOption(o.nTrain ?? 40, 'nTrain', { integer: true, min: 1 });
  const seed = checkSeed(o.seed ?? 0);
  const noise = numberOption(o.noise ?? 1, 'noise', { min: 0 });
  return drawSyntheticData(new MT19937(seed), n, noise, similarityFunction);
}
