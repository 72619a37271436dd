import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttnpoolError } from '../src/errors.js';
import { nodeCanvas } from '../src/plot-node/canvas.js';
import { renderFigure, savePNG } from '../src/plot-node/png.js';
import { colormap } from '../src/plot/colormap.js';
import { plot, plotKernelReg, plotLoss, showHeatmaps, type LaidOutFigure } from '../src/plot/index.js';
import { eye, kernelRegData, nodeMeasure } from './plotFixtures.js';

type Rgba = [number, number, number, number];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'attnpool-plots-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes the figure with savePNG, then reads the file back through node-canvas' PNG decoder. */
async function roundTrip(fig: LaidOutFigure, name: string) {
  const path = join(dir, name);
  await savePNG(fig, path);
  const bytes = readFileSync(path);
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  const { createCanvas, loadImage } = await nodeCanvas();
  const image = await loadImage(bytes);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const { data } = ctx.getImageData(0, 0, image.width, image.height);
  const at = (x: number, y: number): Rgba => {
    const o = 4 * (Math.floor(y) * image.width + Math.floor(x));
    return [data[o], data[o + 1], data[o + 2], data[o + 3]];
  };
  /** Pixels within `tol` (per channel) of an opaque colour. */
  const count = (rgb: [number, number, number], tol: number) => {
    let n = 0;
    for (let o = 0; o < data.length; o += 4) {
      if (Math.abs(data[o] - rgb[0]) <= tol && Math.abs(data[o + 1] - rgb[1]) <= tol && Math.abs(data[o + 2] - rgb[2]) <= tol) n++;
    }
    return n;
  };
  return { width: image.width, height: image.height, at, count, bytes };
}

const near = (a: Rgba, b: readonly number[], tol = 2) => a.slice(0, 3).every((c, i) => Math.abs(c - b[i]) <= tol);

