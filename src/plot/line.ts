import { AttnpoolError } from '../errors.js';
import { BASE_COLOR_LETTERS, cycleColor, parseColor } from './color.js';
import type { Rect } from './figure.js';
import { ptToPx, RC } from './style.js';

export type LineKind = 'solid' | 'dashed' | 'dashdot' | 'dotted' | 'none';

/** Markers of matplotlib's format strings: filled 'o' '.' 's' '^' 'v' 'D', stroked 'x' '+'. */
export type Marker = 'o' | '.' | 's' | '^' | 'v' | 'D' | 'x' | '+';
const MARKERS: readonly string[] = ['o', '.', 's', '^', 'v', 'D', 'x', '+'];
const LINE_KINDS: Record<string, LineKind> = { '-': 'solid', '--': 'dashed', '-.': 'dashdot', ':': 'dotted' };

/** How one series is drawn. Sizes in points, as matplotlib's. */
export interface LineStyle {
  color: string;
  /** Opacity of line and markers, 0…1. */
  alpha: number;
  line: LineKind;
  lineWidth: number;
  marker: Marker | null;
  /** Marker diameter. */
  markerSize: number;
}

/** The parts of a matplotlib format string ('m--', 'o', 'g-.', 'C1:'); colour null = next cycle colour. */
export interface Fmt {
  color: string | null;
  line: LineKind;
  marker: Marker | null;
}

/**
 * Parses a matplotlib format string '[marker][line][color]' (any order). As in matplotlib, a
 * marker without a line style draws markers only, and neither draws a solid line.
 */
export function parseFmt(fmt: unknown, method: string, name = 'fmt'): Fmt {
  if (typeof fmt !== 'string') {
    throw new AttnpoolError('E_OPTION', `${method}: ${name} must be a format string like '-', 'm--', 'o', got ${typeof fmt}`);
  }
  let color: string | null = null;
  let line: LineKind | null = null;
  let marker: Marker | null = null;
  const bad = (why: string) =>
    new AttnpoolError(
      'E_OPTION',
      `${method}: ${name} ${JSON.stringify(fmt)} ${why} (expected [marker][line][color]: markers ${MARKERS.join(' ')}, lines - -- -. :, colours ${BASE_COLOR_LETTERS.split('').join(' ')} C0…C9)`,
    );
  for (let i = 0; i < fmt.length; ) {
    const two = fmt.slice(i, i + 2);
    if (two === '--' || two === '-.') {
      if (line) throw bad('has two line styles');
      line = LINE_KINDS[two];
      i += 2;
    } else if (fmt[i] === '-' || fmt[i] === ':') {
      if (line) throw bad('has two line styles');
      line = LINE_KINDS[fmt[i]];
      i += 1;
    } else if (/^C\d/.test(fmt.slice(i))) {
      if (color) throw bad('has two colours');
      color = cycleColor(Number(fmt[i + 1]));
      i += 2;
    } else if (BASE_COLOR_LETTERS.includes(fmt[i])) {
      if (color) throw bad('has two colours');
      color = parseColor(fmt[i], name, method);
      i += 1;
    } else if (MARKERS.includes(fmt[i])) {
      if (marker) throw bad('has two markers');
      marker = fmt[i] as Marker;
      i += 1;
    } else {
      throw bad(`has an unknown character ${JSON.stringify(fmt[i])}`);
    }
  }
  return { color, line: line ?? (marker ? 'none' : 'solid'), marker };
}

/**
 * Draws a polyline through the pixel points (x[i], y[i]) with the style's dashes and
 * markers, clipped to `clip`. A non-finite coordinate breaks the line, as NaN does in matplotlib.
 */
export function drawSeries(ctx: CanvasRenderingContext2D, x: ArrayLike<number>, y: ArrayLike<number>, style: LineStyle, clip: Rect, dpi: number): void {
  ctx.save();
  ctx.beginPath();
  ctx.rect(clip.x, clip.y, clip.width, clip.height);
  ctx.clip();
  ctx.globalAlpha = style.alpha;
  if (style.line !== 'none') {
    applyLineStyle(ctx, style, dpi);
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < x.length; i++) {
      const px = x[i],
        py = y[i];
      if (!Number.isFinite(px) || !Number.isFinite(py)) {
        pen = false;
        continue;
      }
      if (pen) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
      pen = true;
    }
    ctx.stroke();
  }
  if (style.marker) {
    for (let i = 0; i < x.length; i++) {
      if (Number.isFinite(x[i]) && Number.isFinite(y[i])) drawMarker(ctx, x[i], y[i], style, dpi);
    }
  }
  ctx.restore();
}

