import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAttnpoolError } from './expectError.js';
import type { Measure } from '../src/plot/figure.js';
import { legendBadness } from '../src/plot/legend.js';
import { plot, plotKernelReg, plotLoss, showHeatmaps, type LaidOutFigure } from '../src/plot/index.js';
import { eye, kernelRegData, layoutProblems, nodeMeasure } from './plotFixtures.js';

let measure: Measure;
beforeAll(async () => {
  measure = await nodeMeasure();
});

const data = kernelRegData();
const grid4 = (() => {
  const m = new Float32Array(4 * 50 * 50);
  for (let k = 0; k < 4; k++) for (let i = 0; i < 50; i++) for (let j = 0; j < 50; j++) m[k * 2500 + i * 50 + j] = Math.exp(-(((i - j) / (2 + 5 * k)) ** 2));
  return { data: m, shape: [1, 4, 50, 50] };
})();

/** Every figure kind the chapter and the later issues draw, at default and unusual sizes. */
const figures: [string, () => LaidOutFigure][] = [
  ['eye(10) heatmap', () => showHeatmaps(eye(10), { xlabel: 'Keys', ylabel: 'Queries' })],
  ['50 × 50 weights', () => showHeatmaps(data.weights, { xlabel: 'Sorted training inputs', ylabel: 'Sorted testing inputs' })],
  [
    '1 × 4 grid with titles',
    () => showHeatmaps(grid4, { xlabel: 'Keys', ylabel: 'Queries', titles: ['gaussian', 'boxcar', 'constant', 'epanechnikov'], figsize: [8, 2.5] }),
  ],
  ['1 × 4 grid in d2l’s 2.5 in', () => showHeatmaps(grid4, { xlabel: 'Keys', ylabel: 'Queries', titles: ['1', '2', '3', '4'] })],
  [
    '2 × 3 grid',
    () =>
      showHeatmaps(
        { data: new Float32Array(6 * 12).map((_, i) => i), shape: [2, 3, 3, 4] },
        { xlabel: 'Keys', ylabel: 'Queries', titles: ['a', 'b', 'c'], figsize: [5, 4] },
      ),
  ],
  ['kernel regression', () => plotKernelReg(data.xTest, data.yTruth, data.yHat, data.xTrain, data.yTrain)],
  ['kernel regression at 72 dpi', () => plotKernelReg(data.xTest, data.yTruth, data.yHat, data.xTrain, data.yTrain, { dpi: 72 })],
  ['kernel regression at 300 dpi', () => plotKernelReg(data.xTest, data.yTruth, data.yHat, data.xTrain, data.yTrain, { dpi: 300 })],
  ['loss curve', () => plotLoss([43.91, 29.21, 27.3, 26.9, 26.7])],
  [
    'log x axis',
    () =>
      plot(
        Array.from({ length: 60 }, (_, i) => 10 ** (-2 + i / 15)),
        Array.from({ length: 60 }, (_, i) => 30 + (i - 30) ** 2 / 10),
        { xscale: 'log', xlabel: 'w', ylabel: 'loss' },
      ),
  ],
  ['millions on y', () => plot([1, 2, 3], [1e6, 3.5e6, 2e6], { title: 'big numbers', xlabel: 'x', ylabel: 'y' })],
  ['long labels in a narrow figure', () => plot([0, 123456.5], [-98765.25, 0.125], { figsize: [2, 1.6], xlabel: 'a long x label', ylabel: 'a long y label' })],
];

