/** A short description of a value for an error message: its kind, never more than a few characters of it. */
export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name}`;
  if (typeof x === 'string') return `the string ${JSON.stringify(x.length > 20 ? `${x.slice(0, 20)}…` : x)}`;
  if (typeof x === 'number') return String(x);
  if (typeof x === 'object') return `an object with keys ${JSON.stringify(Object.keys(x as object).slice(0, 5))}`;
  return typeof x;
}

/** `describe` for option values: shows short arrays and numbers literally. */
export function describeValue(x: unknown): string {
  if (Array.isArray(x) && x.length <= 4 && x.every((v) => typeof v === 'number' || typeof v === 'string')) return JSON.stringify(x);
  return describe(x);
}
