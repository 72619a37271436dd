// `attnpool figures` end to end: every figure of the section is written, decodes, has the
// documented size (inches × 150 dpi) and shows what it should.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadImage, createCanvas } from 'canvas';
import { beforeAll, describe, expect, it } from 'vitest';

const cli = join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
const out = join(mkdtempSync(join(tmpdir(), 'attnpool-figures-')), 'figs');
let run: ReturnType<typeof spawnSync>;

beforeAll(() => {
  run = spawnSync(process.execPath, [cli, 'figures', '--out', out, '--seed', '1', '--backend', 'js'], { encoding: 'utf8' });
});

async function pixels(file: string) {
  const img = await loadImage(join(out, file));
  const c = createCanvas(img.width, img.height);
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  return { width: img.width, height: img.height, data: ctx.getImageData(0, 0, img.width, img.height).data };
}

describe('attnpool figures', () => {
  it('exits 0, creating the output directory, and reports progress', () => {
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/wrote 8 figures and index.html/);
    expect(run.stderr).toMatch(/\[8\/8\]/);
  });

  it.each([
    ['eye10.png', 375, 375],
    ['average-pooling.png', 525, 375],
    ['nonparametric.png', 525, 375],
    ['nonparametric-weights.png', 375, 375],
    ['training-loss.png', 525, 375],
    ['parametric.png', 525, 375],
    ['parametric-weights.png', 375, 375],
    ['loo-bandwidth.png', 675, 450],
  ])('%s is %i × %i and not blank', async (file, width, height) => {
    const p = await pixels(file);
    expect([p.width, p.height]).toEqual([width, height]);
    let nonWhite = 0;
    for (let i = 0; i < p.data.length; i += 4) if (p.data[i] < 250 || p.data[i + 1] < 250 || p.data[i + 2] < 250) nonWhite++;
    expect(nonWhite / (width * height)).toBeGreaterThan(0.02);
  });

  it('lists every figure and the training printout in index.html', () => {
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    for (const f of ['eye10.png', 'parametric-weights.png', 'training-loss.png']) expect(html).toContain(`src="${f}"`);
    expect(html.match(/epoch \d, loss \d+\.\d{6}/g)).toHaveLength(5);
  });

  it('draws the trained weights more concentrated than the nonparametric ones', async () => {
    // Darker red = more weight. Sum the "redness" deficit of green along the centre row of each heatmap:
    // a sharper kernel puts nearly all its colour next to the diagonal, so fewer pixels are coloured.
    const colored = async (file: string) => {
      const p = await pixels(file);
      let n = 0;
      for (let i = 0; i < p.data.length; i += 4) if (p.data[i] > 150 && p.data[i + 1] < 200) n++;
      return n;
    };
    expect(await colored('parametric-weights.png')).toBeLessThan(await colored('nonparametric-weights.png'));
  });
});

describe('attnpool figures --edition 1.0', () => {
  const out10 = join(mkdtempSync(join(tmpdir(), 'attnpool-figures-')), 'v1');
  const r = spawnSync(process.execPath, [cli, 'figures', '--edition', '1.0', '--out', out10, '--backend', 'wasm'], { encoding: 'utf8' });

  it('writes the five figures of "Attention Pooling by Similarity", four panels each', () => {
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/wrote 5 figures and index.html/);
    for (const f of ['kernels.png', 'kernel-fits.png', 'kernel-weights.png', 'width-fits.png', 'width-weights.png']) {
      expect(existsSync(join(out10, f)), f).toBe(true);
    }
    expect(readFileSync(join(out10, 'index.html'), 'utf8')).toContain('triangular kernel');
  });

  it('rejects an edition it does not know', () => {
    const bad = spawnSync(process.execPath, [cli, 'figures', '--edition', '2.0'], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/Allowed choices are 1\.0/);
  });
});
