import { AttnpoolError } from '../errors.js';
import { describe } from './describe.js';

/** The bandwidth w: a finite number ≥ 0. */
export function checkW(w: unknown, name = 'w'): number {
  if (typeof w !== 'number') {
    throw new AttnpoolError('E_TYPE', `${name}: expected a finite number >= 0, got ${describe(w)}`);
  }
  if (!Number.isFinite(w)) {
    throw new AttnpoolError('E_NONFINITE', `${name}: expected a finite number >= 0, got ${w}`);
  }
  if (w < 0) {
    throw new AttnpoolError('E_VALUE', `${name}: expected a finite number >= 0, got ${w}`);
  }
  return w;
}

/** A number, checked: finite, and within [min, max]; integer when asked. */
export function numberOption(value: unknown, name: string, rule: { min?: number; max?: number; integer?: boolean }): number {
  const what = `${rule.integer ? 'an integer' : 'a finite number'}${rule.min !== undefined ? ` >= ${rule.min}` : ''}${rule.max !== undefined ? ` <= ${rule.max}` : ''}`;
  if (typeof value !== 'number') throw new AttnpoolError('E_TYPE', `${name}: expected ${what}, got ${describe(value)}`);
  if (!Number.isFinite(value)) throw new AttnpoolError('E_NONFINITE', `${name}: expected ${what}, got ${value}`);
  if ((rule.integer && !Number.isInteger(value)) || (rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max)) {
    throw new AttnpoolError('E_VALUE', `${name}: expected ${what}, got ${value}`);
  }
  return value;
}

/** A string that must be one of `choices`. */
export function choiceOption<T extends string>(value: unknown, name: string, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new AttnpoolError('E_OPTION', `${name}: expected one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

/** The largest seed: the generators are seeded with a 32-bit integer, and a larger one would wrap (2^32 would give seed 0's data). */
export const MAX_SEED = 2 ** 32 - 1;

/** A seed, checked: an integer in [0, 2^32 − 1]. */
export function checkSeed(value: unknown, name = 'seed'): number {
  return numberOption(value, name, { integer: true, min: 0, max: MAX_SEED });
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A number written in decimal (digits, an optional fraction and exponent: 16, -2.5, 1e9), or
 * NaN for anything else. Unlike Number(), it refuses hexadecimal, octal and binary (0x10, 0o20,
 * 0b10), "Infinity", and an empty or blank string.
 */
export function decimalNumber(text: string): number {
  const t = text.trim();
  return DECIMAL.test(t) ? Number(t) : Number.NaN;
}
