import { AttnpoolError } from '../errors.js';
import { describeValue } from './describe.js';

/** A figure's size: `figsize` inches × `dpi`, checked, in whole pixels (at least 1, at most 2^26 in all). */
export function checkFigureSize(figsize: unknown, dpi: unknown, defaultDpi: number, fn: string): { width: number; height: number; dpi: number } {
  const d = dpi === undefined ? defaultDpi : dpi;
  if (typeof d !== 'number' || !Number.isFinite(d) || d <= 0) {
    throw new AttnpoolError('E_OPTION', `${fn}: dpi must be a positive finite number, got ${describeValue(d)}`);
  }
  if (!Array.isArray(figsize) || figsize.length !== 2 || figsize.some((v) => typeof v !== 'number' || !Number.isFinite(v) || v <= 0)) {
    throw new AttnpoolError('E_OPTION', `${fn}: figsize must be [width, height] in inches, two positive finite numbers, got ${describeValue(figsize)}`);
  }
  const width = Math.round(figsize[0] * d);
  const height = Math.round(figsize[1] * d);
  if (width < 1 || height < 1 || width * height > 1 << 26) {
    throw new AttnpoolError(
      'E_OPTION',
      `${fn}: figsize × dpi must give between 1 and 2^26 pixels, got ${width} × ${height} (figsize ${JSON.stringify(figsize)}, dpi ${d})`,
    );
  }
  return { width, height, dpi: d };
}
