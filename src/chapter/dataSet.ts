import type { Tensor } from '../tensor.js';

/** The chapter's data set, as `syntheticData` draws it (or `torchChapterData`, as PyTorch does). */
export interface SyntheticData {
  /** sorted training inputs, uniform on [0, 5), [nTrain] */
  xTrain: Tensor;
  /** f(xTrain) plus Gaussian noise, [nTrain] */
  yTrain: Tensor;
  /** the test grid 0, 0.1, …, 4.9, [50] */
  xTest: Tensor;
  /** f(xTest), [50] */
  yTruth: Tensor;
}
