import { AttnpoolError } from '../errors.js';
import { requireFinite } from '../args/finite.js';
import { describe } from '../args/describe.js';
import { formatShape, type TensorInput } from '../tensor.js';
import { toTensor } from '../args/tensor.js';
import { drawAxesDecorations, layoutAxes, type AxesLayout } from './axes.js';
import { colormap } from './colormap.js';
import { checkOptions } from '../args/options.js';
import { describeValue } from '../args/describe.js';
import { figurePixels, union, type Measure, type Rect } from './figure.js';
import { laidOutFigure, tooSmall, type FigureLayout, type LaidOutFigure } from './layout.js';
import { drawRaster } from './raster.js';
import { nonsingular } from './scale.js';
import { ptToPx, RC } from './style.js';

/** Options of `showHeatmaps`, after d2l's `show_heatmaps`. */
export interface HeatmapOptions {
  /** Label under each panel of the bottom row. */
  xlabel: string;
  /** Label left of each panel of the first column. */
  ylabel: string;
  /** One title per column, shown above the panels of that column (d2l sets them on every row). */
  titles?: string[];
  /** Figure size in inches [width, height]; default d2l's [2.5, 2.5]. */
  figsize?: [number, number];
  /** Colormap name: 'Reds' (default, d2l's), 'Blues', 'Greens', 'Greys', 'Oranges', 'Purples', 'viridis', 'magma', 'inferno', 'plasma'. */
  cmap?: string;
  /** Pixels per inch; default DEFAULT_DPI (150). */
  dpi?: number;
  /** Value at the bottom of the colour scale; default the minimum over all panels. */
  vmin?: number;
  /** Value at the top of the colour scale; default the maximum over all panels. */
  vmax?: number;
}

const HEATMAP_OPTIONS = ['xlabel', 'ylabel', 'titles', 'figsize', 'cmap', 'dpi', 'vmin', 'vmax'];

interface HeatmapLayout extends FigureLayout {
  panelAxes: AxesLayout[];
  colorbarAxes: AxesLayout;
}

/**
 * d2l's `show_heatmaps`: `matrices` of shape [rows, cols, h, w] drawn as a rows × cols grid of
 * images with shared axes — x label and x tick labels on the bottom row only, y label and y tick
 * labels on the first column only, optional per-column titles — row 0 of the grid and row 0 of
 * each matrix at the top (imshow), square cells, and one colorbar (shrink 0.6) to the right.
 *
 * Unlike d2l, every panel uses one colour scale, [vmin, vmax] over all panels, so the single
 * colorbar is true for each of them.
 *
 * @example showHeatmaps(tensor(eye, [1, 1, 10, 10]), { xlabel: 'Keys', ylabel: 'Queries' })
 */
