import { AttnpoolError } from '../errors.js';
import { describe } from '../args/describe.js';
import { formatShape, type TensorInput } from '../tensor.js';
import { toTensor } from '../args/tensor.js';
import { drawAxesDecorations, drawGrid, layoutAxes, type AxesLayout } from './axes.js';
import { cycleColor, parseColor } from './color.js';
import { checkOptions, optionalLimits, optionalString } from '../args/options.js';
import { describeValue } from '../args/describe.js';
import { figurePixels, type Measure } from './figure.js';
import { tooSmall, laidOutFigure, type FigureLayout, type LaidOutFigure } from './layout.js';
import { checkLegendLoc, drawLegend, layoutLegend, type LegendLayout, type LegendLoc } from './legend.js';
import { drawSeries, parseFmt, type LineStyle } from './line.js';
import { autoLimits } from './scale.js';
import { ptToPx, RC } from './style.js';
import type { ScaleKind } from './ticks.js';

/** One or several series of numbers: a 1-D tensor or array is one series; a list of them, or the rows of a 2-D tensor, several. */
export type SeriesInput = TensorInput | readonly TensorInput[];

/** A series drawn after the main ones (d2l draws the training points this way, with `plt.plot(x, y, 'o', alpha=0.5)`). */
export interface PlotSeries {
  /** x values, shape [n]. */
  x: TensorInput;
  /** y values, shape [n]. Non-finite values leave a gap, as NaN does in matplotlib. */
  y: TensorInput;
  /** matplotlib format string: '-' (default), 'm--', 'o' (markers only), 'g-.', 'r:', 'C1o', ... */
  fmt?: string;
  /** Overrides the format's colour: 'm', 'C1', '#1f77b4'. Without either, the next colour of the cycle C0, C1, ... */
  color?: string;
  /** Opacity of the line and markers, 0…1 (default 1). */
  alpha?: number;
  /** Legend label; the series gets a legend entry only if it has one. */
  label?: string;
  /** Line width in points (default 1.5, matplotlib's). */
  lineWidth?: number;
  /** Marker diameter in points (default 6, matplotlib's). */
  markerSize?: number;
}

/** Options of `plot`, after d2l's `plot` and `set_axes`. */
export interface PlotOptions {
  /** x axis label */
  xlabel?: string;
  /** y axis label */
  ylabel?: string;
  /** A title above the axes (12 pt). d2l's plot has none. */
  title?: string;
  /** Legend labels for the first series, in order (d2l's `legend`). No legend when empty or absent. */
  legend?: string[];
  /** Where the legend goes: 'best' (default: matplotlib's rule, the corner covering the least data) or a matplotlib location name. */
  legendLoc?: LegendLoc;
  /** [lo, hi] of the x axis; default: the data range padded by 5 % (matplotlib's autoscale). */
  xlim?: [number, number];
  /** [lo, hi] of the y axis; default as xlim. */
  ylim?: [number, number];
  /** 'linear' (default) or 'log' (powers of ten labelled 10^k, minor ticks at 2…9 × 10^k). */
  xscale?: ScaleKind;
  /** y axis scale (default 'linear') */
  yscale?: ScaleKind;
  /** Format strings of the series in order, reused from the start when there are more series; default d2l's ['-', 'm--', 'g-.', 'r:']. */
  fmts?: string[];
  /** Figure size in inches [width, height]; default d2l's [3.5, 2.5]. */
  figsize?: [number, number];
  /** Pixels per inch; default DEFAULT_DPI (150). */
  dpi?: number;
  /** Grid lines at the major ticks; default true, as d2l's `set_axes` calls `axes.grid()`. */
  grid?: boolean;
  /** More series drawn on top of the main ones, e.g. scatter points: `{ x, y, fmt: 'o', alpha: 0.5 }`. */
  series?: PlotSeries[];
}

