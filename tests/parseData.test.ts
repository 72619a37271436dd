import { closeSync, ftruncateSync, mkdtempSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AttnpoolError } from '../src/errors.js';
import { MAX_LINE_CHARS, parseCsv, parseData, parseJson } from '../src/io/parseData.js';
import { readData } from '../src/io/readData.js';
import { expectAttnpoolError } from './expectError.js';

describe('parseCsv', () => {
  it('reads x and y by header name, in any order, ignoring other columns and blank lines', () => {
    const d = parseCsv('y, x ,note\n2,1,a\n\n4.5,3,b\n');
    expect(Array.from(d.x.data)).toEqual([1, 3]);
    expect(Array.from(d.y.data)).toEqual([2, 4.5]);
    expect(d.x.shape).toEqual([2]);
  });

  it('reads a quoted header, a UTF-8 byte-order mark and CRLF line ends (R write.csv, spreadsheets) as the plain file', () => {
    const plain = parseCsv('x,y\n1,2\n3,4.5\n');
    const quoted = parseCsv('\uFEFF"","x","y"\r\n"1",1,2\r\n"2",3,4.5\r\n');
    expect(quoted).toEqual(plain);
    expect(parseCsv(`${'\uFEFF"X";"Y"\r\n'.replace(';', ',')}1,2\r\n`)).toEqual(parseCsv('x,y\n1,2\n'));
  });

  it.each([
    ['a header without y', 'x,z\n1,2\n', /line 1: expected a header with columns "x" and "y"/],
    ['a non-numeric field', 'x,y\n1,2\n3,abc\n', /line 3: y must be a finite number, got "abc"/],
    ['an empty field', 'x,y\n1,2\n,2\n', /line 3: x must be a finite number, got ""/],
    ['a short row', 'x,y\n1,2\n3\n', /line 3: .*columns length is 2, got 1/],
    ['an infinite value', 'x,y\n1,Infinity\n', /line 2: y must be a finite number/],
  ])('names the line of %s', (_what, text, message) => {
    expect(() => parseCsv(text, 'f.csv')).toThrow(AttnpoolError);
    expect(() => parseCsv(text, 'f.csv')).toThrow(message);
  });
});

describe('parseJson', () => {
  it('reads { x: [...], y: [...] }', () => {
    const d = parseJson('{"x": [0, 1.5], "y": [2, -3]}');
    expect(Array.from(d.x.data)).toEqual([0, 1.5]);
    expect(Array.from(d.y.data)).toEqual([2, -3]);
  });

  it.each([
    ['invalid JSON', '{"x": [1,', /not valid JSON/],
    ['an array at the top', '[1, 2]', /expected an object/],
    ['a missing field', '{"x": [1]}', /field "y": expected an array of numbers, got nothing/],
    ['a string element', '{"x": [1, "2"], "y": [1, 2]}', /field "x"\[1\]: expected a finite number, got "2"/],
    ['lengths that disagree', '{"x": [1, 2], "y": [1]}', /"x" has 2 numbers but "y" has 1/],
  ])('rejects %s', (_what, text, message) => {
    expect(() => parseJson(text, 'f.json')).toThrow(message);
  });
});

describe('parseData', () => {
  it('chooses the format by extension and enforces a minimum number of points', () => {
    expect(parseData('{"x":[1,2],"y":[3,4]}', 'a.JSON', 2).x.data.length).toBe(2);
    expect(() => parseData('x,y\n1,2\n', 'a.csv', 2)).toThrow(/a.csv: expected at least 2 data points, got 1/);
    expect(() => parseData('x,y\n', 'a.csv')).toThrow(/expected at least 1 data point, got 0/);
  });
});

