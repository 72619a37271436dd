import { AttnpoolError } from '../errors.js';
import { describe, describeValue } from './describe.js';

/** What an option may be: a `typeof` kind, or `'any'` (its own check follows). */
export type OptionKind = 'boolean' | 'string' | 'number' | 'function' | 'object' | 'any';

const NO_OPTIONS = Object.freeze({});

/**
 * An options argument, checked: undefined, or an object whose own keys are all in `allowed`
 * and whose defined values have the kind given there (a list of names: any kind, checked by the caller). A misspelt option never passes silently.
 * Runs on every backend call, so it walks own keys without building arrays.
 */
export function checkOptions(options: unknown, allowed: readonly string[], fn: string): Record<string, unknown>;
export function checkOptions<T extends object = Record<string, unknown>>(options: unknown, allowed: { [K in keyof T]-?: OptionKind }, fn: string): Partial<T>;
export function checkOptions(options: unknown, allowed: Record<string, OptionKind> | readonly string[], fn: string): Record<string, unknown> {
  if (options === undefined) return NO_OPTIONS;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new AttnpoolError('E_OPTION', `${fn}: options must be an object, got ${describe(options)}`);
  }
  for (const key in options) {
    if (!Object.hasOwn(options, key)) continue;
    const value = (options as Record<string, unknown>)[key];
    const kind = kindOf(allowed, key);
    if (kind === undefined) {
      throw new AttnpoolError('E_OPTION', `${fn}: unknown option "${key}" (known: ${(Array.isArray(allowed) ? allowed : Object.keys(allowed)).join(', ')})`);
    }
    if (value !== undefined && kind !== 'any' && typeof value !== kind) {
      throw new AttnpoolError('E_OPTION', `${fn}: option "${key}" must be a ${kind}, got ${describe(value)}`);
    }
  }
  return options as Record<string, unknown>;
}

function kindOf(allowed: Record<string, OptionKind> | readonly string[], key: string): OptionKind | undefined {
  if (Array.isArray(allowed)) return allowed.includes(key) ? 'any' : undefined;
  return Object.hasOwn(allowed, key) ? (allowed as Record<string, OptionKind>)[key] : undefined;
}

/** An optional string option; `undefined` stays undefined. */
export function optionalString(value: unknown, name: string, fn: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new AttnpoolError('E_OPTION', `${fn}: ${name} must be a string, got ${describeValue(value)}`);
  }
  return value;
}

/** An optional [lo, hi] pair of finite numbers with lo < hi (an axis range). */
export function optionalLimits(value: unknown, name: string, fn: string): [number, number] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length !== 2 || value.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new AttnpoolError('E_OPTION', `${fn}: ${name} must be [lo, hi], two finite numbers, got ${describeValue(value)}`);
  }
  if (!(value[0] < value[1])) {
    throw new AttnpoolError('E_VALUE', `${fn}: ${name} must have lo < hi, got [${value[0]}, ${value[1]}]`);
  }
  return [value[0], value[1]];
}