/** d2l.plot's default line formats, in order: solid, magenta dashed, green dash-dot, red dotted. */
export const D2L_FMTS = ['-', 'm--', 'g-.', 'r:'];
const PLOT_OPTIONS = ['xlabel', 'ylabel', 'title', 'legend', 'legendLoc', 'xlim', 'ylim', 'xscale', 'yscale', 'fmts', 'figsize', 'dpi', 'grid', 'series'];
const SERIES_KEYS = ['x', 'y', 'fmt', 'color', 'alpha', 'label', 'lineWidth', 'markerSize'];

interface Series {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  style: LineStyle;
  label: string | null;
}

interface PlotLayout extends FigureLayout {
  main: AxesLayout;
  legendLayout: LegendLayout | null;
  pixels: { x: Float64Array; y: Float64Array }[];
}

/**
 * d2l's `plot`: one or several series against x, with d2l's formats ('-', 'm--', 'g-.', 'r:')
 * in turn, axis labels, limits, linear or log scales, a legend and a grid, in a 3.5 × 2.5 in figure.
 *
 * `x` may be one series shared by every y series, one per y series, or null for 0, 1, 2, ...
 * (d2l's `plot(Y)`). Shapes: each series [n], x and y of a pair of equal length.
 *
 * @example plot(xs, [ys1, ys2], { xlabel: 'x', ylabel: 'f(x)', legend: ['f', 'g'] })
 */