describe('figure layout', () => {
  it.each(figures)('%s: no text overlaps another, nothing leaves the figure', (_, make) => {
    const fig = make();
    const layout = fig.layout(measure);
    expect(layout.width).toBe(fig.width);
    expect(layoutProblems(layout)).toEqual([]);
    // every axis keeps at least one labelled tick where it shows labels
    for (const a of layout.axes) {
      for (const axis of [a.x, a.y]) if (axis?.spec.tickLabels) expect(axis.ticks.some((t) => t.text)).toBe(true);
    }
  });

  it('sizes figures in inches × dpi (d2l: plots 3.5 × 2.5, heatmaps 2.5 × 2.5; default 150 dpi)', () => {
    expect([plotLoss([1, 2]).width, plotLoss([1, 2]).height]).toEqual([525, 375]);
    const h = showHeatmaps(eye(3), { xlabel: 'k', ylabel: 'q', dpi: 100 });
    expect([h.width, h.height]).toEqual([250, 250]);
    expect(plot(null, [1, 2], { figsize: [3, 2], dpi: 200 }).width).toBe(600);
  });

  it('uses the whole width for a line plot: axes left of the y labels, right up to the figure pad', () => {
    const l = plotKernelReg(data.xTest, data.yTruth, data.yHat, data.xTrain, data.yTrain).layout(measure);
    const { rect } = l.axes[0];
    // the x tick "5" at the right end overhangs the frame by half its width, then the 5 pt pad
    expect(l.width - (rect.x + rect.width)).toBeGreaterThan(10);
    expect(l.width - (rect.x + rect.width)).toBeLessThan(25);
    const xTicks = l.axes[0].x!.ticks.map((t) => t.text!.text.text);
    const yTicks = l.axes[0].y!.ticks.map((t) => t.text!.text.text);
    expect(xTicks).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(yTicks).toEqual(['\u22121', '0', '1', '2', '3', '4', '5']);
  });

  it('heatmaps: square cells, row 0 on top, shared ticks, labels only on the outer panels', () => {
    const fig = showHeatmaps(
      { data: new Float32Array(6 * 20), shape: [2, 3, 4, 5] },
      { xlabel: 'Keys', ylabel: 'Queries', titles: ['a', 'b', 'c'], figsize: [6, 4] },
    );
    const l = fig.layout(measure);
    expect(l.panels).toHaveLength(6);
    for (const p of l.panels) expect(p.width / 5).toBeCloseTo(p.height / 4, 6);
    expect(l.panels[0].y).toBeLessThan(l.panels[3].y); // grid row 0 above row 1
    expect(l.panels[0].x).toBeLessThan(l.panels[1].x);
    const labelTexts = l.texts.map((t) => t.text.text);
    expect(labelTexts.filter((t) => t === 'Keys')).toHaveLength(3); // bottom row only
    expect(labelTexts.filter((t) => t === 'Queries')).toHaveLength(2); // first column only
    expect(labelTexts.filter((t) => t === 'b')).toHaveLength(2); // titles on each row, as d2l
    const [a, , , d, e] = l.axes;
    // y axis of a panel runs downwards: row 0 of the matrix at the top
    const y0 = a.y!.ticks.find((t) => t.value === 0)!;
    expect(y0.pos).toBeCloseTo(a.rect.y + a.rect.height / 8, 6);
    // only the first column labels its y ticks, only the bottom row its x ticks
    expect(a.y!.ticks.every((t) => t.text)).toBe(true);
    expect(e.y!.ticks.every((t) => t.text === null)).toBe(true);
    expect(a.x!.ticks.every((t) => t.text === null)).toBe(true);
    expect(d.x!.ticks.every((t) => t.text)).toBe(true);
    // every panel has the same ticks (sharex / sharey)
    const rel = (ax: typeof a) => ax.x!.ticks.map((t) => [t.value, Math.round((t.pos - ax.rect.x) * 1e6) / 1e6]);
    expect(rel(e)).toEqual(rel(a));
    expect(rel(d)).toEqual(rel(a));
    // one colorbar, 0.6 of the grid's height, centred on it
    const gridTop = l.panels[0].y,
      gridBottom = l.panels[5].y + l.panels[5].height;
    expect(l.colorbar!.height).toBeCloseTo(0.6 * (gridBottom - gridTop), 6);
    expect(l.colorbar!.y + l.colorbar!.height / 2).toBeCloseTo((gridTop + gridBottom) / 2, 6);
    expect(l.colorbar!.x).toBeGreaterThan(l.panels[2].x + l.panels[2].width);
  });

  it('one colour scale over all panels: the colorbar spans the minimum and maximum of every panel', () => {
    const m = new Float32Array(2 * 4);
    m.set([0, 0.1, 0.2, 0.3], 0);
    m.set([0, 2, 4, 8], 4);
    const l = showHeatmaps({ data: m, shape: [1, 2, 2, 2] }, { xlabel: 'k', ylabel: 'q' }).layout(measure);
    const bar = l.axes[l.axes.length - 1].y!;
    expect(bar.scale.domain).toEqual([0, 8]);
    const vmin = showHeatmaps({ data: m, shape: [1, 2, 2, 2] }, { xlabel: 'k', ylabel: 'q', vmin: -1, vmax: 10 }).layout(measure);
    expect(vmin.axes[vmin.axes.length - 1].y!.scale.domain).toEqual([-1, 10]);
  });

  it("places the legend at matplotlib's best location, away from the data", () => {
    // data crowding the upper right pushes the legend to the upper left, the next choice
    const x = Array.from({ length: 40 }, (_, i) => i / 39);
    const fig = plot(x, [x.map((v) => (v > 0.5 ? 1 : 0)), x.map((v) => (v > 0.5 ? 0.9 : 0.1))], { legend: ['a', 'b'] });
    const l = fig.layout(measure);
    const box = l.legend!;
    const rect = l.axes[0].rect;
    expect(box.x - rect.x).toBeLessThan(rect.x + rect.width - (box.x + box.width));
    expect(box.y - rect.y).toBeLessThan(rect.y + rect.height - (box.y + box.height));
    // and a legend forced into the upper right would cover data
    const forced = plot(x, [x.map((v) => (v > 0.5 ? 1 : 0)), x.map((v) => (v > 0.5 ? 0.9 : 0.1))], { legend: ['a', 'b'], legendLoc: 'upper right' }).layout(
      measure,
    );
    const sx = forced.axes[0].x!.scale,
      sy = forced.axes[0].y!.scale;
    const paths = [x.map((v) => (v > 0.5 ? 1 : 0)), x.map((v) => (v > 0.5 ? 0.9 : 0.1))].map((ys) => ({ x: x.map(sx), y: ys.map(sy) }));
    expect(legendBadness(forced.legend!, paths)).toBeGreaterThan(0);
    expect(legendBadness(box, paths)).toBe(0);
  });

  it('keeps the legend inside the axes', () => {
    const l = plotKernelReg(data.xTest, data.yTruth, data.yHat, data.xTrain, data.yTrain).layout(measure);
    const r = l.axes[0].rect,
      b = l.legend!;
    expect(b.x).toBeGreaterThan(r.x);
    expect(b.y).toBeGreaterThan(r.y);
    expect(b.x + b.width).toBeLessThan(r.x + r.width);
    expect(b.y + b.height).toBeLessThan(r.y + r.height);
  });

  it('rejects a figure too small for its labels', () => {
    const titles = ['gaussian', 'boxcar', 'constant', 'epanechnikov'];
    expect(() => showHeatmaps(grid4, { xlabel: 'Keys', ylabel: 'Queries', titles }).layout(measure)).toThrow(/375 × 375 px .* too small/);
    const fig = plot([0, 1], [0, 1], { figsize: [0.3, 0.3], xlabel: 'a very long label indeed', ylabel: 'y' });
    expect(() => fig.layout(measure)).toThrow(/too small for the axes/);
  });

  it('lays out titles and tick labels of a 1 × 4 grid clear of each other', () => {
    const l = showHeatmaps(grid4, {
      xlabel: 'Keys',
      ylabel: 'Queries',
      titles: ['a rather long title', 'another long title', 'c', 'd'],
      figsize: [7, 2.5],
    }).layout(measure);
    expect(layoutProblems(l)).toEqual([]);
  });
});

