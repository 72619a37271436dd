import { AttnpoolError } from '../errors.js';
import type { Measure, Rect } from './figure.js';
import { drawHandle, type LineStyle } from './line.js';
import { FONT_ASCENT, FONT_DESCENT, ptToPx, RC } from './style.js';
import { drawText, placeText, textWidth, type PlacedText } from './text.js';

export interface LegendEntry {
  label: string;
  style: LineStyle;
}

/** matplotlib's legend locations, in its order of preference for 'best'. */
export const LEGEND_LOCATIONS = [
  'upper right',
  'upper left',
  'lower left',
  'lower right',
  'right',
  'center left',
  'center right',
  'lower center',
  'upper center',
  'center',
] as const;
/** Where a legend goes, as matplotlib's `loc`; 'best' picks the corner that covers the least data. */
export type LegendLoc = 'best' | (typeof LEGEND_LOCATIONS)[number];

export function checkLegendLoc(loc: unknown, method: string): LegendLoc {
  if (loc === undefined) return 'best';
  if (loc === 'best' || (LEGEND_LOCATIONS as readonly unknown[]).includes(loc)) return loc as LegendLoc;
  throw new AttnpoolError(
    'E_OPTION',
    `${method}: legendLoc must be 'best' or one of ${LEGEND_LOCATIONS.map((l) => `'${l}'`).join(', ')}, got ${JSON.stringify(loc)}`,
  );
}

export interface LegendLayout {
  box: Rect;
  rows: { x0: number; x1: number; y: number; style: LineStyle; text: PlacedText }[];
}

/** A series as pixel points, for 'best' to avoid. */
export interface PixelPath {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/**
 * Sizes the legend box as matplotlib does (in font sizes: border pad 0.4, handles 2.0 long,
 * 0.8 from their labels, rows 0.5 apart) and places it 0.5 font sizes inside the axes. 'best'
 * tries matplotlib's ten locations in order and keeps the first that covers the fewest data
 * vertices plus crossing series — matplotlib's own badness measure.
 */
export function layoutLegend(entries: LegendEntry[], axes: Rect, paths: PixelPath[], loc: LegendLoc, measure: Measure, dpi: number): LegendLayout {
  const f = ptToPx(RC.fontSize, dpi);
  const L = RC.legend;
  const rowHeight = Math.max((FONT_ASCENT + FONT_DESCENT) * f, L.handleHeight * f);
  const textW = Math.max(...entries.map((e) => textWidth({ text: e.label }, f, measure)));
  const width = 2 * L.borderPad * f + L.handleLength * f + L.handleTextPad * f + textW;
  const height = 2 * L.borderPad * f + entries.length * rowHeight + (entries.length - 1) * L.labelSpacing * f;
  const candidates = (loc === 'best' ? LEGEND_LOCATIONS : [loc]).map((l) => anchor(l, axes, width, height, L.borderAxesPad * f));
  let box = candidates[0];
  let best = Infinity;
  for (const c of candidates) {
    const badness = legendBadness(c, paths);
    if (badness < best) {
      best = badness;
      box = c;
      if (badness === 0) break;
    }
  }
  const rows = entries.map((e, i) => {
    const y = box.y + L.borderPad * f + i * (rowHeight + L.labelSpacing * f) + rowHeight / 2;
    const x0 = box.x + L.borderPad * f;
    const x1 = x0 + L.handleLength * f;
    const text = placeText({ text: e.label }, f, measure, { x: x1 + L.handleTextPad * f, y, ha: 'left', va: 'center' });
    return { x0, x1, y, style: e.style, text };
  });
  return { box, rows };
}

function anchor(loc: (typeof LEGEND_LOCATIONS)[number], axes: Rect, w: number, h: number, pad: number): Rect {
  const left = axes.x + pad;
  const right = axes.x + axes.width - pad - w;
  const cx = axes.x + (axes.width - w) / 2;
  const top = axes.y + pad;
  const bottom = axes.y + axes.height - pad - h;
  const cy = axes.y + (axes.height - h) / 2;
  const [x, y] = {
    'upper right': [right, top],
    'upper left': [left, top],
    'lower left': [left, bottom],
    'lower right': [right, bottom],
    right: [right, cy],
    'center left': [left, cy],
    'center right': [right, cy],
    'lower center': [cx, bottom],
    'upper center': [cx, top],
    center: [cx, cy],
  }[loc];
  return { x, y, width: w, height: h };
}

/** Data vertices inside the box, plus one for each series whose line crosses it. */
export function legendBadness(box: Rect, paths: PixelPath[]): number {
  let badness = 0;
  for (const p of paths) {
    let crosses = false;
    for (let i = 0; i < p.x.length; i++) {
      if (inside(box, p.x[i], p.y[i])) badness++;
      if (!crosses && i > 0 && segmentHitsRect(p.x[i - 1], p.y[i - 1], p.x[i], p.y[i], box)) crosses = true;
    }
    if (crosses) badness++;
  }
  return badness;
}

function inside(r: Rect, x: number, y: number): boolean {
  return x >= r.x && x <= r.x + r.width && y >= r.y && y <= r.y + r.height;
}

/** Liang–Barsky: does the segment (x0, y0)–(x1, y1) meet the rectangle? */
function segmentHitsRect(x0: number, y0: number, x1: number, y1: number, r: Rect): boolean {
  if (![x0, y0, x1, y1].every(Number.isFinite)) return false;
  const dx = x1 - x0,
    dy = y1 - y0;
  let t0 = 0,
    t1 = 1;
  const edges: [number, number][] = [
    [-dx, x0 - r.x],
    [dx, r.x + r.width - x0],
    [-dy, y0 - r.y],
    [dy, r.y + r.height - y0],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const t = q / p;
      if (p < 0) t0 = Math.max(t0, t);
      else t1 = Math.min(t1, t);
      if (t0 > t1) return false;
    }
  }
  return true;
}

/** The white, slightly translucent rounded box with its light grey edge, the handles and labels. */
export function drawLegend(ctx: CanvasRenderingContext2D, layout: LegendLayout, dpi: number): void {
  const f = ptToPx(RC.fontSize, dpi);
  const { x, y, width, height } = layout.box;
  const r = RC.legend.cornerRadius * f;
  ctx.save();
  ctx.globalAlpha = RC.legend.frameAlpha;
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + width, y, x + width, y + height, r);
  ctx.arcTo(x + width, y + height, x, y + height, r);
  ctx.arcTo(x, y + height, x, y, r);
  ctx.arcTo(x, y, x + width, y, r);
  ctx.closePath();
  ctx.fillStyle = '#ffffff';
  ctx.fill();
  ctx.strokeStyle = RC.legend.edgeColor;
  ctx.lineWidth = ptToPx(RC.legend.frameLineWidth, dpi);
  ctx.setLineDash([]);
  ctx.stroke();
  ctx.restore();
  for (const row of layout.rows) {
    drawHandle(ctx, row.x0, row.x1, row.y, row.style, dpi);
    drawText(ctx, row.text);
  }
}
