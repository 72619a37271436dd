import { AttnpoolError } from '../errors.js';
import { describe } from '../tensor.js';
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
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
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
  const d = checkDpi(dpi, method);
  if (!Array.isArray(figsize) || figsize.length !== 2 || figsize.some((v) => typeof v !== 'number' || !Number.isFinite(v) || v <= 0)) {
    throw new AttnpoolError('E_OPTION', `${method}: figsize must be [width, height] in inches, two positive finite numbers, got ${describeValue(figsize)}`);
  }
  const width = Math.round(figsize[0] * d);
  const height = Math.round(figsize[1] * d);
  if (width < 1 || height < 1 || width * height > 1 << 26) {
    throw new AttnpoolError('E_OPTION', `${method}: figsize × dpi must give between 1 and 2^26 pixels, got ${width} × ${height} (figsize ${JSON.stringify(figsize)}, dpi ${d})`);
  }
  return { width, height, dpi: d };
}

function checkDpi(dpi: unknown, method: string): number {
  if (dpi === undefined) return DEFAULT_DPI;
  if (typeof dpi !== 'number' || !Number.isFinite(dpi) || dpi <= 0) {
    throw new AttnpoolError('E_OPTION', `${method}: dpi must be a positive finite number, got ${describeValue(dpi)}`);
  }
  return dpi;
}

/** Rejects an options argument that is not an object, or that has keys outside `allowed`. */
export function checkOptionKeys(options: unknown, allowed: readonly string[], method: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new AttnpoolError('E_OPTION', `${method}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new AttnpoolError('E_OPTION', `${method}: unknown option "${key}" (known: ${allowed.join(', ')})`);
    }
  }
  return options as Record<string, unknown>;
}

/** An optional string option; `undefined` stays undefined. */
export function optionalString(value: unknown, name: string, method: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new AttnpoolError('E_OPTION', `${method}: ${name} must be a string, got ${describeValue(value)}`);
  }
  return value;
}

/** An optional [lo, hi] pair of finite numbers with lo < hi (an axis range). */
export function optionalLimits(value: unknown, name: string, method: string): [number, number] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length !== 2 || value.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new AttnpoolError('E_OPTION', `${method}: ${name} must be [lo, hi], two finite numbers, got ${describeValue(value)}`);
  }
  if (!(value[0] < value[1])) {
    throw new AttnpoolError('E_VALUE', `${method}: ${name} must have lo < hi, got [${value[0]}, ${value[1]}]`);
  }
  return [value[0], value[1]];
}

/** `describe` for option values: shows short arrays and numbers literally. */
export function describeValue(x: unknown): string {
  if (Array.isArray(x) && x.length <= 4 && x.every((v) => typeof v === 'number' || typeof v === 'string')) return JSON.stringify(x);
  return describe(x);
}
