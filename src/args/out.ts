import { AttnpoolError } from '../errors.js';
import { describe } from './describe.js';

/**
 * The `out` options: a caller's Float32Array that a result is written into instead of a fresh
 * one, so that a caller who calls in a loop allocates nothing of the result's size. The result
 * Tensor's `data` is then that very array. Every rule is checked before any kernel runs, so a
 * refused `out` is left as it was.
 */

/** An input of the call, which an `out` must not share memory with. */
export interface NamedArray {
  name: string;
  data: Float32Array;
}

/** What an `out` is checked against. */
export interface OutRule {
  /** the method, for the message */
  fn: string;
  /** the option's name: `out`, `out.yHat`, … */
  name: string;
  /** the elements the result has */
  length: number;
  /** the result, for the message: "the scores [3, 4]" */
  what: string;
  /** inputs it must not overlap */
  inputs: readonly NamedArray[];
  /** an input it may be exactly (same buffer, offset and length): softmax in place */
  inPlace?: NamedArray;
  /** whether a buffer is memory the backend's kernels write into themselves (WebAssembly memory) */
  ownsBuffer?: (buffer: ArrayBufferLike) => boolean;
}

/** An `out` option, checked: undefined stays null; anything else must be a usable Float32Array of `length` elements of the caller's own. */
export function checkOut(value: unknown, rule: OutRule): Float32Array | null {
  if (value === undefined) return null;
  const { fn, name } = rule;
  if (!(value instanceof Float32Array)) {
    throw new AttnpoolError('E_OPTION', `${fn}: ${name} must be a Float32Array of ${rule.length} elements (${rule.what}), got ${describe(value)}`);
  }
  if (isDetached(value.buffer)) {
    throw new AttnpoolError('E_OPTION', `${fn}: ${name} is a view of a detached ArrayBuffer (it was transferred); pass a Float32Array whose buffer is usable`);
  }
  if (value.length !== rule.length) {
    throw new AttnpoolError(
      'E_SHAPE',
      `${fn}: ${name} must have ${rule.length} elements (${rule.what}), got a Float32Array of ${value.length}${value.length > rule.length ? ` (pass ${name}.subarray(0, ${rule.length}) to use part of it)` : ''}`,
    );
  }
  if (rule.ownsBuffer?.(value.buffer)) {
    throw new AttnpoolError(
      'E_OPTION',
      `${fn}: ${name} is a view of the WASM backend's own memory, which the call overwrites and may grow (detaching the view); pass a Float32Array of your own`,
    );
  }
  if (rule.inPlace && overlaps(value, rule.inPlace.data) && !sameRange(value, rule.inPlace.data)) {
    throw new AttnpoolError(
      'E_OPTION',
      `${fn}: ${name} overlaps ${rule.inPlace.name} without being the same elements; pass ${rule.inPlace.name}'s own data (in place) or an array that does not share memory with it`,
    );
  }
  for (const input of rule.inputs) {
    if (overlaps(value, input.data)) {
      throw new AttnpoolError('E_OPTION', `${fn}: ${name} shares memory with ${input.name}; pass a Float32Array that overlaps no input`);
    }
  }
  return value;
}

/** Whether two arrays share bytes of one buffer. */
export function overlaps(a: Float32Array, b: Float32Array): boolean {
  if (a.buffer !== b.buffer || a.byteLength === 0 || b.byteLength === 0) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

function sameRange(a: Float32Array, b: Float32Array): boolean {
  return a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.length === b.length;
}

/**
 * Whether an ArrayBuffer was detached (transferred). `detached` where the engine has it (Node ≥
 * 22); elsewhere a detached buffer has byteLength 0 and refuses slice.
 */
function isDetached(buffer: ArrayBufferLike): boolean {
  const flag = (buffer as { detached?: unknown }).detached;
  if (typeof flag === 'boolean') return flag;
  if (buffer.byteLength !== 0 || !(buffer instanceof ArrayBuffer)) return false;
  try {
    buffer.slice(0, 0);
    return false;
  } catch {
    return true;
  }
}

/** The `out` of a call with several results ({ yHat, weights }), checked: an object whose keys are all in `keys`. */
export function checkOutObject(value: unknown, keys: readonly string[], fn: string): Record<string, unknown> {
  if (value === undefined) return {};
  const shape = `{ ${keys.join(', ')} } of Float32Arrays`;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw new AttnpoolError(
      'E_OPTION',
      `${fn}: out must be an object ${shape}, got ${describe(value)}${value instanceof Float32Array ? ` (pass { ${keys[0]}: … })` : ''}`,
    );
  }
  for (const key in value) {
    if (Object.hasOwn(value, key) && !keys.includes(key)) {
      throw new AttnpoolError('E_OPTION', `${fn}: out has an unknown key "${key}" (known: ${keys.join(', ')})`);
    }
  }
  return value as Record<string, unknown>;
}
