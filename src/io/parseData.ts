import { parse } from 'csv-parse/sync';
import { decimalNumber } from '../args/numbers.js';
import { AttnpoolError } from '../errors.js';
import type { Tensor } from '../tensor.js';

/** A 1-D regression data set: inputs x and targets y, [n] each. */
export interface XYData {
  /** inputs, [n] */
  x: Tensor;
  /** targets, [n] */
  y: Tensor;
}

/** The longest line a CSV file may have, in characters (E_PARSE beyond it). */
export const MAX_LINE_CHARS = 1 << 20;

/** How many characters of the input an error message quotes at most. */
const MAX_ECHO = 200;

/** Input text as an error message quotes it: JSON-quoted, at most ~200 characters. */
export function echo(text: string): string {
  return text.length > MAX_ECHO ? `${JSON.stringify(text.slice(0, MAX_ECHO))}… (${text.length} characters)` : JSON.stringify(text);
}

function parseError(source: string, where: string, message: string): AttnpoolError {
  return new AttnpoolError('E_PARSE', `${source}${where}: ${message.length > 2 * MAX_ECHO ? `${message.slice(0, 2 * MAX_ECHO)}…` : message}`);
}

/** float32's largest finite value; data are stored as float32, so a value beyond it would become ±Infinity. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** A number as data files may hold it: decimal (no 0x10, no Infinity), finite, and within float32's range. */
function dataNumber(text: string, source: string, where: string, field: string): number {
  const v = decimalNumber(text);
  if (!Number.isFinite(v)) {
    const hint = text.trim() !== '' && Number.isFinite(Number(text)) ? ' (decimal notation only)' : '';
    throw parseError(source, where, `${field} must be a finite number, got ${echo(text)}${hint}`);
  }
  if (Math.abs(v) > FLOAT32_MAX) {
    throw parseError(source, where, `${field} = ${echo(text.trim())} is outside float32's range (±3.4028235e38), in which attnpool stores data`);
  }
  return v;
}

/** csv-parse's options, shared by parseCsv and readData's streaming reader. */
export function csvOptions(source: string) {
  return {
    // csv-parse has unquoted and trimmed the header's fields by the time it passes them here.
    columns: (header: string[]) => checkHeader(header, source),
    info: true,
    trim: true,
    skip_empty_lines: true,
    bom: true,
    max_record_size: MAX_LINE_CHARS,
  } as const;
}

function checkHeader(header: string[], source: string): string[] {
  const names = header.map((c) => c.trim().toLowerCase());
  if (!names.includes('x') || !names.includes('y')) {
    throw parseError(source, ', line 1', `expected a header with columns "x" and "y", got ${echo(header.join(','))}`);
  }
  return names;
}

/**
 * The header, checked from the start of the file alone (before the rest is read or parsed):
 * its first line must end within MAX_LINE_CHARS characters and name the columns x and y.
 * `start` is the file's beginning; `whole` says whether it is the whole file.
 */
export function checkCsvStart(start: string, source: string, whole: boolean): void {
  const text = start.charCodeAt(0) === 0xfeff ? start.slice(1) : start;
  let end = text.indexOf('\n');
  if (end < 0) end = whole ? text.length : Number.POSITIVE_INFINITY;
  if (end > MAX_LINE_CHARS) {
    throw parseError(source, ', line 1', `the line is longer than ${MAX_LINE_CHARS} characters (the limit of a line), starting ${echo(text.slice(0, 40))}`);
  }
  const line = text.slice(0, end).trim();
  if (line === '') return; // blank first lines: csv-parse skips them and checks the header it finds
  let fields: string[];
  try {
    fields = (parse(line, { trim: true, relax_quotes: true, relax_column_count: true }) as string[][])[0] ?? [];
  } catch {
    return; // an unusual header (a quoted newline): the full parse checks it and names the error
  }
  checkHeader(fields, source);
}

/** csv-parse's error as E_PARSE naming the line, its message clipped. */
export function csvError(err: unknown, source: string): AttnpoolError {
  if (err instanceof AttnpoolError) return err;
  const e = err as { lines?: number; message: string; code?: string };
  const message = e.code === 'CSV_MAX_RECORD_SIZE' ? `the line is longer than ${MAX_LINE_CHARS} characters (the limit of a line)` : e.message;
  return parseError(source, e.lines ? `, line ${e.lines}` : '', message);
}

/** One CSV record's x and y, checked, naming the line. */
export function csvRow(record: Record<string, string>, line: number, source: string): [number, number] {
  return [dataNumber(record.x, source, `, line ${line}`, 'x'), dataNumber(record.y, source, `, line ${line}`, 'y')];
}

/**
 * CSV with a header naming the columns `x` and `y` (in either order, any case, quoted or not;
 * other columns are ignored). A UTF-8 byte-order mark and CRLF line ends are read as R's
 * `write.csv` and spreadsheets write them. Numbers are decimal and within float32's range; a
 * line is at most MAX_LINE_CHARS characters.
 */
export function parseCsv(text: string, source = 'data'): XYData {
  checkCsvStart(text.slice(0, MAX_LINE_CHARS + 2), source, text.length <= MAX_LINE_CHARS + 2);
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, csvOptions(source));
  } catch (err) {
    throw csvError(err, source);
  }
  const x = new Float32Array(records.length);
  const y = new Float32Array(records.length);
  records.forEach(({ record, info }, i) => {
    [x[i], y[i]] = csvRow(record, info.lines, source);
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
        throw parseError(
          source,
          `, field "${name}"[${i}]`,
          `expected a finite number, got ${typeof v === 'string' ? echo(v) : String(JSON.stringify(v)).slice(0, 200)}`,
        );
      if (Math.abs(v) > FLOAT32_MAX)
        throw parseError(source, `, field "${name}"[${i}]`, `${v} is outside float32's range (±3.4028235e38), in which attnpool stores data`);
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
  return checkMinPoints(/\.json$/i.test(source) ? parseJson(text, source) : parseCsv(text, source), source, minPoints);
}

/** The data, with at least `minPoints` points (else E_EMPTY naming the source). */
export function checkMinPoints(data: XYData, source: string, minPoints: number): XYData {
  const n = data.x.data.length;
  if (n < minPoints) {
    throw new AttnpoolError('E_EMPTY', `${source}: expected at least ${minPoints} data point${minPoints === 1 ? '' : 's'}, got ${n}`);
  }
  return data;
}
