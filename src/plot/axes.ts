import { overlaps, union, type Measure, type Rect } from './figure.js';
import { makeScale, type Scale } from './scale.js';
import { DIGIT_HEIGHT, ptToPx, RC } from './style.js';
import { drawText, placeText, type PlacedText } from './text.js';
import { tickCandidates, type ScaleKind, type Tick, type TickSet } from './ticks.js';

/** Which edge of the axes rectangle an axis runs along; its ticks point outwards from there. */
export type Side = 'bottom' | 'left' | 'right';

/** What one axis shows. */
export interface AxisSpec {
  side: Side;
  kind: ScaleKind;
  /**
   * Data values at the two ends: [left, right] for a bottom axis, [bottom, top] for a left or
   * right one. Decreasing limits invert the axis (an image's rows run downwards).
   */
  limits: [number, number];
  /** Draw the tick labels (false on the inner panels of a shared grid, as sharex/sharey). */
  tickLabels: boolean;
  /** The axis label ('x', 'Keys', ...), or none. */
  label?: string;
}

export interface PlacedTick extends Tick {
  /** Pixel coordinate along the axis: x for a bottom axis, y for a left or right one. */
  pos: number;
  /** The label's placement, when the tick has a label and labels are shown. */
  text: PlacedText | null;
}

export interface AxisLayout {
  spec: AxisSpec;
  scale: Scale;
  ticks: PlacedTick[];
  offsetText: PlacedText | null;
  label: PlacedText | null;
}

export interface AxesSpec {
  rect: Rect;
  x?: AxisSpec;
  y?: AxisSpec;
  title?: string;
}

/** Everything around an axes rectangle, placed: its axes, their ticks and texts, its title. */
export interface AxesLayout {
  rect: Rect;
  x: AxisLayout | null;
  y: AxisLayout | null;
  title: PlacedText | null;
  /** Every text placed, for drawing and for overlap checks. */
  texts: PlacedText[];
  /** The rectangle that the axes and everything drawn around it (ticks, texts) cover. */
  extent: Rect;
}

/**
 * Lays out an axes rectangle's decorations the way matplotlib does: ticks outwards, labels
 * 3.5 pt beyond them, axis labels 4 pt beyond the labels, the title 6 pt above. The tick
 * density follows the axis length (matplotlib's tick space) and drops further until the
 * labels stand clear of each other.
 */
export function layoutAxes(spec: AxesSpec, measure: Measure, dpi: number): AxesLayout {
  const px = (pt: number) => ptToPx(pt, dpi);
  const x = spec.x ? layoutAxis(spec.rect, spec.x, measure, dpi) : null;
  const y = spec.y ? layoutAxis(spec.rect, spec.y, measure, dpi) : null;
  const texts: PlacedText[] = [];
  for (const axis of [x, y]) {
    if (!axis) continue;
    for (const t of axis.ticks) if (t.text) texts.push(t.text);
    if (axis.offsetText) texts.push(axis.offsetText);
    if (axis.label) texts.push(axis.label);
  }
  let title: PlacedText | null = null;
  if (spec.title) {
    // Above the frame, and above a y axis' "1e6" multiplier when there is one.
    let bottom = spec.rect.y - px(RC.titlePad);
    if (y?.offsetText) bottom = Math.min(bottom, y.offsetText.box.y - px(RC.labelPad));
    title = placeText({ text: spec.title }, px(RC.titleSize), measure, { x: spec.rect.x + spec.rect.width / 2, y: bottom, ha: 'center', va: 'bottom' });
    texts.push(title);
  }
  const tickLength = px(RC.majorTickSize);
  const r = spec.rect;
  const marks: Rect[] = [r];
  if (x) marks.push({ x: r.x, y: r.y + r.height, width: r.width, height: tickLength });
  if (y)
    marks.push(
      y.spec.side === 'left'
        ? { x: r.x - tickLength, y: r.y, width: tickLength, height: r.height }
        : { x: r.x + r.width, y: r.y, width: tickLength, height: r.height },
    );
  return { rect: spec.rect, x, y, title, texts, extent: union([...marks, ...texts.map((t) => t.box)]) };
}

