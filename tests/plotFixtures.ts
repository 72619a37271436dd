import { nodeCanvas } from '../src/plot-node/canvas.js';
import { measureWith, type Measure } from '../src/plot/figure.js';
import type { FigureLayout } from '../src/plot/layout.js';
import type { Tensor } from '../src/tensor.js';
import { rng } from './reference.js';

/** A Measure backed by node-canvas with DejaVu Sans registered, as savePNG draws. */
export async function nodeMeasure(): Promise<Measure> {
  const { createCanvas } = await nodeCanvas();
  return measureWith(createCanvas(1, 1).getContext('2d') as unknown as CanvasRenderingContext2D);
}

export function eye(n: number): Tensor {
  const data = new Float32Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return { data, shape: [1, 1, n, n] };
}

/** The chapter's data, made here: sorted x ~ U[0, 5), y = 2 sin x + x^0.8 + N(0, 0.5). */
export function kernelRegData(seed = 1) {
  const r = rng(seed);
  const f = (x: number) => 2 * Math.sin(x) + x ** 0.8;
  const xTrain = Array.from({ length: 50 }, () => 5 * r()).sort((a, b) => a - b);
  const yTrain = xTrain.map((x) => f(x) + 0.5 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
  const xTest = Array.from({ length: 50 }, (_, i) => i / 10);
  const yTruth = xTest.map(f);
  // Nadaraya–Watson with the Gaussian kernel, in float64.
  const weights = new Float32Array(50 * 50);
  const yHat = xTest.map((q, i) => {
    const s = xTrain.map((k) => -((q - k) ** 2) / 2);
    const m = Math.max(...s);
    const e = s.map((v) => Math.exp(v - m));
    const z = e.reduce((a, b) => a + b, 0);
    e.forEach((v, j) => {
      weights[i * 50 + j] = v / z;
    });
    return e.reduce((a, v, j) => a + (v / z) * yTrain[j], 0);
  });
  return { xTrain, yTrain, xTest, yTruth, yHat, weights: { data: weights, shape: [1, 1, 50, 50] } as Tensor };
}

/** Everything a layout test asserts: texts and rectangles inside the figure, no two texts overlapping. */
export function layoutProblems(l: FigureLayout): string[] {
  const problems: string[] = [];
  const inside = (what: string, r: { x: number; y: number; width: number; height: number }) => {
    if (r.x < 0 || r.y < 0 || r.x + r.width > l.width || r.y + r.height > l.height) {
      problems.push(`${what} leaves the ${l.width} × ${l.height} figure: ${JSON.stringify(r)}`);
    }
  };
  l.texts.forEach((t) => {
    inside(`text "${t.text.text}${t.text.sup ?? ''}"`, t.box);
  });
  l.axes.forEach((a, i) => {
    inside(`axes ${i}`, a.extent);
  });
  for (let i = 0; i < l.texts.length; i++) {
    for (let j = i + 1; j < l.texts.length; j++) {
      const a = l.texts[i].box,
        b = l.texts[j].box;
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) {
        problems.push(`texts "${l.texts[i].text.text}" and "${l.texts[j].text.text}" overlap`);
      }
    }
  }
  return problems;
}
