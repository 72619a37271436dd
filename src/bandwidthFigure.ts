import type { ChapterRun } from './chapter.js';
import { looCurve, optimalBandwidth } from './model/bandwidth.js';
import { plot, type Figure } from './plot/index.js';

/**
 * The answer to the chapter's exercise on choosing w: the leave-one-out loss against w (log
 * axis), the points SGD visited during training, and the exact optimum.
 */
export function bandwidthFigure(run: ChapterRun): { figure: Figure; optimum: number } {
  const { xTrain, yTrain } = run.data;
  const best = optimalBandwidth(xTrain, yTrain);
  const visited = [run.w0, ...run.ws.slice(0, -1)].map(Math.abs);
  const finite = [best.w, ...visited, run.parametric.w].filter((w) => Number.isFinite(w) && w > 0);
  const lo = Math.min(0.1, ...finite) / 2;
  const hi = Math.max(100, ...finite) * 2;
  const ws = Array.from({ length: 400 }, (_, i) => lo * (hi / lo) ** (i / 399));
  const curve = looCurve(xTrain, yTrain, ws);
  const series = [{ x: visited, y: run.losses, fmt: 'C1o-', label: 'SGD (5 epochs)' }];
  if (Number.isFinite(best.w)) series.push({ x: [best.w], y: [best.loss], fmt: 'rD', label: `optimum w = ${best.w.toFixed(3)}` });
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