describe('bounded input (issue 19, item 10)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attnpool-csv-'));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('a 200 MB file of one line without a newline fails on its header, fast and in bounded memory', async () => {
    const p = join(dir, 'one-line.csv');
    const fd = openSync(p, 'w');
    writeSync(fd, 'x'.repeat(8 << 20));
    ftruncateSync(fd, 200 << 20); // the rest sparse: still no newline
    closeSync(fd);
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const err = await readData(p).catch((e) => e);
    expect(err).toBeInstanceOf(AttnpoolError);
    expect(err.code).toBe('E_PARSE');
    expect(err.message).toMatch(/one-line.csv, line 1: the line is longer than 1048576 characters \(the limit of a line\)/);
    expect(err.message.length).toBeLessThan(400);
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(100 << 20);
  });

  it.each([
    ['a header line longer than the limit', () => `${'a'.repeat(MAX_LINE_CHARS + 10)},x,y\n1,2,3\n`, /line 1: the line is longer than 1048576 characters/],
    ['a data line longer than the limit', () => `x,y\n1,2\n3,${'4'.repeat(MAX_LINE_CHARS + 10)}\n`, /line 3: the line is longer than 1048576 characters/],
    ['an unterminated quote over 5 MB', () => `x,y\n1,"${'a'.repeat(5e6)}\n`, /line 2: the line is longer than 1048576 characters/],
  ])('%s is E_PARSE, naming the line, in a short message', async (_what, text, message) => {
    const t = text();
    for (const call of [() => parseCsv(t, 'f.csv'), () => readData(file('f.csv', t))]) {
      const err = await Promise.resolve()
        .then(call)
        .catch((e) => e);
      expect(err).toBeInstanceOf(AttnpoolError);
      expect(err.message).toMatch(message);
      expect(err.message.length).toBeLessThan(500);
    }
  });

  it('a long bad header is echoed in at most ~200 characters', () => {
    const err = expectAttnpoolError(
      () => parseCsv(`${'a'.repeat(500_000)},b\n1,2\n`, 'f.csv'),
      'E_PARSE',
      /expected a header with columns "x" and "y", got "a{200}"… \(500002 characters\)/,
    );
    expect(err.message.length).toBeLessThan(300);
  });

  it('a long bad field is echoed in at most ~200 characters', () => {
    const err = expectAttnpoolError(
      () => parseCsv(`x,y\n1,${'z'.repeat(100_000)}\n`, 'f.csv'),
      'E_PARSE',
      /line 2: y must be a finite number, got "z{200}"… \(100000 characters\)/,
    );
    expect(err.message.length).toBeLessThan(300);
  });

  it.each([
    ['1e39', 'x,y\n1,2\n1e39,3\n', /f.csv, line 3: x = "1e39" is outside float32's range/],
    ['-3.5e38', 'x,y\n1,-3.5e38\n', /f.csv, line 2: y = "-3.5e38" is outside float32's range/],
  ])('%s, beyond float32, names the file, the line and the text as written', async (_what, text, message) => {
    expectAttnpoolError(() => parseCsv(text, 'f.csv'), 'E_PARSE', message);
    await expect(readData(file('f.csv', text))).rejects.toThrow(message);
  });

  it('3.4e38, inside float32, is read', () => {
    expect(parseCsv('x,y\n3.4e38,1\n').x.data[0]).toBe(Math.fround(3.4e38));
  });

  it('JSON beyond float32 names the field and index', () => {
    expectAttnpoolError(() => parseJson('{"x": [1, 1e39], "y": [1, 2]}', 'f.json'), 'E_PARSE', /f.json, field "x"\[1\]: 1e\+39 is outside float32's range/);
  });

  it.each(['0x10', '0b1', '0o7', 'Infinity', '1_0'])('CSV %s is refused: decimal only', async (v) => {
    const text = `x,y\n1,2\n${v},3\n`;
    expectAttnpoolError(() => parseCsv(text, 'f.csv'), 'E_PARSE', new RegExp(`line 3: x must be a finite number, got "${v}"`));
    await expect(readData(file('f.csv', text))).rejects.toThrow(/line 3: x must be a finite number/);
  });

  it('readData streams a CSV to the same tensors parseCsv builds (BOM, CRLF, quoted header, blank lines, > 1024 rows)', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `"${i}",${i / 7},${Math.sin(i)}`);
    const text = `\uFEFF"","x","y"\r\n${rows.join('\r\n')}\r\n\r\n`;
    const streamed = await readData(file('r.csv', text));
    expect(streamed).toEqual(parseCsv(text));
    expect(streamed.x.data.length).toBe(3000);
  });
});
