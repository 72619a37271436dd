import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { parse } from 'csv-parse';
import { AttnpoolError } from '../errors.js';
import { checkCsvStart, checkMinPoints, csvError, csvOptions, csvRow, MAX_LINE_CHARS, parseData, type XYData } from './parseData.js';

const cannotRead = (path: string, err: unknown) =>
  new AttnpoolError('E_PARSE', `${path}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);

/**
 * Read a CSV (`x,y` header) or JSON (`{ "x": [...], "y": [...] }`) data file. A CSV file's header
 * is checked from its first bytes before the rest is read (a file of one endless line fails at
 * once), then the rows are parsed as they stream in, in memory proportional to the points, not
 * to the text.
 */
export async function readData(path: string, minPoints = 1): Promise<XYData> {
  if (/\.json$/i.test(path)) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw cannotRead(path, err);
    }
    return parseData(text, path, minPoints);
  }
  await checkStart(path);
  const data = await streamCsv(path);
  return checkMinPoints(data, path, minPoints);
}

/** The first line of the file (at most MAX_LINE_CHARS characters, read as at most 4 bytes each), checked as a header. */
async function checkStart(path: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw cannotRead(path, err);
  }
  try {
    const limit = 4 * (MAX_LINE_CHARS + 2);
    const buf = Buffer.alloc(Math.min(limit, 1 << 16));
    let text = '';
    let bytes = 0;
    // Read in 64 KiB steps until a newline or the limit: a short header costs one read.
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, bytes);
      bytes += bytesRead;
      text += buf.toString('utf8', 0, bytesRead);
      if (bytesRead === 0 || text.includes('\n') || bytes >= limit) {
        checkCsvStart(text, path, bytesRead === 0);
        return;
      }
    }
  } catch (err) {
    if (err instanceof AttnpoolError) throw err;
    throw cannotRead(path, err);
  } finally {
    await handle.close();
  }
}

async function streamCsv(path: string): Promise<XYData> {
  let x = new Float32Array(1024);
  let y = new Float32Array(1024);
  let n = 0;
  const parser = createReadStream(path).pipe(parse(csvOptions(path)));
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      if (n === x.length) {
        const grow = (a: Float32Array) => {
          const b = new Float32Array(2 * a.length);
          b.set(a);
          return b;
        };
        x = grow(x);
        y = grow(y);
      }
      [x[n], y[n]] = csvRow(record, info.lines, path);
      n++;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).syscall) throw cannotRead(path, err);
    throw csvError(err, path);
  }
  return { x: { data: x.slice(0, n), shape: [n] }, y: { data: y.slice(0, n), shape: [n] } };
}
