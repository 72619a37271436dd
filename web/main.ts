// The demo page: the chapter's data, the fit and its attention heatmap redrawn live as w or the
// kernel changes, local constant (attention pooling) or local linear, the best w by leave-one-out, training with a live loss curve, a WASM-vs-JS
// benchmark and pooling in a Web Worker.
import { fallbackReason, loadBackend } from '../src/backend/load.js';
import type { KernelName } from '../src/args/kernel.js';
import type { Backend } from '../src/backend/types.js';
import { runWorkloads } from '../src/bench/run.js';
import { markdownTable } from '../src/bench/table.js';
import { workloads } from '../src/bench/workloads.js';
import { chapterStart } from '../src/chapter/runChapter.js';
import { optimalBandwidth } from '../src/model/bandwidth.js';
import { syntheticData, type SyntheticData } from '../src/chapter/data.js';
import { NWKernelRegression } from '../src/model/nwKernelRegression.js';
import { kernelRegression } from '../src/regression/kernelRegression.js';
import { train } from '../src/model/train.js';
import { plotKernelReg, plotLoss, showHeatmaps, type Figure } from '../src/plot/index.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));

/** Draw a figure into a canvas at the device's pixel ratio, so it is sharp on HiDPI screens. */
function draw(canvas: HTMLCanvasElement, figure: Figure): void {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(figure.width * dpr);
  canvas.height = Math.round(figure.height * dpr);
  canvas.style.width = `${figure.width}px`;
  canvas.style.height = `${figure.height}px`;
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  figure.draw(ctx);
}

let backend: Backend;
let data: SyntheticData;

function readInputs(): { seed: number; n: number; w: number; kernel: KernelName; regression: 'lc' | 'll' } {
  const seed = Math.max(0, Math.floor(Number($<HTMLInputElement>('seed').value) || 0));
  const n = Math.min(5000, Math.max(2, Math.floor(Number($<HTMLInputElement>('n').value) || 50)));
  const regression = $<HTMLSelectElement>('regression').value === 'll' ? 'll' : 'lc';
  return { seed, n, w: Number($<HTMLInputElement>('w').value), kernel: $<HTMLSelectElement>('kernel').value as KernelName, regression };
}

function redraw(): void {
  const { w, kernel, regression } = readInputs();
  $('wValue').textContent = w.toFixed(1);
  const { yHat, weights } = backend.attentionPool(data.xTest, data.xTrain, data.yTrain, w, { weights: true, kernel });
  // Local linear: the same kernel weights, but a weighted line at each query instead of a
  // weighted mean, so the fit follows the trend up to both ends of the data (h = 1/w).
  const fit =
    regression === 'll' ? kernelRegression(data.xTrain, data.yTrain, { regression, kernel, bandwidth: 1 / w, backend }).predict(data.xTest) : yHat.data;
  $('fit').dataset.yHat = JSON.stringify(Array.from(fit));
  $('fitCaption').textContent = `Truth, ${regression === 'll' ? 'local-linear' : 'local-constant'} prediction and training points`;
  draw($('fit'), plotKernelReg(data.xTest, data.yTruth, { data: fit, shape: [fit.length] }, data.xTrain, data.yTrain));
  const [rows, cols] = weights!.shape;
  draw($('heatmap'), showHeatmaps({ data: weights!.data, shape: [1, 1, rows, cols] }, { xlabel: 'Sorted training inputs', ylabel: 'Sorted testing inputs' }));
}

function newData(): void {
  const { seed, n } = readInputs();
  data = syntheticData({ seed, nTrain: n });
  redraw();
}

async function onTrain(): Promise<void> {
  const { seed } = readInputs();
  const model = new NWKernelRegression(backend, { w: chapterStart(seed).w0, keepWeights: false });
  const trainingData = { queries: data.xTrain, keys: data.xTrain, values: data.yTrain, targets: data.yTrain, excludeSelf: true };
  const losses: number[] = [];
  for (let epoch = 1; epoch <= 5; epoch++) {
    // One epoch at a time, yielding a frame between them, so the curve grows as it trains.
    losses.push(train(model, trainingData, { epochs: 1 }).losses[0]);
    draw($('loss'), plotLoss(losses, { epochs: 5 }));
    await nextFrame();
  }
  $<HTMLInputElement>('w').value = String(Math.min(30, model.w));
  redraw();
  const out = $('trainResult');
  out.dataset.losses = JSON.stringify(losses);
  out.dataset.w = String(model.w);
  out.textContent = `${losses.map((l, k) => `epoch ${k + 1}, loss ${l.toFixed(6)}`).join(' · ')} → w = ${model.w.toFixed(4)}`;
}

