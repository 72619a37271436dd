import { AttnpoolError } from '../errors.js';
import { checkW, firstNonFinite } from '../backend/validate.js';
import { describe } from '../tensor.js';

/**
 * Argument checks of the fast pooling functions, in the style of backend/validate.ts: every
 * message names the argument. Inputs are copied to float64 (the fast path works in float64
 * whatever the input type, so it agrees with the float64 reference).
 */

export interface FastOptions {
  /** Shared keys, nq == nk: query i skips key i. */
  excludeSelf?: boolean;
  /** Bound on |ŷ − ŷ_exact| relative to half the range of the values; default 1e-9. */
  tolerance?: number;
}

export const DEFAULT_TOLERANCE = 1e-9;

function isNumeric(x: unknown): x is ArrayLike<number> {
  return Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView) && !(x instanceof BigInt64Array) && !(x instanceof BigUint64Array));
}

export function toFloat64(x: unknown, name: string): Float64Array {
  if (!isNumeric(x)) {
    throw new AttnpoolError('E_TYPE', `${name}: expected an array of numbers, got ${describe(x)}`);
  }
  if (x.length === 0) throw new AttnpoolError('E_EMPTY', `${name}: expected at least one element, got an empty array`);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (typeof v !== 'number') throw new AttnpoolError('E_TYPE', `${name}: element ${i} is ${describe(v)}, expected a number`);
    out[i] = v;
  }
  const bad = firstNonFinite(out);
  if (bad >= 0) throw new AttnpoolError('E_NONFINITE', `${name}: expected finite numbers, got ${out[bad]} at index ${bad}`);
  return out;
}

export interface FastArgs {
  q: Float64Array;
  k: Float64Array;
  v: Float64Array;
  w: number;
  excludeSelf: boolean;
  tolerance: number;
}

export function checkFastArgs(q: unknown, k: unknown, v: unknown, w: unknown, options: unknown, method: string): FastArgs {
  const qs = toFloat64(q, 'queries');
  const ks = toFloat64(k, 'keys');
  const vs = toFloat64(v, 'values');
  if (vs.length !== ks.length) {
    throw new AttnpoolError('E_SHAPE', `values: expected the shape of keys [${ks.length}], got [${vs.length}]`);
  }
  const wChecked = checkW(w);
  let excludeSelf = false;
  let tolerance = DEFAULT_TOLERANCE;
  if (options !== undefined) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new AttnpoolError('E_OPTION', `${method}: options must be an object, got ${describe(options)}`);
    }
    for (const [key, value] of Object.entries(options)) {
      if (value === undefined) continue;
      if (key === 'excludeSelf') {
        if (typeof value !== 'boolean') throw new AttnpoolError('E_OPTION', `${method}: option "excludeSelf" must be a boolean, got ${describe(value)}`);
        excludeSelf = value;
      } else if (key === 'tolerance') {
        if (typeof value !== 'number' || !(value > 0 && value < 1)) {
          throw new AttnpoolError('E_OPTION', `${method}: option "tolerance" must be a number in (0, 1), got ${describe(value)}`);
        }
        tolerance = value;
      } else {
        throw new AttnpoolError('E_OPTION', `${method}: unknown option "${key}" (known: excludeSelf, tolerance)`);
      }
    }
  }
  if (excludeSelf) {
    if (qs.length !== ks.length) {
      throw new AttnpoolError('E_OPTION', `${method}: excludeSelf needs as many queries as keys, got nq = ${qs.length} and nk = ${ks.length}`);
    }
    if (ks.length < 2) {
      throw new AttnpoolError('E_SHAPE', `${method}: excludeSelf needs at least 2 keys (each query must keep one), got nk = ${ks.length}`);
    }
  }
  return { q: qs, k: ks, v: vs, w: wChecked, excludeSelf, tolerance };
}

export function checkTargets(t: unknown, nq: number): Float64Array {
  const ts = toFloat64(t, 'targets');
  if (ts.length !== nq) {
    throw new AttnpoolError('E_SHAPE', `targets: expected shape [nq] = [${nq}] (one per query), got [${ts.length}]`);
  }
  return ts;
}
