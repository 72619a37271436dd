import { schemeCategory10 } from 'd3-scale-chromatic';
import { AttnpoolError } from '../errors.js';

/**
 * matplotlib's one-letter colours (its BASE_COLORS: fractions of 255, written as matplotlib's
 * `to_hex` rounds them), e.g. 'm' = (0.75, 0, 0.75) = #bf00bf.
 */
const BASE_COLORS: Record<string, string> = {
  b: '#0000ff',
  g: '#008000',
  r: '#ff0000',
  c: '#00bfbf',
  m: '#bf00bf',
  y: '#bfbf00',
  k: '#000000',
  w: '#ffffff',
};

export const BASE_COLOR_LETTERS = Object.keys(BASE_COLORS).join('');

/**
 * matplotlib's default colour cycle 'C0'…'C9' (tab10), which is d3's `schemeCategory10`:
 * C0 = #1f77b4 blue, C1 = #ff7f0e orange, C2 = #2ca02c green, ...
 */
export function cycleColor(i: number): string {
  return schemeCategory10[((i % 10) + 10) % 10];
}

/**
 * A colour as the plot functions accept it: a one-letter matplotlib colour ('m'), a cycle
 * colour ('C1'), or '#rrggbb' / '#rgb'. Returns '#rrggbb'.
 */
export function parseColor(value: unknown, name: string, method: string): string {
  if (typeof value === 'string') {
    if (value in BASE_COLORS) return BASE_COLORS[value];
    const cycle = /^C(\d)$/.exec(value);
    if (cycle) return cycleColor(Number(cycle[1]));
    if (/^#[0-9a-fA-F]{6}$/.test(value)) return value.toLowerCase();
    if (/^#[0-9a-fA-F]{3}$/.test(value)) return `#${[...value.slice(1)].map((c) => c + c).join('')}`.toLowerCase();
  }
  throw new AttnpoolError(
    'E_OPTION',
    `${method}: ${name} must be a matplotlib colour letter (${BASE_COLOR_LETTERS}), 'C0'…'C9' or '#rrggbb', got ${typeof value === 'string' ? JSON.stringify(value) : typeof value}`,
  );
}

/** '#rrggbb' → [r, g, b] in 0…255. */
export function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
