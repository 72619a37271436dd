import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { AttnpoolError } from '../errors.js';
import type { Figure } from '../plot/figure.js';
import { describe } from '../args/describe.js';
import { nodeCanvas } from './canvas.js';
import { quotePath, writeFileAtomic } from '../io/files.js';

/** Draws a figure into a new node-canvas of its size and returns it (for PNG bytes or pixel checks). */
export async function renderFigure(figure: Figure): Promise<import('canvas').Canvas> {
  checkFigure(figure);
  const { createCanvas } = await nodeCanvas();
  const canvas = createCanvas(figure.width, figure.height);
  figure.draw(canvas.getContext('2d') as unknown as CanvasRenderingContext2D);
  return canvas;
}

/** The figure as PNG bytes; the figure's dpi, when it has one, is recorded in the file (as matplotlib does). */
export async function renderPNG(figure: Figure): Promise<Buffer> {
  const canvas = await renderFigure(figure);
  const dpi = (figure as { dpi?: unknown }).dpi;
  return canvas.toBuffer('image/png', typeof dpi === 'number' && dpi > 0 ? { resolution: Math.round(dpi) } : {});
}

/**
 * Writes a figure as a PNG file of exactly figure.width × figure.height pixels. The directory
 * must exist already (a typo in a path should fail, not create directories). The file is written
 * under a temporary name and renamed, so it is whole or absent; a write error (a full disk, a
 * path that is a directory) is an AttnpoolError E_IO naming the path.
 */
export async function savePNG(figure: Figure, path: string): Promise<void> {
  if (typeof path !== 'string' || path.length === 0) {
    throw new AttnpoolError('E_TYPE', `path: expected a file path string, got ${describe(path)}`);
  }
  checkFigure(figure);
  const dir = dirname(resolve(path));
  const info = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err?.code === 'ENOENT' || err?.code === 'ENOTDIR') return null;
    // not "missing": a permission (EACCES; under Deno without --allow-read, NotCapable) or an I/O
    // error, whose own message names the cause and the way out
    throw new AttnpoolError('E_VALUE', `path: cannot check the directory ${dir} of ${JSON.stringify(path)}: ${err?.message ?? String(err)}`);
  });
  if (!info?.isDirectory()) {
    throw new AttnpoolError(
      'E_VALUE',
      `path: the directory ${dir} of ${JSON.stringify(path)} ${info ? 'is not a directory' : 'does not exist'}; create it first`,
    );
  }
  const target = await stat(path).catch(() => null);
  if (target?.isDirectory()) throw new AttnpoolError('E_IO', `path: ${quotePath(path)} is a directory; name a .png file`);
  const bytes = await renderPNG(figure);
  writeFileAtomic(path, bytes);
}

function checkFigure(figure: unknown): asserts figure is Figure {
  const f = figure as Partial<Figure> | null;
  if (f === null || typeof f !== 'object' || typeof f.draw !== 'function') {
    throw new AttnpoolError('E_TYPE', `figure: expected a Figure { width, height, draw(ctx) }, got ${describe(figure)}`);
  }
  for (const key of ['width', 'height'] as const) {
    const v = f[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new AttnpoolError('E_VALUE', `figure: ${key} must be a positive integer number of pixels, got ${describe(v)}`);
    }
  }
}
