import {
  interpolateInferno,
  interpolateMagma,
  interpolatePlasma,
  interpolateViridis,
  schemeBlues,
  schemeGreens,
  schemeGreys,
  schemeOranges,
  schemePurples,
  schemeReds,
} from 'd3-scale-chromatic';
import { AttnpoolError } from '../errors.js';
import { hexToRgb } from './color.js';

/**
 * A colormap as matplotlib builds it: a lookup table of 256 colours, and a value t in [0, 1]
 * picks entry floor(t · 256) (t = 1 picks the last). `lut` holds r, g, b bytes per entry.
 */
export interface Colormap {
  /** the colormap's name, e.g. 'Reds' */
  name: string;
  /** 256 RGB entries, 768 bytes, from the low end to the high end */
  lut: Uint8Array;
  /** The [r, g, b] bytes for t; t outside [0, 1] is clipped, as matplotlib does. */
  (t: number): [number, number, number];
}

const N = 256;

/**
 * matplotlib's ColorBrewer maps ('Reds', ...) are linear interpolations over the 9 colours of
 * the 9-class scheme; its perceptual maps ('viridis', ...) are 256-colour tables, which d3's
 * interpolators sample entry by entry.
 */
const SOURCES: Record<string, () => Uint8Array> = {
  Reds: () => brewer(schemeReds[9]),
  Blues: () => brewer(schemeBlues[9]),
  Greens: () => brewer(schemeGreens[9]),
  Greys: () => brewer(schemeGreys[9]),
  Oranges: () => brewer(schemeOranges[9]),
  Purples: () => brewer(schemePurples[9]),
  viridis: () => sampled(interpolateViridis),
  magma: () => sampled(interpolateMagma),
  inferno: () => sampled(interpolateInferno),
  plasma: () => sampled(interpolatePlasma),
};

/** The colormap names `showHeatmaps` accepts as `cmap`. */
export const COLORMAP_NAMES: readonly string[] = Object.keys(SOURCES);

const cache = new Map<string, Colormap>();

/**
 * A colormap by name as a 256-entry lookup table; an AttnpoolError (E_OPTION) names the known
 * ones when `name` is not one of {@link COLORMAP_NAMES}. `method` names the caller in that error.
 *
 * @example colormap('Reds').lut.subarray(255 * 3) // the darkest red, [103, 0, 13]
 */
export function colormap(name: unknown, method = 'colormap'): Colormap {
  if (typeof name !== 'string' || !(name in SOURCES)) {
    throw new AttnpoolError(
      'E_OPTION',
      `${method}: cmap must be one of ${COLORMAP_NAMES.map((n) => `'${n}'`).join(', ')}, got ${typeof name === 'string' ? JSON.stringify(name) : typeof name}`,
    );
  }
  let map = cache.get(name);
  if (!map) {
    const lut = SOURCES[name]();
    const f = ((t: number) => {
      const i = Math.min(N - 1, Math.max(0, Math.floor((Number.isNaN(t) ? 0 : t) * N)));
      return [lut[3 * i], lut[3 * i + 1], lut[3 * i + 2]];
    }) as Colormap;
    Object.defineProperty(f, 'name', { value: name });
    f.lut = lut;
    map = f;
    cache.set(name, map);
  }
  return map;
}

/** Entry i at x = i / 255, linearly between the evenly spaced scheme colours (LinearSegmentedColormap.from_list). */
function brewer(colors: readonly string[]): Uint8Array {
  const rgb = colors.map(hexToRgb);
  const lut = new Uint8Array(3 * N);
  for (let i = 0; i < N; i++) {
    const x = (i / (N - 1)) * (rgb.length - 1);
    const k = Math.min(rgb.length - 2, Math.floor(x));
    const f = x - k;
    for (let c = 0; c < 3; c++) lut[3 * i + c] = Math.round(rgb[k][c] + (rgb[k + 1][c] - rgb[k][c]) * f);
  }
  return lut;
}

/** Entry i from a d3 interpolator that indexes a 256-entry table: sample the middle of entry i. */
function sampled(interpolate: (t: number) => string): Uint8Array {
  const lut = new Uint8Array(3 * N);
  for (let i = 0; i < N; i++) lut.set(hexToRgb(interpolate((i + 0.5) / N)), 3 * i);
  return lut;
}