describe('PNG files', () => {
  it('eye(10): the documented size, the diagonal dark red, the rest near white, and a colorbar', async () => {
    const fig = showHeatmaps(eye(10), { xlabel: 'Keys', ylabel: 'Queries' });
    const png = await roundTrip(fig, 'eye10.png');
    expect([png.width, png.height]).toEqual([375, 375]); // 2.5 in × 150 dpi
    const layout = fig.layout(await nodeMeasure());
    const [panel] = layout.panels;
    const cell = panel.width / 10;
    const reds = colormap('Reds');
    for (let i = 0; i < 10; i++) {
      for (let j = 0; j < 10; j++) {
        const p = png.at(panel.x + (j + 0.5) * cell, panel.y + (i + 0.5) * cell);
        // imshow: matrix row i is the i-th row from the top; 1 maps to the darkest red, 0 to the lightest
        expect(near(p, reds(i === j ? 1 : 0)), `cell (${i}, ${j}) is ${p}`).toBe(true);
      }
    }
    const diagonal = png.at(panel.x + 0.5 * cell, panel.y + 0.5 * cell);
    const off = png.at(panel.x + 1.5 * cell, panel.y + 0.5 * cell);
    expect(diagonal[1]).toBeLessThan(off[1] - 150); // darker: far less green
    // the colorbar runs from the darkest red at the top to the lightest at the bottom
    const bar = layout.colorbar!;
    expect(near(png.at(bar.x + bar.width / 2, bar.y + 3), reds(1), 12)).toBe(true);
    expect(near(png.at(bar.x + bar.width / 2, bar.y + bar.height - 3), reds(0), 12)).toBe(true);
    expect(near(png.at(bar.x + bar.width / 2, bar.y + bar.height / 2), reds(0.5), 12)).toBe(true);
    // white figure background in the corner, black frame just outside the panel's left edge
    expect(png.at(1, 1)).toEqual([255, 255, 255, 255]);
    const frame = png.at(panel.x, panel.y + panel.height / 2);
    expect(Math.max(...frame.slice(0, 3))).toBeLessThan(100);
  });

  it('records the dpi in the PNG (pHYs), as matplotlib does', async () => {
    const png = await roundTrip(plotLoss([3, 2, 1], { dpi: 120 }), 'dpi.png');
    const at = png.bytes.indexOf('pHYs');
    expect(at).toBeGreaterThan(0);
    const perMetre = png.bytes.readUInt32BE(at + 4);
    expect(perMetre / 39.3701).toBeCloseTo(120, 0);
  });

  it('kernel regression: blue Truth, magenta Pred, translucent orange training points', async () => {
    const d = kernelRegData();
    const fig = plotKernelReg(d.xTest, d.yTruth, d.yHat, d.xTrain, d.yTrain);
    const png = await roundTrip(fig, 'kernel-reg.png');
    expect([png.width, png.height]).toEqual([525, 375]); // 3.5 × 2.5 in
    expect(png.count([0x1f, 0x77, 0xb4], 10)).toBeGreaterThan(300); // C0 line
    expect(png.count([0xbf, 0x00, 0xbf], 10)).toBeGreaterThan(150); // 'm' dashes
    // C1 orange at alpha 0.5 over white: (255 + 0xff7f0e) / 2 ≈ (255, 191, 134)
    expect(png.count([255, 191, 134], 6)).toBeGreaterThan(200);
    // a training point far from both curves shows that orange at its centre
    const l = fig.layout(await nodeMeasure());
    const sx = l.axes[0].x!.scale,
      sy = l.axes[0].y!.scale;
    const k = d.yTrain.reduce(
      (best, y, i) =>
        Math.abs(y - d.yHat[Math.min(49, Math.round(d.xTrain[i] * 10))]) > Math.abs(d.yTrain[best] - d.yHat[Math.min(49, Math.round(d.xTrain[best] * 10))])
          ? i
          : best,
      0,
    );
    const centre = png.at(sx(d.xTrain[k]), sy(d.yTrain[k]));
    expect(centre[0]).toBeGreaterThan(240);
    expect(centre[2]).toBeLessThan(200);
  });

  it('loss curve: the line rises to the first loss at epoch 1', async () => {
    const fig = plotLoss([40, 30, 27, 26, 25.5]);
    const png = await roundTrip(fig, 'loss.png');
    const l = fig.layout(await nodeMeasure());
    const sx = l.axes[0].x!.scale,
      sy = l.axes[0].y!.scale;
    // the curve passes through (2, 30) and (5, 25.5): C0 there; far from it, white
    expect(near(png.at(sx(2), sy(30)), [0x1f, 0x77, 0xb4], 25)).toBe(true);
    expect(near(png.at(sx(4.5), sy(25.75)), [0x1f, 0x77, 0xb4], 25)).toBe(true);
    expect(png.at(sx(4.2), sy(37.3))).toEqual([255, 255, 255, 255]);
    expect(l.axes[0].x!.scale.domain).toEqual([1, 5]);
  });

  it('a 200 × 200 viridis heatmap: each sampled cell has its colour', async () => {
    const n = 200;
    const m = new Float32Array(n * n).map((_, k) => Math.sin(Math.floor(k / n) / 15) * Math.cos((k % n) / 25));
    const fig = showHeatmaps({ data: m, shape: [1, 1, n, n] }, { xlabel: 'Keys', ylabel: 'Queries', cmap: 'viridis', figsize: [6, 6], dpi: 100 });
    const png = await roundTrip(fig, 'big.png');
    const [panel] = fig.layout(await nodeMeasure()).panels;
    expect(panel.width).toBeGreaterThan(n); // cells span more than a pixel: nearest cell
    let lo = Infinity,
      hi = -Infinity;
    for (const v of m) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const viridis = colormap('viridis');
    const cell = panel.width / n;
    // (cells next to the frame are partly covered by its line: sample inside)
    for (const [i, j] of [
      [2, 2],
      [17, 150],
      [100, 100],
      [196, 3],
      [150, 196],
      [60, 61],
    ]) {
      const p = png.at(panel.x + (j + 0.5) * cell, panel.y + (i + 0.5) * cell);
      expect(near(p, viridis((m[i * n + j] - lo) / (hi - lo)), 1), `cell (${i}, ${j})`).toBe(true);
    }
  });

  it('draws the same cells into a context scaled for a high-density screen, and without getTransform', async () => {
    const fig = showHeatmaps(eye(10), { xlabel: 'Keys', ylabel: 'Queries' });
    const [panel] = fig.layout(await nodeMeasure()).panels;
    const { createCanvas } = await nodeCanvas();
    const reds = colormap('Reds');
    const check = (ctx: CanvasRenderingContext2D, raw: { getImageData: CanvasRenderingContext2D['getImageData'] }, scale: number) => {
      fig.draw(ctx);
      const cell = panel.width / 10;
      for (const [i, j] of [
        [0, 0],
        [0, 1],
        [5, 5],
        [9, 8],
        [9, 9],
      ]) {
        const p = raw.getImageData(Math.floor((panel.x + (j + 0.5) * cell) * scale), Math.floor((panel.y + (i + 0.5) * cell) * scale), 1, 1).data;
        expect(near([p[0], p[1], p[2], p[3]], reds(i === j ? 1 : 0)), `cell (${i}, ${j}) at scale ${scale}`).toBe(true);
      }
    };
    // devicePixelRatio 2: cells written at device resolution
    const hi = createCanvas(2 * fig.width, 2 * fig.height).getContext('2d');
    hi.scale(2, 2);
    check(hi as unknown as CanvasRenderingContext2D, hi as unknown as CanvasRenderingContext2D, 2);
    // a context without getTransform: one rectangle per cell
    const plain = createCanvas(fig.width, fig.height).getContext('2d');
    const noTransform = new Proxy(plain, {
      get: (target, key) =>
        key === 'getTransform'
          ? undefined
          : typeof Reflect.get(target, key) === 'function'
            ? (Reflect.get(target, key) as (...a: unknown[]) => unknown).bind(target)
            : Reflect.get(target, key),
      set: (target, key, value) => Reflect.set(target, key, value),
    });
    check(noTransform as unknown as CanvasRenderingContext2D, plain as unknown as CanvasRenderingContext2D, 1);
  });

  it('registers DejaVu Sans from the package (digits are 1303/2048 em wide)', async () => {
    const measure = await nodeMeasure();
    expect(measure('0', '100px "DejaVu Sans"')).toBeCloseTo((100 * 1303) / 2048, 1);
    expect(measure('0123456789', '100px "DejaVu Sans"')).toBeCloseTo((1000 * 1303) / 2048, 0);
  });

  it('log axes and several series render', async () => {
    const w = Array.from({ length: 100 }, (_, i) => 10 ** (-1 + (3 * i) / 99));
    const fig = plot(w, [w.map((v) => 30 + 20 / v + v / 10), w.map((v) => 40 + 10 / v), w.map((v) => 35 + v / 20), w.map((v) => 45 - v / 10)], {
      xscale: 'log',
      legend: ['a', 'b', 'c', 'd'],
      xlabel: 'w',
      ylabel: 'loss',
    });
    const png = await roundTrip(fig, 'log.png');
    expect(png.count([0x00, 0x80, 0x00], 20)).toBeGreaterThan(50); // 'g-.'
    expect(png.count([0xff, 0x00, 0x00], 20)).toBeGreaterThan(30); // 'r:'
  });
});

