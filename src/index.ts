// The browser-safe public API of attnpool. Nothing reachable from here imports a `node:`
// module or `canvas`; Node-only helpers (PNG files, data files) live in `attnpool/node`.
export { AttnpoolError, type AttnpoolErrorCode } from './errors.js';
export type { Tensor, TensorInput } from './tensor.js';
export { tensor } from './args/tensor.js';
export { KERNEL_NAMES, type KernelName } from './args/kernel.js';
export type { PoolMethod } from './args/method.js';
export { loadBackend, fallbackReason, type BackendName, type LoadOptions } from './backend/load.js';
export { createWorkerPool, type WorkerPool, type WorkerPoolOptions } from './backend/parallel/workerPool.js';
export type {
  Backend,
  BackendFeatures,
  Bandwidth,
  BmmOptions,
  CostModel,
  PoolLossOptions,
  PoolLossOut,
  PoolLossResult,
  PoolOptions,
  PoolOut,
  PoolResult,
  ScoreOptions,
  SoftmaxOptions,
} from './backend/types.js';
export { TorchGenerator } from './torch/generator.js';
export { averagePooling } from './model/averagePooling.js';
export { leaveOneOut } from './model/leaveOneOut.js';
export { NWKernelRegression, type NWKernelRegressionOptions } from './model/nwKernelRegression.js';
export { train, type TrainingData, type TrainOptions, type TrainResult, type EpochReport } from './model/train.js';
export {
  kernelRegression,
  type KernelRegressionOptions,
  type KernelRegressionFit,
  type KernelRegressionMinimum,
} from './regression/kernelRegression.js';
export { looCurve, optimalBandwidth, type BandwidthOptions, type LooCurve, type LocalMinimum, type OptimalBandwidth } from './model/bandwidth.js';
export { syntheticData, chapterFunction, type SyntheticData, type SyntheticDataOptions, type RngName } from './chapter/data.js';
export { torchChapterData, type TorchChapterOptions, type TorchChapterStart } from './chapter/torchData.js';
export { runChapter, chapterStart, type ChapterOptions, type ChapterRun, type ChapterStart } from './chapter/runChapter.js';
export { chapterFigures, type ChapterFigure } from './chapter/figures.js';
export { similarityData, similarityFunction, type SimilarityDataOptions } from './chapter/similarityData.js';
export { similarityFigures } from './chapter/similarityFigures.js';
export * from './plot/index.js';
