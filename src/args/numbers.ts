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
