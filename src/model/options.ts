import { AttnpoolError } from '../errors.js';
import { describe } from '../tensor.js';

/** Reject options a function does not know, so a misspelt option never passes silently. */
export function knownOptions(options: unknown, known: readonly string[], fn: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new AttnpoolError('E_OPTION', `${fn}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new AttnpoolError('E_OPTION', `${fn}: unknown option "${key}" (known: ${known.join(', ')})`);
    }
  }
  return options as Record<string, unknown>;
}

/** A number option, checked: finite, and within [min, max]; integer when asked. */
export function numberOption(value: unknown, name: string, rule: { min?: number; max?: number; integer?: boolean }): number {
  const what = `${rule.integer ? 'an integer' : 'a finite number'}${rule.min !== undefined ? ` >= ${rule.min}` : ''}${rule.max !== undefined ? ` <= ${rule.max}` : ''}`;
  if (typeof value !== 'number') throw new AttnpoolError('E_TYPE', `${name}: expected ${what}, got ${describe(value)}`);
  if (!Number.isFinite(value)) throw new AttnpoolError('E_NONFINITE', `${name}: expected ${what}, got ${value}`);
  if ((rule.integer && !Number.isInteger(value)) || (rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max)) {
    throw new AttnpoolError('E_VALUE', `${name}: expected ${what}, got ${value}`);
  }
  return value;
}

/** A string option that must be one of `choices`. */
export function choiceOption<T extends string>(value: unknown, name: string, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new AttnpoolError('E_OPTION', `${name}: expected one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}
