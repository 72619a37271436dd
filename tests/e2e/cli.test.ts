// The `attnpool` command as a user runs it: the built dist/cli/main.js in a child process.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chapterStart } from '../../src/chapter/runChapter.js';
import { kernelRegression } from '../../src/regression/kernelRegression.js';
import { refLeaveOneOut, refLossGrad, rng } from '../reference.js';

const cli = join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'attnpool-cli-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('attnpool train', () => {
  it('prints five "epoch k, loss X" lines with 6 decimals and the learned w', () => {
    const r = run('train', '--seed', '3');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(6);
    lines.slice(0, 5).forEach((l, k) => {
      expect(l).toMatch(new RegExp(`^epoch ${k + 1}, loss \\d+\\.\\d{6}$`));
    });
    expect(lines[5]).toMatch(/^w \d+\.\d{6}$/);
  });

  it('--json prints one object whose losses and ws match an independent float64 SGD', () => {
    const out = JSON.parse(execFileSync(process.execPath, [cli, 'train', '--seed', '5', '--json', '--epochs', '3'], { encoding: 'utf8' }));
    const { data, w0 } = chapterStart(5);
    const x = data.xTrain.data;
    const y = data.yTrain.data;
    let w = w0;
    for (let k = 0; k < 3; k++) {
      const { loss, grad } = refLossGrad(x, refLeaveOneOut(x), refLeaveOneOut(y), y, w);
      expect(Math.abs(out.losses[k] - loss) / loss).toBeLessThan(1e-5);
      w -= 0.5 * grad;
      expect(Math.abs(out.ws[k] - w) / w).toBeLessThan(1e-5);
    }
    expect(out.w).toBe(out.ws[2]);
  });

  it('--w0 fixes the initial w and --data reads CSV and JSON files alike', () => {
    const x = [0.2, 0.9, 1.4, 2.2, 3.1, 3.3, 4.0, 4.8];
    const y = x.map((v) => Math.sin(v));
    const csv = file('d.csv', `x,y\n${x.map((v, i) => `${v},${y[i]}`).join('\n')}\n`);
    const json = file('d.json', JSON.stringify({ x, y }));
    const a = JSON.parse(run('train', '--data', csv, '--w0', '2', '--json').stdout);
    const b = JSON.parse(run('train', '--data', json, '--w0', '2', '--json').stdout);
    expect(a).toEqual(b);
    const xs = Float32Array.from(x);
    const ys = Float32Array.from(y);
    const first = refLossGrad(xs, refLeaveOneOut(xs), refLeaveOneOut(ys), ys, 2);
    expect(Math.abs(a.losses[0] - first.loss) / first.loss).toBeLessThan(1e-5);
    expect(Math.abs(a.ws[0] - (2 - 0.5 * first.grad))).toBeLessThan(1e-5 * Math.abs(a.ws[0]));
  });

  it.each([
    [['train', '--bogus'], /unknown option '--bogus'/],
    [['train', '--epochs', '0'], /--epochs <n>' argument '0' is invalid. expected a decimal integer >= 1/],
    [['train', '--lr', 'fast'], /--lr <x>' argument 'fast' is invalid/],
    [['train', '--w0', '-1'], /expected a finite decimal number > 0, got "-1"/],
    [['train', '--backend', 'gpu'], /Allowed choices are auto, wasm, js/],
    [['train', '--data', '/nonexistent/file.csv'], /nonexistent\/file.csv: cannot read the file \(ENOENT\)/],
    [['train', '--data', '<bad.csv>'], /bad.csv, line 3: y must be a finite number, got "oops"/],
    [['train', '--data', '<one.csv>'], /one.csv: expected at least 2 data points, got 1/],
    [['train', '--data', '<empty.json>'], /empty.json: not valid JSON/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('%j fails with a clear message and exit code 1', (args, message) => {
    const files: Record<string, string> = {
      '<bad.csv>': file('bad.csv', 'x,y\n1,2\n2,oops\n'),
      '<one.csv>': file('one.csv', 'x,y\n1,2\n'),
      '<empty.json>': file('empty.json', ''),
    };
    const r = run(...args.map((a) => files[a] ?? a));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('a CSV as R writes it (quoted header, row names, a byte-order mark, CRLF) trains to the same w as the plain file', () => {
    const x = [0.2, 0.9, 1.4, 2.2, 3.1, 3.3, 4.0, 4.8];
    const y = x.map((v) => Math.cos(v));
    const plain = file('plain.csv', `x,y\n${x.map((v, i) => `${v},${y[i]}`).join('\n')}\n`);
    const fromR = file('r.csv', `\uFEFF"","x","y"\r\n${x.map((v, i) => `"${i + 1}",${v},${y[i]}`).join('\r\n')}\r\n`);
    const a = run('train', '--data', plain, '--w0', '1.5', '--json');
    const b = run('train', '--data', fromR, '--w0', '1.5', '--json');
    expect(b.stderr).toBe('');
    expect(JSON.parse(b.stdout).w).toBe(JSON.parse(a.stdout).w);
    expect(JSON.parse(b.stdout)).toEqual(JSON.parse(a.stdout));
  });

  it('--help describes every option', () => {
    const r = run('train', '--help');
    expect(r.status).toBe(0);
    for (const flag of ['--seed', '--epochs', '--lr', '--w0', '--data', '--json', '--backend']) expect(r.stdout).toContain(flag);
  });
});

describe('attnpool train --kernel', () => {
  it('trains the triangular kernel from the same start, to other losses than the Gaussian', () => {
    const tri = JSON.parse(run('train', '--seed', '2', '--kernel', 'triangular', '--json').stdout);
    const gauss = JSON.parse(run('train', '--seed', '2', '--json').stdout);
    expect(tri.losses).toHaveLength(5);
    expect(tri.losses.every(Number.isFinite)).toBe(true);
    expect(tri.losses[0]).not.toBe(gauss.losses[0]);
    expect(run('train', '--kernel', 'boxcar').stderr).toMatch(/Allowed choices are gaussian, epanechnikov, triangular/);
  });
});

describe('attnpool bandwidth', () => {
  it('prints the exact leave-one-out optimum of the chapter data, its local minima and both limits', () => {
    const r = run('bandwidth', '--seed', '0');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^kernel gaussian, n 50/);
    expect(r.stdout).toMatch(/w\* \d+\.\d{6} {2}L \d+\.\d{6}/);
    expect(r.stdout).toMatch(/w → ∞ \(nearest neighbour\): L \d/);
  });

  it('--json agrees with an independent leave-one-out loss: no w on a fine grid does better', () => {
    const x = [0.1, 0.5, 0.9, 1.3, 2.0, 2.2, 2.9, 3.5, 4.1, 4.6];
    const y = x.map((v) => Math.sin(2 * v) + 0.1 * Math.cos(9 * v));
    const out = JSON.parse(run('bandwidth', '--data', file('bw.json', JSON.stringify({ x, y })), '--json').stdout);
    expect(out.kernel).toBe('gaussian');
    const xs = Float32Array.from(x);
    const ys = Float32Array.from(y);
    const loo = (w: number) => refLossGrad(xs, refLeaveOneOut(xs), refLeaveOneOut(ys), ys, w).loss;
    expect(Math.abs(loo(out.w) - out.loss) / out.loss).toBeLessThan(1e-9);
    for (let w = 0.05; w < 200; w *= 1.01) expect(loo(w)).toBeGreaterThanOrEqual(out.loss * (1 - 1e-12));
  });

  it('takes the compact kernels, and refuses one it does not know', () => {
    expect(JSON.parse(run('bandwidth', '--kernel', 'boxcar', '--json').stdout).interval).toHaveLength(2);
    const bad = run('bandwidth', '--kernel', 'cosine');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/Allowed choices are gaussian, boxcar, epanechnikov, triangular/);
  });
});

describe('attnpool fit', () => {
  const r = rng(11);
  const n = 40;
  const a = Array.from({ length: n }, () => 3 * r());
  const b = Array.from({ length: n }, () => 3 * r());
  const z = a.map((v, i) => Math.cos(v) + 0.5 * b[i] + 0.1 * (r() - 0.5));
  const csv = () => file('fit.csv', `a,b,z\n${a.map((v, i) => `${v},${b[i]},${z[i]}`).join('\n')}\n`);
  const x = { data: Float64Array.from(a.flatMap((v, i) => [v, b[i]])), shape: [n, 2] };

  it('--regression ll --bandwidth aic --predict --json: the numbers of kernelRegression on the same data', () => {
    const q = file('fit-q.csv', 'b,a\n1,2\n0.5,0.5\n');
    const out = run('fit', '--data', csv(), '--regression', 'll', '--bandwidth', 'aic', '--predict', q, '--json');
    expect(out.status).toBe(0);
    const j = JSON.parse(out.stdout);
    const fit = kernelRegression(x, z, { regression: 'll', bandwidth: 'aic' });
    // z is linear in b: AICc's h for b is infinite (b enters linearly), written "Infinity"
    expect(j.bandwidth).toEqual(Array.from(fit.bandwidth, (h) => (Number.isFinite(h) ? h : String(h))));
    expect(j.bandwidth[1]).toBe('Infinity');
    expect(j.cv).toBe(fit.cv);
    expect(j.rSquared).toBe(fit.rSquared);
    expect(j.predictions).toEqual(Array.from(fit.predict({ data: [2, 1, 0.5, 0.5], shape: [2, 2] })));
  });

  it('prints the bandwidths, CV and R² as lines by default (cv_ls, local constant)', () => {
    const out = run('fit', '--data', csv());
    expect(out.status).toBe(0);
    const fit = kernelRegression(x, z);
    expect(out.stdout).toMatch(/^kernel regression of z on a, b: local constant/);
    expect(out.stdout).toContain(`a: h ${fit.bandwidth[0].toPrecision(6)}`);
    expect(out.stdout).toContain(`CV ${fit.cv.toPrecision(6)}`);
    expect(out.stdout).toContain(`R² ${fit.rSquared.toFixed(6)}`);
  });

  it('refuses an unknown regression, a missing --data and a bad bandwidth, exit status 1', () => {
    const bad = run('fit', '--data', csv(), '--regression', 'lq');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/Allowed choices are lc, ll/);
    expect(run('fit').stderr).toMatch(/required option '--data <file>'/);
    const h = run('fit', '--data', csv(), '--bandwidth', 'silverman');
    expect(h.status).toBe(1);
    expect(h.stderr).toMatch(/^attnpool: --bandwidth: expected cv_ls, aic or h1,h2/);
  });
});
