import { AttnpoolError } from '../errors.js';
import { formatShape, type RealArray } from '../tensor.js';
import { requireFinite, requireNonEmpty } from './finite.js';
import type { KernelName } from './kernel.js';
import { checkW } from './numbers.js';
import { toTensor } from './tensor.js';

/** Queries and keys of a scoring or pooling call, checked. */
export interface PairCall<A extends RealArray = Float32Array> {
  /** queries [nq] */
  q: A;
  /** keys [nk] (shared) or [nq, nk] (one row per query) */
  k: A;
  nq: number;
  nk: number;
  /** keys (and values) have one row per query, [nq, nk], instead of one shared row [nk]. */
  perQuery: boolean;
}

/**
 * A pooling call, checked: what every kernel (JS, WASM, threads, the fast transform) takes.
 * Float32 from the public API; float64 on the exact paths (bandwidth selection).
 */
export interface PoolCall<A extends RealArray = Float32Array> extends PairCall<A> {
  /** values, the shape of keys */
  v: A;
  /** the bandwidth, finite and ≥ 0 */
  w: number;
  /** shared keys, nq == nk: query i skips key i (leave-one-out). */
  excludeSelf: boolean;
  kernel: KernelName;
}

/** queries [nq] and keys [nk] or [nq, nk], checked: shapes, emptiness, finiteness. */
export function checkPairs(queries: unknown, keys: unknown): PairCall {
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
  requireFinite(q.data, 'queries');
  requireFinite(k.data, 'keys');
  const perQuery = k.shape.length === 2;
  return { q: q.data, k: k.data, nq, nk: k.shape[k.shape.length - 1], perQuery };
}

/** Everything a pooling call takes, checked; `fn` names the method in option errors. */
export function checkPool(
  queries: unknown,
  keys: unknown,
  values: unknown,
  w: unknown,
  excludeSelf: boolean | undefined,
  kernel: KernelName,
  fn: string,
): PoolCall {
  const pairs = checkPairs(queries, keys);
  const v = toTensor(values, 'values');
  const kShape = pairs.perQuery ? [pairs.nq, pairs.nk] : [pairs.nk];
  const sameShape = pairs.perQuery
    ? v.shape.length === 2 && v.shape[0] === pairs.nq && v.shape[1] === pairs.nk
    : v.shape.length === 1 && v.shape[0] === pairs.nk;
  if (!sameShape) {
    throw new AttnpoolError('E_SHAPE', `values: expected the shape of keys ${formatShape(kShape)}, got ${formatShape(v.shape)}`);
  }
  requireFinite(v.data, 'values');
  const wChecked = checkW(w);
  if (excludeSelf) {
    if (pairs.perQuery) {
      throw new AttnpoolError('E_OPTION', `${fn}: excludeSelf needs shared keys [nk], got per-query keys ${formatShape(kShape)}`);
    }
    if (pairs.nq !== pairs.nk) {
      throw new AttnpoolError('E_OPTION', `${fn}: excludeSelf needs as many queries as keys, got nq = ${pairs.nq} and nk = ${pairs.nk}`);
    }
    if (pairs.nk < 2) {
      throw new AttnpoolError('E_SHAPE', `${fn}: excludeSelf needs at least 2 keys (each query must keep one), got nk = ${pairs.nk}`);
    }
  }
  return { q: pairs.q, k: pairs.k, nq: pairs.nq, nk: pairs.nk, perQuery: pairs.perQuery, v: v.data, w: wChecked, excludeSelf: !!excludeSelf, kernel };
}

/** targets [nq], checked. */
export function checkTargets(targets: unknown, nq: number): Float32Array {
  const t = toTensor(targets, 'targets');
  if (t.shape.length !== 1 || t.shape[0] !== nq) {
    throw new AttnpoolError('E_SHAPE', `targets: expected shape [nq] = [${nq}] (one per query), got ${formatShape(t.shape)}`);
  }
  requireFinite(t.data, 'targets');
  return t.data;
}
