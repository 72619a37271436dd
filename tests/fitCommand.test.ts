// `attnpool fit` (src/cli/fit.ts), called as a function: CSV in, the fit's numbers out.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitCommand } from '../src/cli/fit.js';
import { AttnpoolError } from '../src/errors.js';
import { kernelRegression } from '../src/regression/kernelRegression.js';
import { rng } from './reference.js';

const dir = mkdtempSync(join(tmpdir(), 'attnpool-fit-'));
const r = rng(3);
const n = 60;
const a = Array.from({ length: n }, () => 4 * r());
const b = Array.from({ length: n }, () => 4 * r());
const target = a.map((v, i) => Math.sin(1.5 * v) + 0.3 * (b[i] - 2) ** 2 + 0.2 * (r() - 0.5));
const csv = join(dir, 'd2.csv');
writeFileSync(csv, `alpha,beta,target\n${a.map((v, i) => `${v},${b[i]},${target[i]}`).join('\n')}\n`);
const queries = join(dir, 'q.csv');
writeFileSync(queries, 'beta,alpha\n1,2\n3,0.5\n');

async function run(options: Parameters<typeof fitCommand>[0]): Promise<{ out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  await fitCommand(
    options,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { out, err };
}

describe('attnpool fit', () => {
  it('--json prints the fit of kernelRegression on the CSV, last column as y, and predictions by column name', async () => {
    const { out } = await run({ data: csv, regression: 'll', predict: queries, json: true });
    expect(out.length).toBe(1);
    const j = JSON.parse(out[0]);
    const x = Float64Array.from(a.flatMap((v, i) => [v, b[i]]));
    const fit = kernelRegression({ data: x, shape: [n, 2] }, target, { regression: 'll' });
    expect(j.bandwidth).toEqual(Array.from(fit.bandwidth));
    expect(j.w).toEqual(Array.from(fit.w));
    expect(j.cv).toBe(fit.cv);
    expect(j.rSquared).toBe(fit.rSquared);
    expect(j.predictions).toEqual(Array.from(fit.predict({ data: [2, 1, 0.5, 3], shape: [2, 2] })));
  });

  it('--x, --y and --bandwidth h1,inf: a smoothed-out variable is reported, Infinity as a string in JSON', async () => {
    const text = await run({ data: csv, x: 'beta,alpha', y: 'target', bandwidth: '0.4,inf' });
    expect(text.out.join('\n')).toMatch(/alpha: h Infinity .* smoothed out/);
    const { out } = await run({ data: csv, x: 'beta,alpha', bandwidth: '0.4,inf', json: true });
    expect(JSON.parse(out[0]).bandwidth).toEqual([0.4, 'Infinity']);
  });

  it('--plot writes a PNG for d = 1, 2 and 3', async () => {
    const d1 = join(dir, 'd1.csv');
    writeFileSync(d1, `u,v\n${a.map((v, i) => `${v},${target[i]}`).join('\n')}`);
    const d3 = join(dir, 'd3.csv');
    writeFileSync(d3, `p,q,s,t\n${a.map((v, i) => `${v},${b[i]},${(i * 7) % 5},${target[i]}`).join('\n')}`);
    for (const [data, bandwidth] of [
      [d1, 'cv_ls'],
      [csv, '0.5'],
      [d3, '0.5,0.5,2'],
    ] as const) {
      const png = join(dir, `${data.length}-${bandwidth}.png`);
      await run({ data, bandwidth, plot: png });
      expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    }
  });

  it('names what is wrong: a missing column, a bad cell, a bad bandwidth', async () => {
    await expect(run({ data: csv, x: 'gamma' })).rejects.toThrow(/--x: no column "gamma" in .*columns: alpha, beta, target/);
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'x,y\n1,2\n3,oops\n');
    await expect(run({ data: bad })).rejects.toThrow(/line 3, column "y": expected a finite number, got "oops"/);
    await expect(run({ data: csv, bandwidth: '0.3,-1' })).rejects.toThrow(AttnpoolError);
    await expect(run({ data: join(dir, 'missing.csv') })).rejects.toThrow(/cannot read the file/);
  });
});