describe('savePNG errors', () => {
  it('names a missing directory', async () => {
    const fig = plotLoss([1, 2]);
    await expect(savePNG(fig, join(dir, 'no', 'such', 'dir', 'x.png'))).rejects.toThrow(AttnpoolError);
    await expect(savePNG(fig, join(dir, 'nope', 'x.png'))).rejects.toThrow(/directory .*nope of ".*" does not exist; create it first/);
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    await expect(savePNG(fig, join(file, 'x.png'))).rejects.toThrow(/is not a directory/);
  });

  it('rejects what is not a figure or a path', async () => {
    await expect(savePNG({ width: 10 } as never, join(dir, 'x.png'))).rejects.toThrow(/figure: expected a Figure/);
    await expect(savePNG({ width: 0, height: 5, draw() {} }, join(dir, 'x.png'))).rejects.toThrow(/width must be a positive integer/);
    await expect(savePNG(plotLoss([1]), '' as string)).rejects.toThrow(/path: expected a file path string/);
    await expect(renderFigure(null as never)).rejects.toThrow(AttnpoolError);
  });

  it('passes on a layout error as an AttnpoolError', async () => {
    const fig = plot([0, 1], [0, 1], { figsize: [0.3, 0.3], xlabel: 'a very long label indeed' });
    await expect(savePNG(fig, join(dir, 'small.png'))).rejects.toThrow(/too small/);
  });
});
