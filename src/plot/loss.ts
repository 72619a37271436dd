import { AttnpoolError } from '../errors.js';
import { describe } from '../args/describe.js';
import { checkOptions, optionalString } from '../args/options.js';
import { describeValue } from '../args/describe.js';
import type { LaidOutFigure } from './layout.js';
import { plot } from './plot.js';
import type { ScaleKind } from './ticks.js';

/** Options of `plotLoss`; each default is what the chapter's `d2l.Animator(xlabel='epoch', ylabel='loss', xlim=[1, 5])` draws. */
export interface LossOptions {
  /** The x axis runs over [1, epochs]: the number of epochs planned (default losses.length). */
  epochs?: number;
  /** Default 'epoch'. */
  xlabel?: string;
  /** Default 'loss'. */
  ylabel?: string;
  /** A legend label for the curve (the Animator's `legend=['train']`); default none, as the chapter. */
  legend?: string;
  /** 'linear' (default) or 'log'. */
  yscale?: ScaleKind;
  /** A title above the axes; default none. */
  title?: string;
  /** Figure size in inches; default [3.5, 2.5]. */
  figsize?: [number, number];
  /** Pixels per inch; default DEFAULT_DPI (150). */
  dpi?: number;
}

const LOSS_OPTIONS = ['epochs', 'xlabel', 'ylabel', 'legend', 'yscale', 'title', 'figsize', 'dpi'];

/**
 * The training curve as d2l's Animator leaves it after training: losses[k] at epoch k + 1,
 * a solid C0 line, x from 1 to the number of epochs, grid on.
 */
export function plotLoss(losses: ArrayLike<number>, options?: LossOptions): LaidOutFigure {
  const method = 'plotLoss';
  const o = checkOptions(options, LOSS_OPTIONS, method) as LossOptions;
  if (losses === null || typeof losses !== 'object' || typeof (losses as ArrayLike<number>).length !== 'number') {
    throw new AttnpoolError('E_TYPE', `losses: expected an array of numbers, got ${describe(losses)}`);
  }
  const n = losses.length;
  if (n === 0) throw new AttnpoolError('E_EMPTY', 'losses: expected at least one loss, got an empty array');
  const epochs = o.epochs ?? n;
  if (typeof epochs !== 'number' || !Number.isInteger(epochs) || epochs < n) {
    throw new AttnpoolError('E_OPTION', `${method}: epochs must be an integer ≥ losses.length (${n}), got ${describeValue(epochs)}`);
  }
  const legend = optionalString(o.legend, 'legend', method);
  const x = Float64Array.from({ length: n }, (_, k) => k + 1);
  return plot(x, Array.from(losses), {
    xlabel: o.xlabel ?? 'epoch',
    ylabel: o.ylabel ?? 'loss',
    xlim: epochs > 1 ? [1, epochs] : undefined,
    yscale: o.yscale,
    legend: legend === undefined ? undefined : [legend],
    title: o.title,
    figsize: o.figsize,
    dpi: o.dpi,
  });
}
