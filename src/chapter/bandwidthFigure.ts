import type { ChapterRun } from './runChapter.js';
import { logGrid, looCurve, optimalBandwidth } from '../model/bandwidth.js';
import { plot, type Figure } from '../plot/index.js';

/**
 * The answer to the chapter's exercise on choosing w: the leave-one-out loss against w (log
 * axis), the points SGD visited during training, and the exact optimum.
 */
export function bandwidthFigure(run: ChapterRun): { figure: Figure; optimum: number } {
  const { xTrain, yTrain } = run.data;
  const best = optimalBandwidth(xTrain, yTrain);
  // a log axis shows w > 0 only: a w = 0 (a start, or the limit winning) stays off it
  const positive = (w: number) => Number.isFinite(w) && w > 0;
  const steps = [run.w0, ...run.ws.slice(0, -1)].map((w, k) => ({ w: Math.abs(w), loss: run.losses[k] })).filter((p) => positive(p.w));
  const shown = [best.w, ...steps.map((p) => p.w), Math.abs(run.parametric.w)].filter(positive);
  const lo = Math.min(0.1, ...shown) / 2;
  const hi = Math.max(100, ...shown) * 2;
  const curve = looCurve(xTrain, yTrain, logGrid(lo, hi, 400 / Math.log10(hi / lo)));
  const series = [{ x: steps.map((p) => p.w), y: steps.map((p) => p.loss), fmt: 'C1o-', label: `SGD (${run.losses.length} epochs)` }];
  if (positive(best.w)) series.push({ x: [best.w], y: [best.loss], fmt: 'rD', label: `optimum w = ${best.w.toFixed(3)}` });
  const figure = plot(curve.w, [curve.loss], {
    xlabel: 'w',
    ylabel: 'leave-one-out loss',
    xscale: 'log',
    xlim: [lo, hi],
    legend: ['L(w)'],
    figsize: [4.5, 3],
    series,
  });
  return { figure, optimum: best.w };
}
