import { describe, expect, it } from 'vitest';
import { AttnpoolError } from '../src/errors.js';
import { parseCsv, parseData, parseJson } from '../src/io/parseData.js';

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
