import { AttnpoolError } from '../errors.js';
import { formatShape, type RealArray, type Tensor } from '../tensor.js';
import { describe } from './describe.js';
import { requireFinite, requireNonEmpty } from './finite.js';
import type { KernelName } from './kernel.js';
import { checkW } from './numbers.js';
import { toTensor } from './tensor.js';

/**
 * Queries and keys of a scoring or pooling call, checked. The rank of the queries decides the
 * layout: [nq] is one feature (keys [nk] shared, [nq, nk] per query), [nq, d] is d features
 * (keys [nk, d] shared, [nq, nk, d] per query). Arrays stay row-major as given.
 */
export interface PairCall<A extends RealArray = Float32Array> {
  /** queries [nq, d] */
  q: A;
  /** keys [nk, d] (shared) or [nq, nk, d] (one set per query) */
  k: A;
  nq: number;
  nk: number;
  /** features of queries and keys (1 for queries [nq]) */
  d: number;
  /** keys (and values) have one set per query instead of one shared set. */
  perQuery: boolean;
}

/**
 * A pooling call, checked: what every kernel (JS, WASM, threads, the fast transform) takes.
 * Float32 from the public API; float64 on the exact paths (bandwidth selection).
 */
export interface PoolCall<A extends RealArray = Float32Array> extends PairCall<A> {
  /** values [nk, dv] (shared) or [nq, nk, dv] (per query) */
  v: A;
  /** value columns (1 when the values have no column axis) */
  dv: number;
  /** the values had a column axis, so ŷ is [nq, dv] (else [nq]) */
  valueColumns: boolean;
  /** the bandwidth of each feature, finite and ≥ 0, [d] */
  w: Float64Array;
  /** w was given as an array, one per feature: the loss's gradient is then one number per feature */
  wVector: boolean;
  /** shared keys, nq == nk: query i skips key i (leave-one-out). */
  excludeSelf: boolean;
  kernel: KernelName;
}

/** queries and keys, checked: ranks and shapes against each other, emptiness, finiteness. */
export function checkPairs(queries: unknown, keys: unknown): PairCall {
  const q = toTensor(queries, 'queries');
  const k = toTensor(keys, 'keys');
  const call = q.shape.length === 1 ? oneFeature(q, k) : q.shape.length === 2 ? features(q, k) : null;
  if (!call) throw new AttnpoolError('E_SHAPE', `queries: expected shape [nq], got ${formatShape(q.shape)} (or [nq, d] for d features)`);
  requireNonEmpty(q, 'queries');
  requireNonEmpty(k, 'keys');
  requireFinite(q.data, 'queries');
  // an array already checked is not scanned again (keys that are the queries: leave-one-out)
  if (k.data !== q.data) requireFinite(k.data, 'keys');
  return call;
}

/** queries [nq]: keys [nk] shared or [nq, nk] per query. */
function oneFeature(q: Tensor, k: Tensor): PairCall {
  const nq = q.shape[0];
  if (k.shape.length !== 1 && k.shape.length !== 2) {
    throw new AttnpoolError('E_SHAPE', `keys: expected shape [nk] or [nq, nk] = [${nq}, nk], got ${formatShape(k.shape)}`);
  }
  if (k.shape.length === 2 && k.shape[0] !== nq) {
    throw new AttnpoolError('E_SHAPE', `keys: expected [nq, nk] with nq = ${nq} (the number of queries), got ${formatShape(k.shape)}`);
  }
  if (k.shape.length === 2 && k.shape[1] === 1) {
    // a column vector of keys, as [n, 1], would read as one key per query: ŷ equal to the values, loss 0
    throw new AttnpoolError(
      'E_SHAPE',
      `keys: shape ${formatShape(k.shape)} reads as one key per query (per-query keys with nk = 1, so every ŷ would be its own value); ` +
        `for ${k.shape[0]} shared keys of one feature pass them as [${k.shape[0]}] (flatten the column vector), or the queries as [${nq}, 1]; ` +
        'for leave-one-out pass the shared keys with { excludeSelf: true }',
    );
  }
  return { q: q.data, k: k.data, nq, nk: k.shape[k.shape.length - 1], d: 1, perQuery: k.shape.length === 2 };
}

/** queries [nq, d]: keys [nk, d] shared or [nq, nk, d] per query. */
function features(q: Tensor, k: Tensor): PairCall {
  const [nq, d] = q.shape;
  if (d === 0) throw new AttnpoolError('E_SHAPE', `queries: expected at least one feature, got shape ${formatShape(q.shape)} (d = 0)`);
  const perQuery = k.shape.length === 3;
  if (k.shape.length !== 2 && !perQuery) {
    throw new AttnpoolError(
      'E_SHAPE',
      `keys: expected shape [nk, d] = [nk, ${d}] (shared) or [nq, nk, d] = [${nq}, nk, ${d}] (per query), got ${formatShape(k.shape)}`,
    );
  }
  if (k.shape[k.shape.length - 1] !== d) {
    throw new AttnpoolError('E_SHAPE', `keys: expected ${d} features (the queries' d) in the last axis, got ${formatShape(k.shape)}`);
  }
  if (perQuery && k.shape[0] !== nq) {
    throw new AttnpoolError('E_SHAPE', `keys: expected [nq, nk, d] with nq = ${nq} (the number of queries), got ${formatShape(k.shape)}`);
  }
  return { q: q.data, k: k.data, nq, nk: k.shape[k.shape.length - 2], d, perQuery };
}