export function plot(x: SeriesInput | null | undefined, y: SeriesInput, options?: PlotOptions): LaidOutFigure {
  const method = 'plot';
  const o = checkOptions(options, PLOT_OPTIONS, method);
  const { width, height, dpi } = figurePixels(o.figsize ?? [3.5, 2.5], o.dpi, method);
  const xlabel = optionalString(o.xlabel, 'xlabel', method);
  const ylabel = optionalString(o.ylabel, 'ylabel', method);
  const title = optionalString(o.title, 'title', method);
  const xscale = checkScale(o.xscale, 'xscale', method);
  const yscale = checkScale(o.yscale, 'yscale', method);
  const legendLoc = checkLegendLoc(o.legendLoc, method);
  const grid = o.grid ?? true;
  if (typeof grid !== 'boolean') throw new AttnpoolError('E_OPTION', `${method}: grid must be a boolean, got ${describe(grid)}`);
  const fmts = o.fmts ?? D2L_FMTS;
  if (!Array.isArray(fmts) || fmts.length === 0)
    throw new AttnpoolError('E_OPTION', `${method}: fmts must be a non-empty array of format strings, got ${describeValue(fmts)}`);

  const ys = seriesList(y, 'y', method);
  const xs = x === null || x === undefined ? ys.map((s) => Float32Array.from(s, (_, i) => i)) : seriesList(x, 'x', method);
  if (xs.length !== 1 && xs.length !== ys.length) {
    throw new AttnpoolError('E_SHAPE', `${method}: x must be one series or one per y series (${ys.length}), got ${xs.length}`);
  }
  const legend = o.legend ?? [];
  if (!Array.isArray(legend) || legend.some((l) => typeof l !== 'string'))
    throw new AttnpoolError('E_OPTION', `${method}: legend must be an array of strings, got ${describeValue(legend)}`);
  if (legend.length > ys.length) throw new AttnpoolError('E_OPTION', `${method}: legend has ${legend.length} labels but there are only ${ys.length} series`);

  let cycle = 0;
  const nextColor = () => cycleColor(cycle++);
  const series: Series[] = ys.map((ySeries, i) => {
    const xSeries = xs.length === 1 ? xs[0] : xs[i];
    const name = ys.length === 1 ? 'y' : `y[${i}]`;
    if (xSeries.length !== ySeries.length)
      throw new AttnpoolError('E_SHAPE', `${method}: ${name} has ${ySeries.length} values but its x has ${xSeries.length}`);
    const fmt = parseFmt(fmts[i % fmts.length], method, `fmts[${i % fmts.length}]`);
    const style: LineStyle = {
      color: fmt.color ?? nextColor(),
      alpha: 1,
      line: fmt.line,
      lineWidth: RC.lineWidth,
      marker: fmt.marker,
      markerSize: RC.markerSize,
    };
    return { x: xSeries, y: ySeries, style, label: i < legend.length ? legend[i] : null };
  });
  const extra = o.series ?? [];
  if (!Array.isArray(extra)) throw new AttnpoolError('E_OPTION', `${method}: series must be an array of { x, y, fmt?, ... }, got ${describe(extra)}`);
  extra.forEach((s, i) => {
    series.push(extraSeries(s, `series[${i}]`, method, nextColor));
  });

  const xlim = optionalLimits(o.xlim, 'xlim', method) ?? autoLimits(allValues(series, 'x'), xscale, 'x', method);
  const ylim = optionalLimits(o.ylim, 'ylim', method) ?? autoLimits(allValues(series, 'y'), yscale, 'y', method);
  if (xscale === 'log' && xlim[0] <= 0) throw new AttnpoolError('E_VALUE', `${method}: xlim must be positive on a log axis, got [${xlim[0]}, ${xlim[1]}]`);
  if (yscale === 'log' && ylim[0] <= 0) throw new AttnpoolError('E_VALUE', `${method}: ylim must be positive on a log axis, got [${ylim[0]}, ${ylim[1]}]`);
  const entries = series.flatMap((s) => (s.label === null ? [] : [{ label: s.label, style: s.style }]));

  const layout = (measure: Measure): PlotLayout => {
    const main = fitAxes(width, height, dpi, method, (rect) =>
      layoutAxes(
        {
          rect,
          title,
          x: { side: 'bottom', kind: xscale, limits: xlim, tickLabels: true, label: xlabel },
          y: { side: 'left', kind: yscale, limits: ylim, tickLabels: true, label: ylabel },
        },
        measure,
        dpi,
      ),
    );
    const pixels = series.map((s) => ({ x: Float64Array.from(s.x, (v) => main.x!.scale(v)), y: Float64Array.from(s.y, (v) => main.y!.scale(v)) }));
    const legendLayout = entries.length > 0 ? layoutLegend(entries, main.rect, pixels, legendLoc, measure, dpi) : null;
    return {
      width,
      height,
      dpi,
      main,
      legendLayout,
      pixels,
      axes: [main],
      texts: [...main.texts, ...(legendLayout?.rows.map((r) => r.text) ?? [])],
      panels: [],
      colorbar: null,
      legend: legendLayout?.box ?? null,
    };
  };
  return laidOutFigure(width, height, dpi, layout, (ctx, l) => {
    if (grid) drawGrid(ctx, l.main, dpi);
    series.forEach((s, i) => {
      drawSeries(ctx, l.pixels[i].x, l.pixels[i].y, s.style, l.main.rect, dpi);
    });
    drawAxesDecorations(ctx, l.main, dpi);
    if (l.legendLayout) drawLegend(ctx, l.legendLayout, dpi);
  });
}

/**
 * The largest axes rectangle whose decorations fit inside the figure with a small border —
 * matplotlib's tight layout: shrink each side by what sticks out, re-lay, until it settles.
 */
