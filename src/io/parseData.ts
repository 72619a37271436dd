import { parse } from 'csv-parse/sync';
import { AttnpoolError } from '../errors.js';
import type { Tensor } from '../tensor.js';

/** A 1-D regression data set: inputs x and targets y, [n] each. */
export interface XYData {
  /** inputs, [n] */
  x: Tensor;
  /** targets, [n] */
  y: Tensor;
}

function parseError(source: string, where: string, message: string): AttnpoolError {
  return new AttnpoolError('E_PARSE', `${source}${where}: ${message}`);
}

function finiteNumber(text: string, source: string, where: string, field: string): number {
  const trimmed = text.trim();
  const v = trimmed === '' ? NaN : Number(trimmed);
  if (!Number.isFinite(v)) throw parseError(source, where, `${field} must be a finite number, got ${JSON.stringify(text)}`);
  return v;
}

/**
 * CSV with a header naming the columns `x` and `y` (in either order, any case, quoted or not;
 * other columns are ignored). A UTF-8 byte-order mark and CRLF line ends are read as R's
 * `write.csv` and spreadsheets write them.
 */
export function parseCsv(text: string, source = 'data'): XYData {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, {
      // csv-parse has unquoted and trimmed the header's fields by the time it passes them here.
      columns: (header: string[]) => {
        const names = header.map((c) => c.trim().toLowerCase());
        if (!names.includes('x') || !names.includes('y')) {
          throw parseError(source, ', line 1', `expected a header with columns "x" and "y", got ${JSON.stringify(header.join(','))}`);
        }
        return names;
      },
      info: true,
      trim: true,
      skip_empty_lines: true,
      bom: true,
    });
  } catch (err) {
    if (err instanceof AttnpoolError) throw err;
    const e = err as { lines?: number; message: string };
    throw parseError(source, e.lines ? `, line ${e.lines}` : '', e.message);
  }
  const x = new Float32Array(records.length);
  const y = new Float32Array(records.length);
  records.forEach(({ record, info }, i) => {
    x[i] = finiteNumber(record.x, source, `, line ${info.lines}`, 'x');
    y[i] = finiteNumber(record.y, source, `, line ${info.lines}`, 'y');
  });
  return { x: { data: x, shape: [x.length] }, y: { data: y, shape: [y.length] } };
}

/** JSON of the form { "x": [numbers], "y": [numbers] } with arrays of equal length. */
export function parseJson(text: string, source = 'data'): XYData {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw parseError(source, '', `not valid JSON: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw parseError(source, '', 'expected an object { "x": [...], "y": [...] }');
  }
  const fields = doc as Record<string, unknown>;
  const column = (name: 'x' | 'y'): Float32Array => {
    const a = fields[name];
    if (!Array.isArray(a)) throw parseError(source, `, field "${name}"`, `expected an array of numbers, got ${a === undefined ? 'nothing' : typeof a}`);
    return Float32Array.from(a, (v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw parseError(source, `, field "${name}"[${i}]`, `expected a finite number, got ${JSON.stringify(v)}`);
      return v;
    });
  };
  const x = column('x');
  const y = column('y');
  if (x.length !== y.length) throw parseError(source, '', `"x" has ${x.length} numbers but "y" has ${y.length}`);
  return { x: { data: x, shape: [x.length] }, y: { data: y, shape: [y.length] } };
}

/** Parse by file name: `.json` as JSON, anything else as CSV. At least `minPoints` rows are required. */
export function parseData(text: string, source: string, minPoints = 1): XYData {
  const data = /\.json$/i.test(source) ? parseJson(text, source) : parseCsv(text, source);
  const n = data.x.data.length;
  if (n < minPoints) {
    throw new AttnpoolError('E_EMPTY', `${source}: expected at least ${minPoints} data point${minPoints === 1 ? '' : 's'}, got ${n}`);
  }
  return data;
}