function layoutAxis(rect: Rect, spec: AxisSpec, measure: Measure, dpi: number): AxisLayout {
  const px = (pt: number) => ptToPx(pt, dpi);
  const horizontal = spec.side === 'bottom';
  const range: [number, number] = horizontal ? [rect.x, rect.x + rect.width] : [rect.y + rect.height, rect.y];
  const scale = makeScale(spec.kind, spec.limits, range);
  const lengthPt = (Math.abs(range[1] - range[0]) / dpi) * 72;
  // matplotlib's tick space: room for one interval per 3 font sizes along x, 2 along y.
  const maxBins = Math.min(9, Math.max(1, Math.floor(lengthPt / (RC.fontSize * (horizontal ? 3 : 2)))));
  const lo = Math.min(...spec.limits);
  const hi = Math.max(...spec.limits);
  const candidates = tickCandidates(spec.kind, lo, hi, maxBins);
  let chosen: PlacedTick[] = [];
  let chosenSet: TickSet = { ticks: [], offsetText: null };
  // Chosen as if the labels were shown even when they are not, so that panels sharing an
  // axis get the same ticks whether or not they carry its labels.
  for (const set of candidates) {
    chosen = placeTicks(set, rect, spec, scale, measure, dpi);
    chosenSet = set;
    if (labelsClear(chosen, horizontal, px(RC.fontSize))) break;
  }
  if (!spec.tickLabels) chosen = chosen.map((t) => ({ ...t, text: null }));
  const labelBoxes = chosen.flatMap((t) => (t.text ? [t.text.box] : []));
  const tickEnd = px(RC.majorTickSize);
  const fontPx = px(RC.fontSize);

  let offsetText: PlacedText | null = null;
  if (spec.tickLabels && chosenSet.offsetText) {
    const text = { text: chosenSet.offsetText };
    if (spec.side === 'bottom') {
      const below = Math.max(rect.y + rect.height + tickEnd, ...labelBoxes.map((b) => b.y + b.height));
      offsetText = placeText(text, fontPx, measure, { x: rect.x + rect.width, y: below, ha: 'right', va: 'top' });
    } else {
      offsetText = placeText(text, fontPx, measure, {
        x: spec.side === 'left' ? rect.x : rect.x + rect.width,
        y: rect.y - px(RC.labelPad) / 2,
        ha: spec.side === 'left' ? 'left' : 'right',
        va: 'bottom',
      });
    }
  }

  let label: PlacedText | null = null;
  if (spec.label) {
    const text = { text: spec.label };
    const pad = px(RC.labelPad);
    if (spec.side === 'bottom') {
      const boxes = offsetText ? [...labelBoxes, offsetText.box] : labelBoxes;
      const top = Math.max(rect.y + rect.height + tickEnd, ...boxes.map((b) => b.y + b.height)) + pad;
      label = placeText(text, fontPx, measure, { x: rect.x + rect.width / 2, y: top, ha: 'center', va: 'top' });
    } else if (spec.side === 'left') {
      const right = Math.min(rect.x - tickEnd, ...labelBoxes.map((b) => b.x)) - pad;
      label = placeText(text, fontPx, measure, { x: right, y: rect.y + rect.height / 2, ha: 'right', va: 'center', rotation: 90 });
    } else {
      const left = Math.max(rect.x + rect.width + tickEnd, ...labelBoxes.map((b) => b.x + b.width)) + pad;
      label = placeText(text, fontPx, measure, { x: left, y: rect.y + rect.height / 2, ha: 'left', va: 'center', rotation: 90 });
    }
  }
  return { spec, scale, ticks: chosen, offsetText, label };
}

function placeTicks(set: TickSet, rect: Rect, spec: AxisSpec, scale: Scale, measure: Measure, dpi: number): PlacedTick[] {
  const fontPx = ptToPx(RC.fontSize, dpi);
  return set.ticks.map((tick) => {
    const pos = scale(tick.value);
    let text: PlacedText | null = null;
    if (tick.label) {
      const gap = ptToPx(tick.minor ? RC.minorTickSize + RC.minorTickPad : RC.majorTickSize + RC.majorTickPad, dpi);
      if (spec.side === 'bottom') {
        text = placeText(tick.label, fontPx, measure, { x: pos, y: rect.y + rect.height + gap, ha: 'center', va: 'top' });
      } else if (spec.side === 'left') {
        text = placeText(tick.label, fontPx, measure, { x: rect.x - gap, y: pos, ha: 'right', va: 'center', baselineCenter: DIGIT_HEIGHT });
      } else {
        text = placeText(tick.label, fontPx, measure, { x: rect.x + rect.width + gap, y: pos, ha: 'left', va: 'center', baselineCenter: DIGIT_HEIGHT });
      }
    }
    return { ...tick, pos, text };
  });
}

