// The browser-safe public API of attnpool. Nothing reachable from here imports a `node:`
// module or `canvas`; Node-only helpers (PNG files, data files) live in `attnpool/node`.
export { AttnpoolError, type AttnpoolErrorCode } from './errors.js';
export { tensor, type Tensor, type TensorInput } from './tensor.js';
export { loadBackend, fallbackReason, type BackendName, type LoadOptions } from './backend/load.js';
export type { PoolMethod } from './backend/method.js';
export { createWorkerPool, type WorkerPool } from './backend/parallel/workerPool.js';
export type { Backend, PoolOptions, PoolLossOptions, PoolResult, PoolLossResult, ScoreOptions } from './backend/types.js';
export { KERNEL_NAMES, type KernelName } from './backend/kernel.js';
export { syntheticData, chapterFunction, type SyntheticData, type SyntheticDataOptions, type RngName } from './model/data.js';
export { TorchGenerator } from './model/torchRandom.js';
export { torchChapterData, type TorchChapterOptions, type TorchChapterStart } from './model/torchChapter.js';
export { averagePooling } from './model/averagePooling.js';
export { leaveOneOut } from './model/leaveOneOut.js';
export { NWKernelRegression, type NWKernelRegressionOptions } from './model/nwKernelRegression.js';
export { train, type TrainingData, type TrainOptions, type TrainResult, type EpochReport } from './model/train.js';
export { runChapter, chapterStart, type ChapterOptions, type ChapterRun, type ChapterStart } from './chapter.js';
export { chapterFigures, type ChapterFigure } from './chapterFigures.js';
export { looCurve, optimalBandwidth, type BandwidthOptions, type LooCurve, type LocalMinimum, type OptimalBandwidth } from './model/bandwidth.js';
export { similarityData, similarityFunction, type SimilarityDataOptions } from './model/similarityData.js';
export { similarityFigures } from './similarityFigures.js';
export * from './plot/index.js';