describe('browser safety', () => {
  it('nothing under src/plot imports canvas or a node: module', () => {
    const dir = join(import.meta.dirname, '..', 'src', 'plot');
    for (const file of readdirSync(dir)) {
      const source = readFileSync(join(dir, file), 'utf8');
      expect(source, file).not.toMatch(/from\s+['"](canvas|node:[^'"]*|fs|path)['"]|import\(\s*['"](canvas|node:)/);
    }
  });
});

describe('bad input', () => {
  const ok = { xlabel: 'k', ylabel: 'q' };
  const code = (f: () => unknown) => {
    const e = expectAttnpoolError(f);
    return `${e.code}: ${e.message}`;
  };

  it('showHeatmaps', () => {
    expect(code(() => showHeatmaps({ data: new Float32Array(4), shape: [2, 2] }, ok))).toMatch(
      /E_SHAPE: matrices: expected shape \[rows, cols, h, w\] \(rank 4\), got \[2, 2\]/,
    );
    expect(code(() => showHeatmaps({ data: new Float32Array(0), shape: [1, 1, 0, 3] }, ok))).toMatch(/E_EMPTY/);
    expect(code(() => showHeatmaps({ data: new Float32Array([1, NaN, 0, 0]), shape: [1, 1, 2, 2] }, ok))).toMatch(/E_NONFINITE: matrices/);
    expect(code(() => showHeatmaps(eye(3), { ...ok, titles: ['a', 'b'] }))).toMatch(
      /E_SHAPE: showHeatmaps: titles must have one entry per column \(1\), got 2/,
    );
    expect(code(() => showHeatmaps(eye(3), { ...ok, figsize: [2.5, -1] }))).toMatch(
      /E_OPTION: showHeatmaps: figsize must be \[width, height\] in inches.*\[2.5,-1\]/,
    );
    expect(code(() => showHeatmaps(eye(3), { ...ok, dpi: 0 }))).toMatch(/E_OPTION: showHeatmaps: dpi/);
    expect(code(() => showHeatmaps(eye(3), { ...ok, cmap: 'jet' }))).toMatch(/E_OPTION: showHeatmaps: cmap must be one of 'Reds'/);
    expect(code(() => showHeatmaps(eye(3), { ...ok, vmin: 2, vmax: 1 }))).toMatch(/E_VALUE: showHeatmaps: vmin must not exceed vmax/);
    expect(code(() => showHeatmaps(eye(3), { xlabel: 'k' } as never))).toMatch(/E_OPTION: showHeatmaps: ylabel must be a string/);
    expect(code(() => showHeatmaps(eye(3), { ...ok, colour: 'red' } as never))).toMatch(/unknown option "colour"/);
    expect(code(() => showHeatmaps(eye(3), undefined as never))).toMatch(/E_OPTION/);
  });

  it('plot', () => {
    expect(code(() => plot([1, 2, 3], [1, 2]))).toMatch(/E_SHAPE: plot: y has 2 values but its x has 3/);
    expect(
      code(() =>
        plot(
          [1, 2],
          [
            [1, 2],
            [3, 4],
          ],
          { fmts: ['-', 'q'] },
        ),
      ),
    ).toMatch(/E_OPTION: plot: fmts\[1\] "q" has an unknown character/);
    expect(code(() => plot([1, 2], [1, 2], { legend: ['a', 'b'] }))).toMatch(/legend has 2 labels but there are only 1 series/);
    expect(code(() => plot([1, 2], [1, 2], { xlim: [5, 0] }))).toMatch(/E_VALUE: plot: xlim must have lo < hi/);
    expect(code(() => plot([1, 2], [1, 2], { xlim: [0, 5], xscale: 'log' }))).toMatch(/xlim must be positive on a log axis/);
    expect(code(() => plot([1, 2], [1, 2], { yscale: 'symlog' as never }))).toMatch(/yscale must be 'linear' or 'log'/);
    expect(code(() => plot([1, 2], [1, 2], { series: [{ x: [1], y: [1], alpha: 2 }] }))).toMatch(/series\[0\]\.alpha must be a number in \[0, 1\]/);
    expect(code(() => plot([1, 2], [NaN, NaN]))).toMatch(/E_VALUE: plot: no finite y values/);
    expect(code(() => plot([], []))).toMatch(/E_EMPTY/);
    expect(code(() => plot([1, 2], 'ab' as never))).toMatch(/E_TYPE: y/);
  });

  it('plotKernelReg and plotLoss', () => {
    const d = data;
    expect(code(() => plotKernelReg(d.xTest, d.yTruth.slice(1), d.yHat, d.xTrain, d.yTrain))).toMatch(
      /E_SHAPE: yTruth: expected shape \[50\] like xTest, got \[49\]/,
    );
    expect(code(() => plotKernelReg(d.xTest, d.yTruth, d.yHat, d.xTrain, d.yTrain.slice(2)))).toMatch(/yTrain: expected shape \[50\] like xTrain/);
    expect(code(() => plotLoss([]))).toMatch(/E_EMPTY: losses/);
    expect(code(() => plotLoss([1, 2, 3], { epochs: 2 }))).toMatch(/epochs must be an integer ≥ losses.length \(3\), got 2/);
    expect(code(() => plotLoss([1, 2], { xlim: [1, 2] } as never))).toMatch(/unknown option "xlim"/);
  });
});
