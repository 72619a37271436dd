import type { Measure, Rect } from './figure.js';
import { FONT_ASCENT, FONT_DESCENT, fontString } from './style.js';

/**
 * A line of text, optionally followed by a superscript — enough for matplotlib's log-axis
 * labels ("10" with exponent "−2", mathtext's 10^{-2}) without a math renderer.
 */
export interface RichText {
  /** the base text */
  text: string;
  /** a superscript after it (an exponent, as in 10⁻¹) */
  sup?: string;
}

/** Superscripts as mathtext sets them: 70 % of the size, raised. */
const SUP_SCALE = 0.7;
const SUP_RISE = 0.38;

/** Horizontal and vertical alignment of a text's (rotated) bounding box at its anchor, as matplotlib's ha / va. */
export type HAlign = 'left' | 'center' | 'right';
export type VAlign = 'top' | 'center' | 'bottom';

/**
 * A text with its place decided: `x, y` is the origin of its baseline (before rotation),
 * `box` the rectangle it covers in figure pixels, which layout checks for overlaps and
 * for staying inside the figure. `rotation` 90 turns it a quarter counter-clockwise (y labels).
 */
export interface PlacedText {
  /** what is written */
  text: RichText;
  /** anchor x, pixels */
  x: number;
  /** anchor y, pixels */
  y: number;
  /** font size, pixels */
  sizePx: number;
  /** 0, or 90 for text read bottom to top */
  rotation: 0 | 90;
  /** CSS colour */
  color: string;
  /** the box the text occupies, pixels */
  box: Rect;
}

/** Advance width of a rich text at `sizePx`. */
export function textWidth(text: RichText, sizePx: number, measure: Measure): number {
  let w = measure(text.text, fontString(sizePx));
  if (text.sup) w += measure(text.sup, fontString(sizePx * SUP_SCALE));
  return w;
}

/** Extent above the baseline, in pixels; a superscript reaches higher. */
function ascent(text: RichText, sizePx: number): number {
  return text.sup ? Math.max(FONT_ASCENT, SUP_RISE + FONT_ASCENT * SUP_SCALE) * sizePx : FONT_ASCENT * sizePx;
}

/**
 * Places `text` so that its bounding box (after rotation) is aligned at (ax, ay) by `ha` and
 * `va`. For `va: 'center'` with `baselineCenter`, digits rather than the box are centred,
 * as matplotlib's 'center_baseline' does for y tick labels.
 */
export function placeText(
  text: RichText,
  sizePx: number,
  measure: Measure,
  at: { x: number; y: number; ha: HAlign; va: VAlign; rotation?: 0 | 90; color?: string; baselineCenter?: number },
): PlacedText {
  const w = textWidth(text, sizePx, measure);
  const a = ascent(text, sizePx);
  const d = FONT_DESCENT * sizePx;
  const rotation = at.rotation ?? 0;
  // The box's size on the page: a quarter turn swaps width and height.
  const bw = rotation === 0 ? w : a + d;
  const bh = rotation === 0 ? a + d : w;
  const left = at.ha === 'left' ? at.x : at.ha === 'center' ? at.x - bw / 2 : at.x - bw;
  let top = at.va === 'top' ? at.y : at.va === 'center' ? at.y - bh / 2 : at.y - bh;
  if (rotation === 0 && at.va === 'center' && at.baselineCenter !== undefined) {
    // Put the baseline half a digit height below the anchor, then derive the box from it.
    top = at.y + (at.baselineCenter * sizePx) / 2 - a;
  }
  const box = { x: left, y: top, width: bw, height: bh };
  // Origin of the baseline: unrotated, a below the top; rotated 90° CCW, the text runs
  // upwards from the box's bottom with its ascent towards the left.
  const origin = rotation === 0 ? { x: left, y: top + a } : { x: left + a, y: top + bh };
  return { text, x: origin.x, y: origin.y, sizePx, rotation, color: at.color ?? '#000000', box };
}

export function drawText(ctx: CanvasRenderingContext2D, t: PlacedText): void {
  ctx.save();
  ctx.fillStyle = t.color;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  ctx.translate(t.x, t.y);
  if (t.rotation === 90) ctx.rotate(-Math.PI / 2);
  ctx.font = fontString(t.sizePx);
  ctx.fillText(t.text.text, 0, 0);
  if (t.text.sup) {
    const dx = ctx.measureText(t.text.text).width;
    ctx.font = fontString(t.sizePx * SUP_SCALE);
    ctx.fillText(t.text.sup, dx, -SUP_RISE * t.sizePx);
  }
  ctx.restore();
}