export function showHeatmaps(matrices: TensorInput, options: HeatmapOptions): LaidOutFigure {
  const method = 'showHeatmaps';
  const m = toTensor(matrices, 'matrices');
  if (m.shape.length !== 4) {
    throw new AttnpoolError('E_SHAPE', `matrices: expected shape [rows, cols, h, w] (rank 4), got ${formatShape(m.shape)}`);
  }
  const [rows, cols, h, w] = m.shape;
  if (m.data.length === 0) throw new AttnpoolError('E_EMPTY', `matrices: expected at least one panel of at least one cell, got shape ${formatShape(m.shape)}`);
  requireFinite(m.data, 'matrices');
  if (options === undefined) throw new AttnpoolError('E_OPTION', `${method}: options { xlabel, ylabel } are required, got undefined`);
  const o = checkOptions(options, HEATMAP_OPTIONS, method);
  for (const key of ['xlabel', 'ylabel'] as const) {
    if (typeof o[key] !== 'string') throw new AttnpoolError('E_OPTION', `${method}: ${key} must be a string, got ${describe(o[key])}`);
  }
  const xlabel = o.xlabel as string;
  const ylabel = o.ylabel as string;
  const titles = o.titles;
  if (titles !== undefined && (!Array.isArray(titles) || titles.some((t) => typeof t !== 'string'))) {
    throw new AttnpoolError('E_OPTION', `${method}: titles must be an array of strings, one per column, got ${describeValue(titles)}`);
  }
  if (titles !== undefined && titles.length !== cols) {
    throw new AttnpoolError('E_SHAPE', `${method}: titles must have one entry per column (${cols}), got ${titles.length}`);
  }
  const cmap = colormap(o.cmap ?? 'Reds', method);
  const { width, height, dpi } = figurePixels(o.figsize ?? [2.5, 2.5], o.dpi, method);
  const [vmin, vmax] = colourRange(m.data, o.vmin, o.vmax, method);

  const px = (pt: number) => ptToPx(pt, dpi);
  const figurePad = px(RC.figurePad);

  /** The whole layout for square cells of `cell` px, with the grid's top-left panel corner at (ox, oy). */
  const layoutAt = (cell: number, ox: number, oy: number, measure: Measure): HeatmapLayout => {
    const pw = cell * w,
      ph = cell * h;
    const panel = (i: number, j: number, gx: number, gy: number) =>
      layoutAxes(
        {
          rect: { x: ox + j * (pw + gx), y: oy + i * (ph + gy), width: pw, height: ph },
          title: titles?.[j],
          x: { side: 'bottom', kind: 'linear', limits: [-0.5, w - 0.5], tickLabels: i === rows - 1, label: i === rows - 1 ? xlabel : undefined },
          y: { side: 'left', kind: 'linear', limits: [h - 0.5, -0.5], tickLabels: j === 0, label: j === 0 ? ylabel : undefined },
        },
        measure,
        dpi,
      );
    const grid = (gx: number, gy: number) => Array.from({ length: rows * cols }, (_, k) => panel(Math.floor(k / cols), k % cols, gx, gy));
    // matplotlib's wspace / hspace, widened where titles or tick labels of neighbours would touch.
    let gx = RC.subplots.wspace * pw,
      gy = RC.subplots.hspace * ph;
    let panels = grid(gx, gy);
    const clearance = px(RC.fontSize) / 3;
    let needX = 0,
      needY = 0;
    for (let k = 0; k < panels.length; k++) {
      const a = panels[k];
      if (k % cols < cols - 1) needX = Math.max(needX, gap(a, panels[k + 1], 'x') + clearance);
      if (k + cols < panels.length) needY = Math.max(needY, gap(a, panels[k + cols], 'y') + clearance);
    }
    if (needX > gx || needY > gy) {
      gx = Math.max(gx, needX);
      gy = Math.max(gy, needY);
      panels = grid(gx, gy);
    }
    const gridRect = union(panels.map((p) => p.rect));
    const barHeight = RC.colorbar.shrink * gridRect.height;
    const bar: Rect = {
      // matplotlib's pad is 0.05 of the parent's width before the colorbar took 0.15 + 0.05 of
      // it; measured on the grid's shorter side, so a wide 1 × 4 grid keeps its colorbar close.
      x: gridRect.x + gridRect.width + (RC.colorbar.pad * Math.min(gridRect.width, gridRect.height)) / (1 - 0.15 - RC.colorbar.pad),
      y: gridRect.y + (gridRect.height - barHeight) / 2,
      width: barHeight / RC.colorbar.aspect,
      height: barHeight,
    };
    const colorbarAxes = layoutAxes({ rect: bar, y: { side: 'right', kind: 'linear', limits: [vmin, vmax], tickLabels: true } }, measure, dpi);
    const axes = [...panels, colorbarAxes];
    return {
      width,
      height,
      dpi,
      axes,
      panelAxes: panels,
      colorbarAxes,
      texts: axes.flatMap((a) => a.texts),
      panels: panels.map((p) => p.rect),
      colorbar: bar,
      legend: null,
    };
  };

  const extentOf = (l: HeatmapLayout) => union(l.axes.map((a) => a.extent));
  const fits = (l: HeatmapLayout) => {
    const e = extentOf(l);
    return e.width <= width - 2 * figurePad && e.height <= height - 2 * figurePad;
  };

  const layout = (measure: Measure): HeatmapLayout => {
    // The largest square cell for which everything fits (bisection: the size needed grows with the cell).
    let lo = 0,
      hi = Math.min(width / w, height / h);
    // to a thousandth of a pixel over the whole grid
    while ((hi - lo) * Math.max(w * cols, h * rows) > 1e-3) {
      const mid = (lo + hi) / 2;
      if (fits(layoutAt(mid, 0, 0, measure))) lo = mid;
      else hi = mid;
    }
    if (lo * Math.min(w, h) < 1 || !fits(layoutAt(lo, 0, 0, measure))) throw tooSmall(method, width, height, dpi);
    // Centre what is drawn in the figure.
    const e = extentOf(layoutAt(lo, 0, 0, measure));
    return layoutAt(lo, (width - e.width) / 2 - e.x, (height - e.height) / 2 - e.y, measure);
  };

  const scale = vmax - vmin;
  const colour = (v: number) => cmap((v - vmin) / scale);
  return laidOutFigure(width, height, dpi, layout, (ctx, l) => {
    l.panelAxes.forEach((a, k) => {
      const offset = k * h * w;
      drawRaster(ctx, a.rect, h, w, (i, j) => m.data[offset + i * w + j], colour);
      drawAxesDecorations(ctx, a, dpi);
    });
    // The colorbar: all 256 colours of the map, top to bottom from vmax to vmin.
    drawRaster(
      ctx,
      l.colorbarAxes.rect,
      256,
      1,
      (i) => 1 - (i + 0.5) / 256,
      (t) => cmap(t),
    );
    drawAxesDecorations(ctx, l.colorbarAxes, dpi);
  });
}

/** How far the extents of two neighbouring panels reach into the space between their frames. */
function gap(a: AxesLayout, b: AxesLayout, along: 'x' | 'y'): number {
  if (along === 'x') return a.extent.x + a.extent.width - (a.rect.x + a.rect.width) + (b.rect.x - b.extent.x);
  return a.extent.y + a.extent.height - (a.rect.y + a.rect.height) + (b.rect.y - b.extent.y);
}

/** [vmin, vmax] of the shared colour scale: the given bounds or the data's, never empty. */
function colourRange(data: Float32Array, vmin: unknown, vmax: unknown, method: string): [number, number] {
  for (const [key, v] of [
    ['vmin', vmin],
    ['vmax', vmax],
  ] as const) {
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) {
      throw new AttnpoolError('E_OPTION', `${method}: ${key} must be a finite number, got ${describeValue(v)}`);
    }
  }
  let lo = Infinity,
    hi = -Infinity;
  for (const v of data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const a = (vmin as number | undefined) ?? lo;
  const b = (vmax as number | undefined) ?? hi;
  if (a > b) throw new AttnpoolError('E_VALUE', `${method}: vmin must not exceed vmax, got vmin = ${a}, vmax = ${b}`);
  return nonsingular(a, b);
}
