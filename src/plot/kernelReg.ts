import { AttnpoolError } from '../errors.js';
import { formatShape, type TensorInput } from '../tensor.js';
import { toTensor } from '../args/tensor.js';
import { checkOptions } from '../args/options.js';
import type { LaidOutFigure } from './layout.js';
import type { LegendLoc } from './legend.js';
import { plot } from './plot.js';

/** Options of `plotKernelReg`; each default is d2l's `plot_kernel_reg`. */
export interface KernelRegOptions {
  /** [lo, hi] of the x axis; default [0, 5]. */
  xlim?: [number, number];
  /** [lo, hi] of the y axis; default [-1, 5]. */
  ylim?: [number, number];
  /** A title above the axes; default none. */
  title?: string;
  /** Legend location; default 'best'. */
  legendLoc?: LegendLoc;
  /** Figure size in inches; default [3.5, 2.5]. */
  figsize?: [number, number];
  /** Pixels per inch; default DEFAULT_DPI (150). */
  dpi?: number;
}

const KERNEL_REG_OPTIONS = ['xlim', 'ylim', 'title', 'legendLoc', 'figsize', 'dpi'];

/**
 * d2l's `plot_kernel_reg`: the truth ('Truth', solid, C0 blue) and the prediction ('Pred',
 * 'm--' magenta dashes) over the test inputs, with the training points as circles at alpha 0.5
 * (the next cycle colour, C1 orange, as `plt.plot(x_train, y_train, 'o', alpha=0.5)` gets),
 * axes 'x' and 'y' over [0, 5] × [−1, 5].
 *
 * Shapes: xTest, yTruth, yHat [nTest]; xTrain, yTrain [nTrain].
 */
export function plotKernelReg(
  xTest: TensorInput,
  yTruth: TensorInput,
  yHat: TensorInput,
  xTrain: TensorInput,
  yTrain: TensorInput,
  options?: KernelRegOptions,
): LaidOutFigure {
  const o = checkOptions(options, KERNEL_REG_OPTIONS, 'plotKernelReg') as KernelRegOptions;
  const test = vector(xTest, 'xTest');
  const train = vector(xTrain, 'xTrain');
  const truth = vector(yTruth, 'yTruth', test.length, 'xTest');
  const hat = vector(yHat, 'yHat', test.length, 'xTest');
  const targets = vector(yTrain, 'yTrain', train.length, 'xTrain');
  return plot(test, [truth, hat], {
    xlabel: 'x',
    ylabel: 'y',
    legend: ['Truth', 'Pred'],
    xlim: o.xlim ?? [0, 5],
    ylim: o.ylim ?? [-1, 5],
    title: o.title,
    legendLoc: o.legendLoc,
    figsize: o.figsize,
    dpi: o.dpi,
    series: [{ x: train, y: targets, fmt: 'o', alpha: 0.5 }],
  });
}

function vector(v: TensorInput, name: string, length?: number, lengthOf?: string): Float32Array {
  const t = toTensor(v, name);
  if (t.shape.length !== 1) throw new AttnpoolError('E_SHAPE', `${name}: expected shape [n], got ${formatShape(t.shape)}`);
  if (t.data.length === 0) throw new AttnpoolError('E_EMPTY', `${name}: expected at least one value, got shape [0]`);
  if (length !== undefined && t.data.length !== length) {
    throw new AttnpoolError('E_SHAPE', `${name}: expected shape [${length}] like ${lengthOf}, got ${formatShape(t.shape)}`);
  }
  return t.data;
}