/** A legend handle: a short line from x0 to x1 at height y, with one marker in its middle. */
export function drawHandle(ctx: CanvasRenderingContext2D, x0: number, x1: number, y: number, style: LineStyle, dpi: number): void {
  ctx.save();
  ctx.globalAlpha = style.alpha;
  if (style.line !== 'none') {
    applyLineStyle(ctx, style, dpi);
    ctx.beginPath();
    ctx.moveTo(x0, y);
    ctx.lineTo(x1, y);
    ctx.stroke();
  }
  if (style.marker) drawMarker(ctx, (x0 + x1) / 2, y, style, dpi);
  ctx.restore();
}

function applyLineStyle(ctx: CanvasRenderingContext2D, style: LineStyle, dpi: number): void {
  const lw = ptToPx(style.lineWidth, dpi);
  ctx.strokeStyle = style.color;
  ctx.lineWidth = lw;
  ctx.lineJoin = 'round';
  if (style.line === 'solid') {
    ctx.lineCap = 'square'; // matplotlib's solid_capstyle 'projecting'
    ctx.setLineDash([]);
  } else {
    ctx.lineCap = 'butt'; // dash_capstyle 'butt'
    ctx.setLineDash(RC.dashes[style.line as 'dashed' | 'dashdot' | 'dotted'].map((d) => d * lw));
  }
}

/**
 * One marker, sized as matplotlib's: 'o' is `markerSize` across, '.' half that, 's' a square
 * of that side, '^' 'v' triangles of that width and height, 'D' that square turned 45°.
 * Filled markers are filled and edged in the series colour with a 1 pt edge; both carry the
 * alpha, so a translucent circle shows a darker rim where edge and fill overlap, as matplotlib's.
 */
function drawMarker(ctx: CanvasRenderingContext2D, cx: number, cy: number, style: LineStyle, dpi: number): void {
  const s = ptToPx(style.markerSize, dpi);
  const h = s / 2;
  ctx.setLineDash([]);
  ctx.lineWidth = ptToPx(RC.markerEdgeWidth, dpi);
  ctx.strokeStyle = style.color;
  ctx.fillStyle = style.color;
  ctx.lineJoin = 'miter';
  ctx.lineCap = 'butt';
  ctx.beginPath();
  switch (style.marker) {
    case 'o':
      ctx.arc(cx, cy, h, 0, 2 * Math.PI);
      break;
    case '.':
      ctx.arc(cx, cy, h / 2, 0, 2 * Math.PI);
      break;
    case 's':
      ctx.rect(cx - h, cy - h, s, s);
      break;
    case '^':
      ctx.moveTo(cx, cy - h);
      ctx.lineTo(cx + h, cy + h);
      ctx.lineTo(cx - h, cy + h);
      ctx.closePath();
      break;
    case 'v':
      ctx.moveTo(cx, cy + h);
      ctx.lineTo(cx + h, cy - h);
      ctx.lineTo(cx - h, cy - h);
      ctx.closePath();
      break;
    case 'D': {
      const r = h * Math.SQRT2;
      ctx.moveTo(cx, cy - r);
      ctx.lineTo(cx + r, cy);
      ctx.lineTo(cx, cy + r);
      ctx.lineTo(cx - r, cy);
      ctx.closePath();
      break;
    }
    case 'x':
      ctx.moveTo(cx - h, cy - h);
      ctx.lineTo(cx + h, cy + h);
      ctx.moveTo(cx - h, cy + h);
      ctx.lineTo(cx + h, cy - h);
      ctx.stroke();
      return;
    case '+':
      ctx.moveTo(cx - h, cy);
      ctx.lineTo(cx + h, cy);
      ctx.moveTo(cx, cy - h);
      ctx.lineTo(cx, cy + h);
      ctx.stroke();
      return;
  }
  ctx.fill();
  ctx.stroke();
}