/** The w minimising the leave-one-out error of the current data and kernel, put on the slider. */
function onBest(): void {
  const { kernel } = readInputs();
  const out = $('bestResult');
  if (kernel === 'constant') {
    out.textContent = 'the constant kernel does not depend on w';
    return;
  }
  const best = optimalBandwidth(data.xTrain, data.yTrain, { kernel });
  out.dataset.w = String(best.w);
  out.textContent = `${kernel}: leave-one-out optimum w = ${best.w.toFixed(4)} (loss ${best.loss.toFixed(4)}; ${best.localMinima.length} local minima; nearest neighbour ${best.lossAtInfinity.toFixed(4)})`;
  $<HTMLInputElement>('w').value = String(Math.min(30, best.w));
  redraw();
}

async function onBench(): Promise<void> {
  const out = $('benchResult');
  out.textContent = 'running…';
  const wasm = backend.name === 'wasm' ? backend : await loadBackend('wasm');
  const js = await loadBackend('js');
  // Pages that are not cross-origin isolated get a clock rounded to 0.1 ms: time batches of >= 5 ms.
  const results = await runWorkloads(
    workloads(0.125),
    { wasm, js },
    { rounds: 2, timePerRound: 100, iterationsPerRound: 1, minSampleMs: 5, onProgress: (m) => (out.textContent = m) },
  );
  const rows = results
    .map((r) => `<tr><td>${r.id}</td><td>${r.wasm.medianMs.toPrecision(3)}</td><td>${r.js.medianMs.toPrecision(3)}</td><td>${r.ratio.toFixed(1)}×</td></tr>`)
    .join('');
  out.dataset.ratios = JSON.stringify(results.map((r) => r.ratio));
  out.innerHTML = `<table><tr><th>workload</th><th>wasm ms</th><th>js ms</th><th>t_js / t_wasm</th></tr>${rows}</table>`;
  out.dataset.markdown = markdownTable(results);
}

let worker: Worker | null = null;

function onWorker(): void {
  worker ??= new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const { w } = readInputs();
  const started = performance.now();
  const out = $('workerResult');
  out.textContent = 'pooling in the worker…';
  worker.onmessage = (e: MessageEvent<{ yHat: Float32Array; backend: string }>) => {
    const main = backend.attentionPool(data.xTest, data.xTrain, data.yTrain, w).yHat.data;
    const same = e.data.yHat.length === main.length && e.data.yHat.every((y, i) => y === main[i]);
    out.dataset.same = String(same);
    out.textContent = `worker (${e.data.backend}) pooled ${e.data.yHat.length} queries in ${(performance.now() - started).toFixed(1)} ms; ${same ? 'identical to' : 'DIFFERENT from'} the main thread's result`;
  };
  worker.postMessage({ q: data.xTest.data, k: data.xTrain.data, v: data.yTrain.data, w });
}

async function main(): Promise<void> {
  // The figures use DejaVu Sans, as the PNGs do; it is served next to the page.
  const font = new FontFace('DejaVu Sans', 'url(DejaVuSans.ttf)');
  document.fonts.add(await font.load());
  backend = await loadBackend();
  $('backend').textContent = backend.name;
  const why = fallbackReason();
  if (why) $('reason').textContent = `(fell back to JS: ${why})`;
  for (const id of ['seed', 'n']) $(id).addEventListener('change', newData);
  $('w').addEventListener('input', redraw);
  $('kernel').addEventListener('change', redraw);
  $('regression').addEventListener('change', redraw);
  $('best').addEventListener('click', onBest);
  $('train').addEventListener('click', () => void onTrain());
  $('bench').addEventListener('click', () => void onBench());
  $('worker').addEventListener('click', onWorker);
  newData();
  document.body.dataset.ready = 'true';
}

main().catch((err) => {
  $('backend').textContent = 'error';
  $('reason').textContent = String(err);
  throw err;
});
