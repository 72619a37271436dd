// Issue 19, items 9, 12 and 13 in the library: file-system errors as E_IO, RangeErrors as
// AttnpoolErrors, seeds beyond 32 bits and non-decimal numbers refused, bounded training history.
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSeed, decimalNumber, MAX_SEED } from '../src/args/numbers.js';
import { Workspace } from '../src/backend/wasm/workspace.js';
import { syntheticData } from '../src/chapter/data.js';
import { chapterStart, runChapter } from '../src/chapter/runChapter.js';
import { similarityData } from '../src/chapter/similarityData.js';
import { checkOutputFile, prepareOutputDir, writeFileAtomic } from '../src/io/files.js';
import { NWKernelRegression } from '../src/model/nwKernelRegression.js';
import { train } from '../src/model/train.js';
import { plotLoss } from '../src/plot/index.js';
import { savePNG } from '../src/plot-node/png.js';
import { BACKENDS, load } from './backends.js';
import { expectAttnpoolError } from './expectError.js';

const dir = mkdtempSync(join(tmpdir(), 'attnpool-harden-'));

describe('output paths (item 9): E_IO naming the path and the cause', () => {
  const file = join(dir, 'file');
  const dangling = join(dir, 'dangling');
  writeFileSync(file, 'x');
  symlinkSync(join(dir, 'missing', 'target'), dangling);

  it.each([
    ['an existing file', file, /file" exists and is not a directory/],
    ['a path under a file', join(file, 'sub'), /file" exists and is not a directory/],
    ['an empty string', '', /expected a path, got an empty string/],
    ['a dangling symlink', dangling, /dangling" is a symbolic link to nothing/],
    ['a new directory under /proc', '/proc/x', /cannot create "\/proc\/x": \/proc is on procfs/],
    ['an existing directory on /proc', '/proc/self', /is on procfs/],
    ['a new directory under /sys', '/sys/x/y', /\/sys is on sysfs/],
  ])('prepareOutputDir refuses %s', (_what, path, message) => {
    expectAttnpoolError(() => prepareOutputDir(path), 'E_IO', message);
  });

  it('prepareOutputDir creates missing levels one at a time and accepts an existing directory', () => {
    const deep = join(dir, 'a', 'b', 'c');
    expect(prepareOutputDir(deep)).toBe(deep);
    expect(prepareOutputDir(deep)).toBe(deep);
  });

  it.each([
    ['a directory', dir, /is a directory; name a file/],
    ['a missing directory', join(dir, 'nope', 'x.json'), /the directory ".*nope" of ".*" does not exist; create it first/],
    ['an empty string', '', /expected a path, got an empty string/],
    ['/proc', '/proc/x.json', /is on procfs/],
  ])('checkOutputFile refuses %s', (_what, path, message) => {
    expectAttnpoolError(() => checkOutputFile(path, '--json'), 'E_IO', message);
  });

  it('writeFileAtomic replaces a file whole and leaves no temporary file; a directory in the way is E_IO', () => {
    const d = join(dir, 'atomic');
    mkdirSync(d);
    writeFileAtomic(join(d, 'f.txt'), 'one');
    writeFileAtomic(join(d, 'f.txt'), 'two');
    expect(readdirSync(d)).toEqual(['f.txt']);
    mkdirSync(join(d, 'sub'));
    expectAttnpoolError(() => writeFileAtomic(join(d, 'sub'), 'x'), 'E_IO', /sub": is a directory/);
  });

  it('savePNG to a directory is E_IO naming it, and writes nothing', async () => {
    const d = join(dir, 'png');
    mkdirSync(d);
    mkdirSync(join(d, 'fig.png'));
    const err = await savePNG(plotLoss([1, 2]), join(d, 'fig.png')).catch((e) => e);
    expect(err.code).toBe('E_IO');
    expect(err.message).toMatch(/fig.png" is a directory; name a .png file/);
    expect(readdirSync(d)).toEqual(['fig.png']);
    await savePNG(plotLoss([1, 2]), join(d, 'ok.png'));
    expect(readdirSync(d).sort()).toEqual(['fig.png', 'ok.png']);
  });
});

describe('RangeErrors become AttnpoolErrors (item 12)', () => {
  it.each(BACKENDS.map((b) => b.name))('%s: bmm whose product exceeds what the engine can allocate is E_VALUE naming the shape', async (name) => {
    const be = await load(name);
    const a = { data: new Float32Array(1e5), shape: [1, 1e5, 1] };
    const b = { data: new Float32Array(1e5), shape: [1, 1, 1e5] };
    expectAttnpoolError(
      () => be.bmm(a, b),
      'E_VALUE',
      /bmm: the product \[1, 100000, 100000\] needs 10000000000 elements \(37.3 GiB\), more than this JavaScript engine can allocate/,
    );
  });

  it.each(BACKENDS.map((b) => b.name))('%s: scores of that size are E_VALUE too', async (name) => {
    const be = await load(name);
    expectAttnpoolError(() => be.scores(new Float32Array(1e5), new Float32Array(1e5)), 'E_VALUE', /scores: the scores \[100000, 100000\] needs/);
  });

  it('syntheticData({ nTrain: 5e9 }) is E_VALUE naming nTrain', () => {
    expectAttnpoolError(
      () => syntheticData({ nTrain: 5e9 }),
      'E_VALUE',
      /syntheticData: nTrain = 5000000000 needs .* more than this JavaScript engine can allocate/,
    );
  });

  it('a WASM memory that cannot grow is E_BACKEND that does not send the user to the js backend', () => {
    const ws = new Workspace(new WebAssembly.Memory({ initial: 1, maximum: 1 }));
    const err = expectAttnpoolError(() => ws.layout(1e6), 'E_BACKEND', /needs \d+ bytes of WebAssembly memory .* split the call into smaller ones/);
    expect(err.message).not.toMatch(/js backend/);
  });
});

describe('seeds beyond 32 bits and non-decimal numbers (item 13)', () => {
  it.each([
    ['syntheticData', () => syntheticData({ seed: 2 ** 32 })],
    ['syntheticData 1e300', () => syntheticData({ seed: 1e300 })],
    ['similarityData', () => similarityData({ seed: 2 ** 32 })],
    ['chapterStart', () => chapterStart(2 ** 32)],
    ['runChapter', () => runChapter(undefined as never, { seed: 2 ** 40 })],
    ['NWKernelRegression', () => new NWKernelRegression(undefined as never, { seed: 2 ** 32 })],
  ])("%s refuses a seed >= 2^32 (it would wrap to another seed's data)", (_what, call) => {
    expectAttnpoolError(call, 'E_VALUE', /seed: expected an integer >= 0 <= 4294967295/);
  });

  it('accepts 2^32 − 1, whose data differ from seed 0', () => {
    expect(checkSeed(MAX_SEED)).toBe(4294967295);
    expect(syntheticData({ seed: MAX_SEED }).xTrain.data).not.toEqual(syntheticData({ seed: 0 }).xTrain.data);
  });

  it.each([
    ['16', 16],
    [' -2.5 ', -2.5],
    ['1e9', 1e9],
    ['.5', 0.5],
    ['5.', 5],
    ['+3E-2', 0.03],
  ])('decimalNumber reads %j', (text, v) => {
    expect(decimalNumber(text)).toBe(v);
  });

  it.each(['0x10', '0o20', '0b10', 'Infinity', '', ' ', '1e', 'NaN', '1_000', '١٢'])('decimalNumber refuses %j', (text) => {
    expect(decimalNumber(text)).toBeNaN();
  });
});

describe('train keepHistory: false (item 11)', () => {
  it('reports every epoch and keeps none, with the same final w', async () => {
    const be = await load('js');
    const { data, w0 } = chapterStart(1);
    const d = { queries: data.xTrain, keys: data.xTrain, values: data.yTrain, targets: data.yTrain, excludeSelf: true };
    const kept = new NWKernelRegression(be, { w: w0 });
    const full = train(kept, d, { epochs: 4 });
    const seen: number[] = [];
    const lean = new NWKernelRegression(be, { w: w0 });
    const r = train(lean, d, { epochs: 4, keepHistory: false, onEpoch: (e) => seen.push(e.loss) });
    expect(r).toEqual({ losses: [], ws: [] });
    expect(seen).toEqual(full.losses);
    expect(lean.w).toBe(kept.w);
    expectAttnpoolError(() => train(lean, d, { keepHistory: 'no' as never }), 'E_OPTION', /keepHistory/);
  });
});
