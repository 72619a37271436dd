import { bandwidthFigure } from './bandwidthFigure.js';
import type { ChapterRun } from './runChapter.js';
import { plotKernelReg, plotLoss, showHeatmaps, type Figure } from '../plot/index.js';
import type { Tensor } from '../tensor.js';

/** One figure of the section with its file name and caption. */
export interface ChapterFigure {
  /** file name without directory, e.g. "eye10.png" */
  file: string;
  /** what the figure shows, for an index */
  title: string;
  /** the figure, ready to draw or save */
  figure: Figure;
}

/** A matrix [h, w] as the single panel [1, 1, h, w] of a heatmap grid. */
function asPanels(m: Tensor): Tensor {
  return { data: m.data, shape: [1, 1, m.shape[0], m.shape[1]] };
}

function eye(n: number): Tensor {
  const data = new Float32Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return { data, shape: [n, n] };
}

/** Every figure of the section, in the chapter's order, from a computed run. */
export function chapterFigures(run: ChapterRun): ChapterFigure[] {
  const { xTest, yTruth, xTrain, yTrain } = run.data;
  const fitPlot = (yHat: Tensor) => plotKernelReg(xTest, yTruth, yHat, xTrain, yTrain);
  const weights = (m: Tensor) => showHeatmaps(asPanels(m), { xlabel: 'Sorted training inputs', ylabel: 'Sorted testing inputs' });
  return [
    {
      file: 'eye10.png',
      title: 'Attention weights of eye(10): weight 1 only where the query equals the key',
      figure: showHeatmaps(asPanels(eye(10)), { xlabel: 'Keys', ylabel: 'Queries' }),
    },
    { file: 'average-pooling.png', title: 'Average pooling: every query predicts the mean of the training targets', figure: fitPlot(run.average) },
    { file: 'nonparametric.png', title: 'Nonparametric attention pooling (Gaussian kernel, w = 1)', figure: fitPlot(run.nonparametric.yHat) },
    { file: 'nonparametric-weights.png', title: 'Attention weights of nonparametric pooling', figure: weights(run.nonparametric.weights) },
    { file: 'training-loss.png', title: 'Leave-one-out training loss per epoch', figure: plotLoss(run.losses) },
    { file: 'parametric.png', title: `Parametric attention pooling after training (w = ${run.parametric.w.toFixed(3)})`, figure: fitPlot(run.parametric.yHat) },
    { file: 'parametric-weights.png', title: 'Attention weights of the trained model', figure: weights(run.parametric.weights) },
    {
      file: 'loo-bandwidth.png',
      title: `Exercise: the leave-one-out loss against w, the SGD path, and the exact optimum`,
      figure: bandwidthFigure(run).figure,
    },
  ];
}
