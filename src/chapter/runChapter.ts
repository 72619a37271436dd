import type { Backend } from '../backend/types.js';
import { averagePooling } from '../model/averagePooling.js';
import { drawSyntheticData, RNG_NAMES, type RngName, type SyntheticData } from './data.js';
import { MT19937 } from '../torch/mt19937.js';
import { NWKernelRegression } from '../model/nwKernelRegression.js';
import { choiceOption, checkSeed, numberOption } from '../args/numbers.js';
import { checkOptions } from '../args/options.js';
import { torchChapterData } from './torchData.js';
import { train, type EpochReport } from '../model/train.js';
import type { Tensor } from '../tensor.js';

/** Options of {@link runChapter}. */
export interface ChapterOptions {
  /** seed of the data and of the initial w (default 0) */
  seed?: number;
  /** the generator of the data and the initial w (default `'default'`; `'torch'`: PyTorch's, bit for bit) */
  rng?: RngName;
  /** SGD epochs (default 5) */
  epochs?: number;
  /** learning rate (default 0.5) */
  lr?: number;
  /** the initial w; default: the generator's next uniform draw after the data, as the chapter's torch.rand((1,)) */
  w0?: number;
  /** train on this data instead of the chapter's synthetic set */
  data?: {
    /** inputs, [n] */
    x: Tensor;
    /** targets, [n] */
    y: Tensor;
  };
  /** called after every training epoch */
  onEpoch?: (e: EpochReport) => void;
}

/** Every quantity of the section, as {@link runChapter} computes it. */
export interface ChapterRun {
  /** the data the run used (xTest/yTruth are the chapter's grid and f whatever `data` was) */
  data: SyntheticData;
  /** average pooling on the test grid */
  average: Tensor;
  /** nonparametric pooling (w = 1) on the test grid, and its [50, n] weights */
  nonparametric: {
    /** [50] */
    yHat: Tensor;
    /** [50, n] */
    weights: Tensor;
  };
  /** the initial w of training */
  w0: number;
  /** the loss of each epoch, before its step */
  losses: number[];
  /** w after each epoch's step */
  ws: number[];
  /** the trained model's prediction on the test grid (all training points as keys), and its weights */
  parametric: {
    /** [50] */
    yHat: Tensor;
    /** [50, n] */
    weights: Tensor;
    /** the trained w */
    w: number;
  };
}

/** What {@link chapterStart} returns. */
export interface ChapterStart {
  /** the chapter's data set for the seed */
  data: SyntheticData;
  /** the initial w, drawn after the data */
  w0: number;
}

/**
 * The chapter's random start for a seed: its data set, then the initial w drawn next from
 * the same generator (the order of the chapter's code: data, then the model's torch.rand).
 * With `rng` `'torch'` both are what the book's PyTorch code draws after `torch.manual_seed(seed)`.
 */
export function chapterStart(seed = 0, rng: RngName = 'default'): ChapterStart {
  const s = checkSeed(seed);
  if (choiceOption(rng, 'rng', RNG_NAMES) === 'torch') return torchChapterData(s);
  const g = new MT19937(s);
  const data = drawSyntheticData(g, 50, 0.5);
  return { data, w0: g.nextDouble() };
}

/**
 * The whole section, computed: the data, average pooling, nonparametric pooling, five
 * epochs of leave-one-out SGD on w (fused, no n × (n−1) matrices) and the trained model's
 * predictions. Works on any backend; drawing is left to the caller.
 */
export function runChapter(backend: Backend, options?: ChapterOptions): ChapterRun {
  const o = checkOptions(options, { seed: 'any', rng: 'any', epochs: 'any', lr: 'any', w0: 'any', data: 'any', onEpoch: 'any' }, 'runChapter');
  const start = chapterStart(o.seed as number | undefined, o.rng as RngName | undefined);
  const given = o.data as ChapterOptions['data'];
  const data: SyntheticData = given ? { ...start.data, xTrain: given.x, yTrain: given.y } : start.data;
  const w0 = o.w0 === undefined ? start.w0 : numberOption(o.w0, 'w0', { min: 0 });

  const { xTrain, yTrain, xTest } = data;
  const nTest = xTest.data.length;
  const average = averagePooling(yTrain, nTest);
  const np = backend.attentionPool(xTest, xTrain, yTrain, 1, { weights: true });

  const model = new NWKernelRegression(backend, { w: w0 });
  const { losses, ws } = train(
    model,
    { queries: xTrain, keys: xTrain, values: yTrain, targets: yTrain, excludeSelf: true },
    {
      epochs: o.epochs as number | undefined,
      lr: o.lr as number | undefined,
      onEpoch: o.onEpoch as ChapterOptions['onEpoch'],
    },
  );
  const yHat = model.forward(xTest, xTrain, yTrain);
  return {
    data,
    average,
    nonparametric: { yHat: np.yHat, weights: np.weights! },
    w0,
    losses,
    ws,
    parametric: { yHat, weights: model.attentionWeights!, w: model.w },
  };
}