/**
 * The bandwidth: one number for every feature, or an array of d numbers (one per feature), each
 * finite and ≥ 0. Returns them per feature, and whether an array was given.
 */
export function checkWs(w: unknown, d: number): { w: Float64Array; wVector: boolean } {
  if (typeof w === 'number') {
    const one = checkW(w);
    const out = new Float64Array(d);
    for (let f = 0; f < d; f++) out[f] = one; // not fill(): a loop is cheaper for the usual d = 1
    return { w: out, wVector: false };
  }
  if (!(Array.isArray(w) || (ArrayBuffer.isView(w) && !(w instanceof DataView)))) {
    throw new AttnpoolError('E_TYPE', `w: expected a finite number >= 0, got ${describe(w)} (or an array of ${d}, one per feature)`);
  }
  const a = w as ArrayLike<unknown>;
  if (a.length !== d) throw new AttnpoolError('E_SHAPE', `w: expected ${d} number${d === 1 ? '' : 's'} (one per feature), got ${a.length}`);
  const out = new Float64Array(d);
  for (let i = 0; i < d; i++) out[i] = checkW(a[i], `w[${i}]`);
  return { w: out, wVector: true };
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
  const { nq, nk, perQuery } = pairs;
  const v = toTensor(values, 'values');
  const lead = perQuery ? [nq, nk] : [nk];
  const valueColumns = v.shape.length === lead.length + 1;
  if (!(v.shape.length === lead.length || valueColumns) || v.shape[0] !== lead[0] || (perQuery && v.shape[1] !== nk)) {
    const keysShape = pairs.d === 1 ? formatShape(lead) : `${formatShape(lead)} (the keys' leading axes)`;
    throw new AttnpoolError(
      'E_SHAPE',
      `values: expected the shape of keys ${keysShape}, got ${formatShape(v.shape)} (or [${[...lead, 'dv'].join(', ')}] for dv value columns)`,
    );
  }
  const dv = valueColumns ? v.shape[v.shape.length - 1] : 1;
  if (dv === 0) throw new AttnpoolError('E_SHAPE', `values: expected at least one value column, got shape ${formatShape(v.shape)}`);
  if (v.data !== pairs.q && v.data !== pairs.k) requireFinite(v.data, 'values');
  const ws = checkWs(w, pairs.d);
  if (excludeSelf) {
    if (perQuery) {
      const shared = pairs.d === 1 ? '[nk]' : '[nk, d]';
      const got = pairs.d === 1 ? [nq, nk] : [nq, nk, pairs.d];
      throw new AttnpoolError('E_OPTION', `${fn}: excludeSelf needs shared keys ${shared}, got per-query keys ${formatShape(got)}`);
    }
    if (nq !== nk) {
      throw new AttnpoolError('E_OPTION', `${fn}: excludeSelf needs as many queries as keys, got nq = ${nq} and nk = ${nk}`);
    }
    if (nk < 2) {
      throw new AttnpoolError('E_SHAPE', `${fn}: excludeSelf needs at least 2 keys (each query must keep one), got nk = ${nk}`);
    }
  }
  // one object literal with every field (no spread): the kernels read these on every call
  return {
    q: pairs.q,
    k: pairs.k,
    nq,
    nk,
    d: pairs.d,
    perQuery,
    v: v.data,
    dv,
    valueColumns,
    w: ws.w,
    wVector: ws.wVector,
    excludeSelf: !!excludeSelf,
    kernel,
  };
}

/** targets, checked: [nq] for values without columns, [nq, dv] for values with dv columns. */
export function checkTargets(targets: unknown, call: Pick<PoolCall, 'nq' | 'dv' | 'valueColumns' | 'q' | 'k' | 'v'>): Float32Array {
  const t = toTensor(targets, 'targets');
  const s = t.shape;
  if (call.valueColumns ? s.length !== 2 || s[0] !== call.nq || s[1] !== call.dv : s.length !== 1 || s[0] !== call.nq) {
    const want = call.valueColumns ? [call.nq, call.dv] : [call.nq];
    const what = call.valueColumns
      ? `[nq, dv] = ${formatShape(want)} (one row per query, one column per value column)`
      : `[nq] = ${formatShape(want)} (one per query)`;
    throw new AttnpoolError('E_SHAPE', `targets: expected shape ${what}, got ${formatShape(t.shape)}`);
  }
  if (t.data !== call.v && t.data !== call.q && t.data !== call.k) requireFinite(t.data, 'targets');
  return t.data;
}
