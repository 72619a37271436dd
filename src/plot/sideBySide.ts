import { AttnpoolError } from '../errors.js';
import type { Figure } from './figure.js';

/**
 * Figures in one row, as matplotlib's `subplots(1, k)`: each drawn in its own slot, left to
 * right, top-aligned. Give the panels the same limits to share an axis (as `sharey=True`).
 * The result has the panels' dpi when they all have the same one (savePNG records it).
 *
 * @example sideBySide([plot(x, a), plot(x, b)])
 */
export function sideBySide(figures: readonly Figure[]): Figure & {
  /** the panels' common pixels per inch, when they share one */
  dpi?: number;
} {
  if (!Array.isArray(figures) || figures.length === 0) {
    throw new AttnpoolError('E_EMPTY', 'sideBySide: figures: expected a non-empty array of figures');
  }
  figures.forEach((f, i) => {
    if (!f || typeof f.draw !== 'function' || !(f.width > 0) || !(f.height > 0)) {
      throw new AttnpoolError('E_TYPE', `sideBySide: figures[${i}]: expected a figure { width, height, draw }`);
    }
  });
  const dpis = new Set(figures.map((f) => (f as { dpi?: number }).dpi));
  const width = figures.reduce((s, f) => s + f.width, 0);
  const height = Math.max(...figures.map((f) => f.height));
  return {
    width,
    height,
    dpi: dpis.size === 1 ? [...dpis][0] : undefined,
    draw(ctx) {
      let x = 0;
      for (const f of figures) {
        ctx.save();
        ctx.translate(x, 0);
        ctx.beginPath();
        ctx.rect(0, 0, f.width, f.height);
        ctx.clip();
        f.draw(ctx);
        ctx.restore();
        x += f.width;
      }
    },
  };
}
