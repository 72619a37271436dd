import type { KernelName } from '../args/kernel.js';
import { kernelValue } from '../backend/js/kernelValue.js';
import type { Backend } from '../backend/types.js';
import type { ChapterFigure } from './figures.js';
import { similarityData } from './similarityData.js';
import { plot, showHeatmaps, sideBySide, type Figure } from '../plot/index.js';
import type { Tensor } from '../tensor.js';

/** d2l 1.0's four kernels, named correctly: its "Epanechikov" max(0, 1 − |x|) is the triangular kernel. */
const KERNELS: { kernel: KernelName; name: string }[] = [
  { kernel: 'gaussian', name: 'Gaussian' },
  { kernel: 'boxcar', name: 'Boxcar' },
  { kernel: 'constant', name: 'Constant' },
  { kernel: 'triangular', name: 'Triangular (d2l: "Epanechikov")' },
];
const SIGMAS = [0.1, 0.2, 0.5, 1];
const PANEL: [number, number] = [3, 3];

/** One attention-pooling setting of a figure: kernel, w, panel name. */
interface Setting {
  kernel: KernelName;
  w: number;
  name: string;
}

/**
 * The figures of d2l 1.0's section "Attention Pooling by Similarity" (`attnpool figures
 * --edition 1.0`): the four kernels, their fits and weights on the section's data (f = 2 sin x
 * + x, 40 points, noise N(0, 1)), and the Gaussian at widths σ = 0.1, 0.2, 0.5, 1 (w = 1/σ).
 */
export function similarityFigures(backend: Backend, seed = 0): ChapterFigure[] {
  const data = similarityData({ seed });
  const { xTrain, yTrain, xTest, yTruth } = data;
  const pooled = (s: Setting) => backend.attentionPool(xTest, xTrain, yTrain, s.w, { kernel: s.kernel, weights: true });
  const kernels = KERNELS.map((k) => ({ ...k, w: 1 }));
  const widths = SIGMAS.map((sigma) => ({ kernel: 'gaussian' as const, w: 1 / sigma, name: `Sigma ${sigma}` }));

  const u = Array.from({ length: 50 }, (_, i) => -2.5 + 0.1 * i);
  const shapes = sideBySide(
    KERNELS.map(({ kernel, name }) => plot(u, [u.map((x) => kernelValue(kernel, x))], { xlabel: name, ylim: [-0.05, 1.05], figsize: PANEL })),
  );

  const fits = (settings: Setting[]): Figure => {
    const results = settings.map((s) => pooled(s).yHat.data);
    const all = [...results.flatMap((r) => Array.from(r)), ...Array.from(yTrain.data), ...Array.from(yTruth.data)];
    const pad = 0.05 * (Math.max(...all) - Math.min(...all));
    const ylim: [number, number] = [Math.min(...all) - pad, Math.max(...all) + pad]; // shared y, as sharey=True
    return sideBySide(
      settings.map((s, i) =>
        plot(xTest, [results[i], yTruth.data], {
          xlabel: s.name,
          legend: ['y_hat', 'y'],
          ylim,
          figsize: PANEL,
          series: [{ x: xTrain, y: yTrain, fmt: 'o', alpha: 0.5 }],
        }),
      ),
    );
  };

  const weights = (settings: Setting[]): Figure => {
    const [nq, nk] = [xTest.data.length, xTrain.data.length];
    const panels = new Float32Array(settings.length * nq * nk);
    settings.forEach((s, i) => {
      panels.set(pooled(s).weights!.data, i * nq * nk);
    });
    const m: Tensor = { data: panels, shape: [1, settings.length, nq, nk] };
    return showHeatmaps(m, {
      xlabel: 'Keys (sorted training inputs)',
      ylabel: 'Queries (validation inputs)',
      titles: settings.map((s) => s.name),
      figsize: [12, 3.6],
    });
  };

  return [
    { file: 'kernels.png', title: 'The four kernels of d2l 1.0 (its "Epanechikov" is the triangular kernel)', figure: shapes },
    { file: 'kernel-fits.png', title: 'Nadaraya–Watson regression with each kernel (w = 1)', figure: fits(kernels) },
    { file: 'kernel-weights.png', title: 'Attention weights of each kernel, one colour scale', figure: weights(kernels) },
    { file: 'width-fits.png', title: 'The Gaussian kernel at widths σ = 0.1, 0.2, 0.5, 1 (w = 1/σ)', figure: fits(widths) },
    { file: 'width-weights.png', title: 'Attention weights of the Gaussian at each width', figure: weights(widths) },
  ];
}
