import type { Rect } from './figure.js';

/**
 * Draws a rows × cols grid of values as coloured cells filling `rect`, row 0 at the top —
 * matplotlib's `imshow` with nearest-neighbour cells.
 *
 * Where the context maps user space to device pixels by scaling and translating only (no
 * rotation; the usual case, devicePixelRatio included), the cells are written straight into
 * device pixels with `putImageData`: each pixel takes the cell under its centre, or the mean
 * value of the cells it covers when cells are smaller than pixels (no aliasing, like
 * matplotlib's antialiased downsampling). The cost is bounded by the pixels drawn, whatever
 * the matrix size, there are no seams between cells, and it needs no second canvas, so it
 * works the same in node-canvas and browsers. Under any other transform it falls back to one
 * rectangle per cell.
 */
export function drawRaster(
  ctx: CanvasRenderingContext2D,
  rect: Rect,
  rows: number,
  cols: number,
  value: (i: number, j: number) => number,
  color: (v: number) => [number, number, number],
): void {
  const m = typeof ctx.getTransform === 'function' ? ctx.getTransform() : null;
  if (m && m.b === 0 && m.c === 0 && m.a !== 0 && m.d !== 0 && typeof ctx.putImageData === 'function') {
    drawDevicePixels(ctx, m, rect, { rows, cols, value, color });
  } else {
    drawCells(ctx, rect, { rows, cols, value, color });
  }
}

/** The grid drawRaster draws: its size, its values and how a value is coloured. */
interface Grid {
  rows: number;
  cols: number;
  value: (i: number, j: number) => number;
  color: (v: number) => [number, number, number];
}

function drawDevicePixels(ctx: CanvasRenderingContext2D, m: DOMMatrix, rect: Rect, { rows, cols, value, color }: Grid): void {
  const xa = m.a * rect.x + m.e,
    xb = m.a * (rect.x + rect.width) + m.e;
  const ya = m.d * rect.y + m.f,
    yb = m.d * (rect.y + rect.height) + m.f;
  const left = Math.min(xa, xb),
    top = Math.min(ya, yb);
  const x0 = Math.round(left),
    x1 = Math.round(Math.max(xa, xb));
  const y0 = Math.round(top),
    y1 = Math.round(Math.max(ya, yb));
  const w = x1 - x0,
    h = y1 - y0;
  if (w <= 0 || h <= 0) return;
  // Which cells each device column / row covers; a negative scale mirrors the grid.
  const colSpan = spans(w, x0 - left, Math.abs(xb - xa) / cols, cols, m.a < 0);
  const rowSpan = spans(h, y0 - top, Math.abs(yb - ya) / rows, rows, m.d < 0);
  const image = ctx.createImageData(w, h);
  const out = image.data;
  for (let py = 0; py < h; py++) {
    const i0 = rowSpan[2 * py],
      i1 = rowSpan[2 * py + 1];
    for (let px = 0; px < w; px++) {
      const j0 = colSpan[2 * px],
        j1 = colSpan[2 * px + 1];
      let v: number;
      if (i0 === i1 && j0 === j1) {
        v = value(i0, j0);
      } else {
        let sum = 0;
        for (let i = i0; i <= i1; i++) for (let j = j0; j <= j1; j++) sum += value(i, j);
        v = sum / ((i1 - i0 + 1) * (j1 - j0 + 1));
      }
      const [r, g, b] = color(v);
      const o = 4 * (py * w + px);
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      out[o + 3] = 255;
    }
  }
  ctx.putImageData(image, x0, y0);
}

/**
 * For each of n device pixels along one direction, the first and last cell it shows:
 * the cell under its centre when a cell spans at least a pixel, else every cell it overlaps.
 * `offset` is where pixel 0 starts relative to the grid's edge, `cell` the cell size in pixels.
 */
function spans(n: number, offset: number, cell: number, cells: number, mirrored: boolean): Int32Array {
  const out = new Int32Array(2 * n);
  const clamp = (k: number) => Math.min(cells - 1, Math.max(0, k));
  for (let p = 0; p < n; p++) {
    let a: number, b: number;
    if (cell >= 1) {
      a = b = clamp(Math.floor((offset + p + 0.5) / cell));
    } else {
      a = clamp(Math.floor((offset + p) / cell));
      b = clamp(Math.ceil((offset + p + 1) / cell) - 1);
    }
    if (mirrored) [a, b] = [cells - 1 - b, cells - 1 - a];
    out[2 * p] = a;
    out[2 * p + 1] = b;
  }
  return out;
}

/** One rectangle per cell, each reaching to the next cell's start so no background shows between. */
function drawCells(ctx: CanvasRenderingContext2D, rect: Rect, { rows, cols, value, color }: Grid): void {
  const cw = rect.width / cols,
    ch = rect.height / rows;
  ctx.save();
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const [r, g, b] = color(value(i, j));
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      const x = rect.x + j * cw,
        y = rect.y + i * ch;
      ctx.fillRect(x, y, j === cols - 1 ? cw : cw + 0.5, i === rows - 1 ? ch : ch + 0.5);
    }
  }
  ctx.restore();
}