/**
 * Whether neighbouring labels keep a clear gap: a third of the font size across x (about
 * a space), a tenth along y, where lines of digits stack.
 */
function labelsClear(ticks: PlacedTick[], horizontal: boolean, fontPx: number): boolean {
  const boxes = ticks.flatMap((t) => (t.text ? [t.text.box] : []));
  boxes.sort((a, b) => (horizontal ? a.x - b.x : a.y - b.y));
  const gap = horizontal ? fontPx / 3 : fontPx / 10;
  for (let i = 1; i < boxes.length; i++) {
    const a = boxes[i - 1];
    const b = boxes[i];
    const grown = horizontal ? { ...a, width: a.width + gap } : { ...a, height: a.height + gap };
    if (overlaps(grown, b)) return false;
  }
  return true;
}

/** A coordinate moved to where a line of width `lineWidth` px covers whole pixels (matplotlib snaps too). */
export function crisp(v: number, lineWidth: number): number {
  return Math.round(lineWidth) % 2 === 1 ? Math.floor(v) + 0.5 : Math.round(v);
}

/** The rectangle moved to crisp pixel edges for a frame of `lineWidth` px. */
export function crispRect(r: Rect, lineWidth: number): Rect {
  const x0 = crisp(r.x, lineWidth),
    y0 = crisp(r.y, lineWidth);
  const x1 = crisp(r.x + r.width, lineWidth),
    y1 = crisp(r.y + r.height, lineWidth);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** Grid lines at the major ticks, light grey, under the data (d2l's `axes.grid()`). */
export function drawGrid(ctx: CanvasRenderingContext2D, layout: AxesLayout, dpi: number): void {
  const lw = ptToPx(RC.gridLineWidth, dpi);
  const r = layout.rect;
  ctx.save();
  ctx.strokeStyle = RC.gridColor;
  ctx.lineWidth = lw;
  ctx.lineCap = 'butt';
  ctx.beginPath();
  for (const t of layout.x?.ticks ?? []) {
    if (t.minor) continue;
    const x = crisp(t.pos, lw);
    ctx.moveTo(x, r.y);
    ctx.lineTo(x, r.y + r.height);
  }
  for (const t of layout.y?.ticks ?? []) {
    if (t.minor) continue;
    const y = crisp(t.pos, lw);
    ctx.moveTo(r.x, y);
    ctx.lineTo(r.x + r.width, y);
  }
  ctx.stroke();
  ctx.restore();
}

/** The black frame on all four sides, the tick marks pointing outwards, and every text. */
export function drawAxesDecorations(ctx: CanvasRenderingContext2D, layout: AxesLayout, dpi: number): void {
  const px = (pt: number) => ptToPx(pt, dpi);
  ctx.save();
  ctx.strokeStyle = '#000000';
  for (const axis of [layout.x, layout.y]) {
    if (!axis) continue;
    for (const minor of [false, true]) {
      const lw = px(minor ? RC.minorTickWidth : RC.majorTickWidth);
      const len = px(minor ? RC.minorTickSize : RC.majorTickSize);
      ctx.lineWidth = lw;
      ctx.lineCap = 'butt';
      ctx.beginPath();
      for (const t of axis.ticks) {
        if (t.minor !== minor) continue;
        const p = crisp(t.pos, lw);
        const r = layout.rect;
        if (axis.spec.side === 'bottom') {
          ctx.moveTo(p, r.y + r.height);
          ctx.lineTo(p, r.y + r.height + len);
        } else if (axis.spec.side === 'left') {
          ctx.moveTo(r.x, p);
          ctx.lineTo(r.x - len, p);
        } else {
          ctx.moveTo(r.x + r.width, p);
          ctx.lineTo(r.x + r.width + len, p);
        }
      }
      ctx.stroke();
    }
  }
  const lw = px(RC.axesLineWidth);
  const frame = crispRect(layout.rect, lw);
  ctx.lineWidth = lw;
  ctx.lineJoin = 'miter';
  ctx.strokeRect(frame.x, frame.y, frame.width, frame.height);
  ctx.restore();
  for (const t of layout.texts) drawText(ctx, t);
}