export function fitAxes(
  width: number,
  height: number,
  dpi: number,
  method: string,
  lay: (rect: { x: number; y: number; width: number; height: number }) => AxesLayout,
): AxesLayout {
  const pad = ptToPx(RC.figurePad, dpi);
  let rect = { x: pad, y: pad, width: width - 2 * pad, height: height - 2 * pad };
  let layout = lay(rect);
  for (let iteration = 0; iteration < 20; iteration++) {
    const e = layout.extent;
    const left = rect.x + (pad - e.x);
    const top = rect.y + (pad - e.y);
    const right = rect.x + rect.width - (e.x + e.width - (width - pad));
    const bottom = rect.y + rect.height - (e.y + e.height - (height - pad));
    if (right - left < 1 || bottom - top < 1) throw tooSmall(method, width, height, dpi);
    const next = { x: left, y: top, width: right - left, height: bottom - top };
    const moved = Math.max(Math.abs(next.x - rect.x), Math.abs(next.y - rect.y), Math.abs(next.width - rect.width), Math.abs(next.height - rect.height));
    rect = next;
    layout = lay(rect);
    if (moved < 0.01) break;
  }
  const e = layout.extent;
  if (e.x < -0.5 || e.y < -0.5 || e.x + e.width > width + 0.5 || e.y + e.height > height + 0.5) throw tooSmall(method, width, height, dpi);
  return layout;
}

function checkScale(v: unknown, name: string, method: string): ScaleKind {
  if (v === undefined) return 'linear';
  if (v === 'linear' || v === 'log') return v;
  throw new AttnpoolError('E_OPTION', `${method}: ${name} must be 'linear' or 'log', got ${describeValue(v)}`);
}

function allValues(series: Series[], axis: 'x' | 'y'): Iterable<number> {
  return series.flatMap((s) => Array.from(s[axis]));
}

function extraSeries(s: unknown, name: string, method: string, nextColor: () => string): Series {
  const o = checkOptions(s, SERIES_KEYS, `${method}: ${name}`);
  const x = oneSeries(o.x, `${name}.x`);
  const y = oneSeries(o.y, `${name}.y`);
  if (x.length !== y.length) throw new AttnpoolError('E_SHAPE', `${method}: ${name}.y has ${y.length} values but ${name}.x has ${x.length}`);
  const fmt = parseFmt(o.fmt ?? '-', method, `${name}.fmt`);
  const color = o.color === undefined ? (fmt.color ?? nextColor()) : parseColor(o.color, `${name}.color`, method);
  const alpha = o.alpha ?? 1;
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1))
    throw new AttnpoolError('E_OPTION', `${method}: ${name}.alpha must be a number in [0, 1], got ${describeValue(alpha)}`);
  const positive = (v: unknown, key: string, fallback: number) => {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
      throw new AttnpoolError('E_OPTION', `${method}: ${name}.${key} must be a positive number of points, got ${describeValue(v)}`);
    return v;
  };
  const label = optionalString(o.label, `${name}.label`, method) ?? null;
  return {
    x,
    y,
    label,
    style: {
      color,
      alpha,
      line: fmt.line,
      marker: fmt.marker,
      lineWidth: positive(o.lineWidth, 'lineWidth', RC.lineWidth),
      markerSize: positive(o.markerSize, 'markerSize', RC.markerSize),
    },
  };
}

/** One or several series, as d2l's `has_one_axis` tells them apart. */
function seriesList(v: unknown, name: string, method: string): Float32Array[] {
  if (Array.isArray(v) && v.length > 0 && v.every((e) => typeof e !== 'number')) {
    return v.map((e, i) => oneSeries(e, `${name}[${i}]`));
  }
  const t = toTensor(v, name);
  if (t.shape.length === 2) {
    const [rows, cols] = t.shape;
    if (rows === 0 || cols === 0) throw new AttnpoolError('E_EMPTY', `${method}: ${name} has no values, shape ${formatShape(t.shape)}`);
    return Array.from({ length: rows }, (_, i) => t.data.subarray(i * cols, (i + 1) * cols));
  }
  return [oneSeries(t, name)];
}

function oneSeries(v: unknown, name: string): Float32Array {
  const t = toTensor(v, name);
  if (t.shape.length !== 1) throw new AttnpoolError('E_SHAPE', `${name}: expected one series of shape [n], got ${formatShape(t.shape)}`);
  if (t.data.length === 0) throw new AttnpoolError('E_EMPTY', `${name}: expected at least one value, got shape [0]`);
  return t.data;
}
