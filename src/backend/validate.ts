import { AttnpoolError } from '../errors.js';
import { describe, formatShape, toTensor, type Tensor } from '../tensor.js';

/**
 * Argument checks shared by every backend, run before any work starts so that a bad call
 * changes nothing (no WASM memory touched, no model state half-updated).
 */

export function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // v - v is NaN exactly when v is NaN or ±Infinity, and is cheaper than Number.isFinite.
    if (v - v !== 0) return i;
  }
  return -1;
}

export function requireFinite(t: Tensor, name: string): void {
  const i = firstNonFinite(t.data);
  if (i >= 0) {
    throw new AttnpoolError('E_NONFINITE', `${name}: expected finite numbers, got ${t.data[i]} at index ${i}`);
  }
}

export function requireNonEmpty(t: Tensor, name: string): void {
  if (t.data.length === 0) {
    throw new AttnpoolError('E_EMPTY', `${name}: expected at least one element, got shape ${formatShape(t.shape)}`);
  }
}

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

const NO_OPTIONS = Object.freeze({});

export function checkOptions<T extends object>(options: unknown, allowed: Record<keyof T, 'boolean' | 'string'>, method: string): Partial<T> {
  if (options === undefined) return NO_OPTIONS;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new AttnpoolError('E_OPTION', `${method}: options must be an object, got ${describe(options)}`);
  }
  for (const key in options) {
    if (!Object.prototype.hasOwnProperty.call(options, key)) continue;
    const value = (options as Record<string, unknown>)[key];
    const kind = Object.prototype.hasOwnProperty.call(allowed, key) ? (allowed as Record<string, string>)[key] : undefined;
    if (kind === undefined) {
      throw new AttnpoolError('E_OPTION', `${method}: unknown option "${key}" (known: ${Object.keys(allowed).join(', ')})`);
    }
    if (value !== undefined && typeof value !== kind) {
      throw new AttnpoolError('E_OPTION', `${method}: option "${key}" must be a ${kind}, got ${describe(value)}`);
    }
  }
  return options as Partial<T>;
}

/** Queries and keys of a scoring or pooling call, normalised. */
export interface PairArgs {
  q: Float32Array;
  k: Float32Array;
  nq: number;
  nk: number;
  /** keys (and values) have one row per query, [nq, nk], instead of one shared row [nk]. */
  perQuery: boolean;
}

export function checkPairs(queries: unknown, keys: unknown): PairArgs {
  const q = toTensor(queries, 'queries');
  const k = toTensor(keys, 'keys');
  if (q.shape.length !== 1) {
    throw new AttnpoolError('E_SHAPE', `queries: expected shape [nq], got ${formatShape(q.shape)}`);
  }
  const nq = q.shape[0];
  if (k.shape.length !== 1 && k.shape.length !== 2) {
    throw new AttnpoolError('E_SHAPE', `keys: expected shape [nk] or [nq, nk] = [${nq}, nk], got ${formatShape(k.shape)}`);
  }
  if (k.shape.length === 2 && k.shape[0] !== nq) {
    throw new AttnpoolError('E_SHAPE', `keys: expected [nq, nk] with nq = ${nq} (the number of queries), got ${formatShape(k.shape)}`);
  }
  requireNonEmpty(q, 'queries');
  requireNonEmpty(k, 'keys');
  requireFinite(q, 'queries');
  requireFinite(k, 'keys');
  const perQuery = k.shape.length === 2;
  return { q: q.data, k: k.data, nq, nk: k.shape[k.shape.length - 1], perQuery };
}

/** Everything a fused pooling kernel needs, checked. */
export interface PoolArgs extends PairArgs {
  v: Float32Array;
  w: number;
  excludeSelf: boolean;
}

