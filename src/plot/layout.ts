import { AttnpoolError } from '../errors.js';
import { measureWith, type Figure, type Measure, type Rect } from './figure.js';
import type { AxesLayout } from './axes.js';
import type { PlacedText } from './text.js';

/**
 * Where everything of a figure goes, in figure pixels — what `draw` renders, and what tests
 * check: that no two texts overlap and that nothing leaves the figure.
 */
export interface FigureLayout {
  /** width in pixels */
  width: number;
  /** height in pixels */
  height: number;
  /** pixels per inch */
  dpi: number;
  /** Every axes (a plot has one; a heatmap grid one per panel, row by row; then the colorbar's). */
  axes: AxesLayout[];
  /** Every text drawn: tick labels, axis labels, titles, legend labels. */
  texts: PlacedText[];
  /** The heatmap panels' image rectangles, row by row (empty for line plots). */
  panels: Rect[];
  /** the colorbar's box, if the figure has one */
  colorbar: Rect | null;
  /** the legend's box, if the figure has one */
  legend: Rect | null;
}

/** A Figure that can also report its layout (for tests, and for pages that place overlays). */
export interface LaidOutFigure extends Figure {
  /** Pixels per inch the figure was laid out for (savePNG records it in the PNG). */
  dpi: number;
  /** The layout `draw` uses, computed with `measure` (see `measureWith`). */
  layout(measure: Measure): FigureLayout;
}

/** Builds a LaidOutFigure from a layout function and a renderer of that layout. */
export function laidOutFigure<L extends FigureLayout>(
  width: number,
  height: number,
  dpi: number,
  layout: (measure: Measure) => L,
  render: (ctx: CanvasRenderingContext2D, layout: L) => void,
): LaidOutFigure {
  return {
    width,
    height,
    dpi,
    layout,
    draw(ctx: CanvasRenderingContext2D) {
      const l = layout(measureWith(ctx));
      ctx.save();
      // matplotlib's white figure background
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, width, height);
      render(ctx, l);
      ctx.restore();
    },
  };
}

/** The error for a figure whose size leaves no room for its texts. */
export function tooSmall(method: string, width: number, height: number, dpi: number): AttnpoolError {
  return new AttnpoolError(
    'E_VALUE',
    `${method}: figsize × dpi = ${width} × ${height} px (dpi ${dpi}) is too small for the axes with their tick labels, axis labels and titles side by side; give a larger figsize`,
  );
}
