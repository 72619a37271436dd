import { checkFigureSize } from '../args/figure.js';
import { DEFAULT_DPI } from './style.js';

/**
 * A figure ready to draw: its size in pixels and a function that draws it, through the
 * Canvas 2D API only, into the rectangle (0, 0)–(width, height) of any 2D context — a
 * node-canvas one (see `savePNG`) or a browser `<canvas>`. Scale the context first (e.g. by
 * devicePixelRatio) to draw it sharper; the heatmaps follow the transform.
 */
export interface Figure {
  /** width in pixels */
  width: number;
  /** height in pixels */
  height: number;
  /** draws the figure into a context of width × height pixels (node-canvas or a browser canvas) */
  draw(ctx: CanvasRenderingContext2D): void;
}

/** An axis-aligned rectangle in figure pixels (y grows downwards, as on a canvas). */
export interface Rect {
  /** left edge, pixels */
  x: number;
  /** top edge, pixels */
  y: number;
  /** width, pixels */
  width: number;
  /** height, pixels */
  height: number;
}

/** Width of `text` drawn in the CSS `font`, in pixels. */
export type Measure = (text: string, font: string) => number;

/** A Measure backed by a context's `measureText`, caching each (font, text) pair. */
export function measureWith(ctx: Pick<CanvasRenderingContext2D, 'font' | 'measureText'>): Measure {
  const cache = new Map<string, number>();
  return (text, font) => {
    const key = `${font}\u0000${text}`;
    let w = cache.get(key);
    if (w === undefined) {
      const saved = ctx.font;
      ctx.font = font;
      w = ctx.measureText(text).width;
      ctx.font = saved;
      cache.set(key, w);
    }
    return w;
  };
}

export function union(rects: readonly Rect[]): Rect {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (const r of rects) {
    x0 = Math.min(x0, r.x);
    y0 = Math.min(y0, r.y);
    x1 = Math.max(x1, r.x + r.width);
    y1 = Math.max(y1, r.y + r.height);
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** Whether two rectangles share interior points (touching edges do not count). */
export function overlaps(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** The pixel size of a figure of `figsize` inches at `dpi`, checked. */
export function figurePixels(figsize: unknown, dpi: unknown, method: string): { width: number; height: number; dpi: number } {
  return checkFigureSize(figsize, dpi, DEFAULT_DPI, method);
}