export function checkPool(queries: unknown, keys: unknown, values: unknown, w: unknown, excludeSelf: boolean | undefined, method: string): PoolArgs {
  const pairs = checkPairs(queries, keys);
  const v = toTensor(values, 'values');
  const kShape = pairs.perQuery ? [pairs.nq, pairs.nk] : [pairs.nk];
  const sameShape = pairs.perQuery ? v.shape.length === 2 && v.shape[0] === pairs.nq && v.shape[1] === pairs.nk : v.shape.length === 1 && v.shape[0] === pairs.nk;
  if (!sameShape) {
    throw new AttnpoolError('E_SHAPE', `values: expected the shape of keys ${formatShape(kShape)}, got ${formatShape(v.shape)}`);
  }
  requireFinite(v, 'values');
  const wChecked = checkW(w);
  if (excludeSelf) {
    if (pairs.perQuery) {
      throw new AttnpoolError('E_OPTION', `${method}: excludeSelf needs shared keys [nk], got per-query keys ${formatShape(kShape)}`);
    }
    if (pairs.nq !== pairs.nk) {
      throw new AttnpoolError('E_OPTION', `${method}: excludeSelf needs as many queries as keys, got nq = ${pairs.nq} and nk = ${pairs.nk}`);
    }
    if (pairs.nk < 2) {
      throw new AttnpoolError('E_SHAPE', `${method}: excludeSelf needs at least 2 keys (each query must keep one), got nk = ${pairs.nk}`);
    }
  }
  return { q: pairs.q, k: pairs.k, nq: pairs.nq, nk: pairs.nk, perQuery: pairs.perQuery, v: v.data, w: wChecked, excludeSelf: !!excludeSelf };
}

export function checkTargets(targets: unknown, nq: number): Float32Array {
  const t = toTensor(targets, 'targets');
  if (t.shape.length !== 1 || t.shape[0] !== nq) {
    throw new AttnpoolError('E_SHAPE', `targets: expected shape [nq] = [${nq}] (one per query), got ${formatShape(t.shape)}`);
  }
  requireFinite(t, 'targets');
  return t.data;
}

/** The two operands of bmm, with their dimensions. */
export interface BmmArgs {
  a: Float32Array;
  b: Float32Array;
  batch: number;
  n: number;
  m: number;
  p: number;
}

export function checkBmm(a: unknown, b: unknown): BmmArgs {
  const ta = toTensor(a, 'a');
  const tb = toTensor(b, 'b');
  if (ta.shape.length !== 3) throw new AttnpoolError('E_SHAPE', `a: expected shape [batch, n, m], got ${formatShape(ta.shape)}`);
  if (tb.shape.length !== 3) throw new AttnpoolError('E_SHAPE', `b: expected shape [batch, m, p], got ${formatShape(tb.shape)}`);
  const [batch, n, m] = ta.shape;
  if (tb.shape[0] !== batch || tb.shape[1] !== m) {
    throw new AttnpoolError('E_SHAPE', `b: expected shape [${batch}, ${m}, p] to match a ${formatShape(ta.shape)}, got ${formatShape(tb.shape)}`);
  }
  requireNonEmpty(ta, 'a');
  requireNonEmpty(tb, 'b');
  return { a: ta.data, b: tb.data, batch, n, m, p: tb.shape[2] };
}

/** The operand of softmax as rows × cols (cols = the last axis). */
export interface SoftmaxArgs {
  x: Tensor;
  rows: number;
  cols: number;
}

export function checkSoftmax(x: unknown): SoftmaxArgs {
  const t = toTensor(x, 'x');
  if (t.shape.length === 0) throw new AttnpoolError('E_SHAPE', `x: expected at least one axis, got shape []`);
  requireNonEmpty(t, 'x');
  const cols = t.shape[t.shape.length - 1];
  return { x: t, rows: t.data.length / cols, cols };
}

/** Softmax input rule: −Infinity masks an entry; NaN, +Infinity or a fully masked row is an error. */
export function badSoftmaxRow(row: number, cols: number, x: Float32Array): AttnpoolError {
  for (let j = 0; j < cols; j++) {
    const v = x[row * cols + j];
    if (Number.isNaN(v) || v === Infinity) {
      return new AttnpoolError('E_NONFINITE', `x: expected finite numbers or -Infinity, got ${v} at row ${row}, column ${j}`);
    }
  }
  return new AttnpoolError('E_VALUE', `x: row ${row} is entirely -Infinity, so its softmax is undefined`);
}
