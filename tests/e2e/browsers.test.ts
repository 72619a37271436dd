// Every browser engine a user runs: Chromium, Firefox ESR and WebKitGTK (Debian's, each through
// its own driver: tests/engines/browsers.ts), against dist/ served on 127.0.0.1. In each: the
// bundle against the float64 reference, the demo page drawing with no error, createWorkerPool
// bit for bit, and pages under a strict Content-Security-Policy. A screenshot of the demo page
// per engine goes to tests/.tmp/<engine>.png. (tests/e2e/browser.test.ts drives the demo page's
// controls in Chromium in more detail.)
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsBackend } from '../../src/backend/js/index.js';
import { KERNEL_NAMES } from '../../src/args/kernel.js';
import { chapterStart } from '../../src/chapter/runChapter.js';
import { optimalBandwidth } from '../../src/model/bandwidth.js';
import { NWKernelRegression } from '../../src/model/nwKernelRegression.js';
import { train } from '../../src/model/train.js';
import { ENGINES, launch, missing, type BrowserSession } from '../engines/browsers.js';
import { serveDist } from '../engines/server.js';

const tmp = join(__dirname, '..', '.tmp');
let base = '';
let closeServer: () => Promise<void> = async () => {};

beforeAll(async () => {
  mkdirSync(tmp, { recursive: true });
  const s = await serveDist(join(__dirname, '..', '..', 'dist'));
  base = s.base;
  closeServer = s.close;
});
afterAll(() => closeServer());

/** What the bundle computes in the page: the chapter's data through both backends. */
async function bundleInPage(): Promise<unknown> {
  // not `import()` itself: vitest would rewrite it before the function's source is sent
  const a = await new Function('return import("/browser/attnpool.js")')();
  const auto = await a.loadBackend();
  const wasm = await a.loadBackend('wasm');
  const start = a.chapterStart(0);
  const { xTrain, yTrain, xTest } = start.data;
  const arr = (t: { data: Float32Array }) => Array.from(t.data);
  const pools: Record<string, number[]> = {};
  const losses: Record<string, [number, number]> = {};
  for (const w of [1, 6.1]) {
    pools[`w=${w}`] = arr(wasm.attentionPool(xTest, xTrain, yTrain, w).yHat);
    pools[`weights w=${w}`] = arr(wasm.attentionPool(xTest, xTrain, yTrain, w, { weights: true }).weights);
    const l = wasm.attentionPoolLoss(xTrain, xTrain, yTrain, yTrain, w, { excludeSelf: true });
    losses[`w=${w}`] = [l.loss, l.grad];
  }
  for (const kernel of a.KERNEL_NAMES) {
    pools[kernel] = arr(wasm.attentionPool(xTest, xTrain, yTrain, 2.5, { kernel }).yHat);
    const l = wasm.attentionPoolLoss(xTrain, xTrain, yTrain, yTrain, 2.5, { kernel, excludeSelf: true });
    losses[kernel] = [l.loss, l.grad];
  }
  const model = new a.NWKernelRegression(wasm, { w: start.w0 });
  const trained = a.train(model, { queries: xTrain, keys: xTrain, values: yTrain, targets: yTrain, excludeSelf: true });
  // the plain-SIMD build, whose printout is the same in every engine
  const plain = new a.NWKernelRegression(await a.loadBackend('wasm', { relaxedSimd: false }), { w: start.w0 });
  const trainedPlain = a.train(plain, { queries: xTrain, keys: xTrain, values: yTrain, targets: yTrain, excludeSelf: true });
  const best = a.optimalBandwidth(xTrain, yTrain);
  return {
    features: wasm.features,
    trainingPlain: [...trainedPlain.losses, plain.w],
    auto: auto.name,
    fallbackReason: a.fallbackReason(),
    pools,
    losses,
    training: [...trained.losses, model.w],
    bandwidth: [best.w, best.loss],
    userAgent: navigator.userAgent,
  };
}

/** The same in Node, on the float64 JS backend: the reference. */
function reference() {
  const js = createJsBackend();
  const start = chapterStart(0);
  const { xTrain, yTrain, xTest } = start.data;
  const pools: Record<string, Float32Array> = {};
  const losses: Record<string, [number, number]> = {};
  for (const w of [1, 6.1]) {
    pools[`w=${w}`] = js.attentionPool(xTest, xTrain, yTrain, w).yHat.data;
    pools[`weights w=${w}`] = js.attentionPool(xTest, xTrain, yTrain, w, { weights: true }).weights!.data;
    const l = js.attentionPoolLoss(xTrain, xTrain, yTrain, yTrain, w, { excludeSelf: true });
    losses[`w=${w}`] = [l.loss, l.grad];
  }
  for (const kernel of KERNEL_NAMES) {
    pools[kernel] = js.attentionPool(xTest, xTrain, yTrain, 2.5, { kernel }).yHat.data;
    const l = js.attentionPoolLoss(xTrain, xTrain, yTrain, yTrain, 2.5, { kernel, excludeSelf: true });
    losses[kernel] = [l.loss, l.grad];
  }
  const model = new NWKernelRegression(js, { w: start.w0 });
  const trained = train(model, { queries: xTrain, keys: xTrain, values: yTrain, targets: yTrain, excludeSelf: true });
  const best = optimalBandwidth(xTrain, yTrain);
  return { pools, losses, training: [...trained.losses, model.w], bandwidth: [best.w, best.loss] };
}

/** A fingerprint of a canvas's pixels, and how many differ from the top-left one. */
function canvasPixels(id: string) {
  const c = document.getElementById(id) as HTMLCanvasElement;
  const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
  let h = 0;
  let inked = 0;
  for (let i = 0; i < d.length; i += 4) {
    h = (h * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) >>> 0;
    if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) inked++;
  }
  return { width: c.width, height: c.height, hash: h, inked };
}

const outDone = () => document.getElementById('out')?.dataset.done === 'true' || (document.getElementById('out')?.textContent ?? 'running…') !== 'running…';
const outText = () => document.getElementById('out')!.textContent;

describe.each(ENGINES)('%s', (engine) => {
  const absent = missing(engine);
  let browser: BrowserSession;

  beforeAll(async () => {
    if (!absent) browser = await launch(engine);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  it.skipIf(!!absent && !process.env.CI)(`is installed${absent ? ` (missing: ${absent})` : ''}`, () => {
    expect(absent).toBeNull();
    console.log(`${engine}: ${browser.version}`);
  });
  const test = it.skipIf(!!absent);

  test('runs the bundle on WASM, in agreement with the float64 reference', async () => {
    const page = await browser.open(`${base}/web/bundle-check.html`);
    await page.waitFor(outDone);
    expect(await page.evaluate(outText)).toBe('wasm 10,20');
    const got = (await page.evaluate(bundleInPage)) as ReturnType<typeof reference> & {
      auto: string;
      features: { simd: boolean; relaxedSimd: boolean; threads: number };
      trainingPlain: number[];
      fallbackReason: string | null;
      pools: Record<string, number[]>;
    };
    const want = reference();
    expect(got.auto).toBe('wasm');
    expect(got.fallbackReason).toBeNull();
    for (const [k, v] of Object.entries(want.pools)) {
      const err = Math.max(...Array.from(v, (x, i) => Math.abs(x - got.pools[k][i])));
      expect(got.pools[k], k).toHaveLength(v.length);
      expect(err, `${k}: max |wasm − reference|`).toBeLessThan(k.startsWith('weights') ? 1e-5 : 1e-4);
    }
    for (const [k, [loss, grad]] of Object.entries(want.losses)) {
      expect(Math.abs(got.losses[k][0] - loss) / loss, `${k} loss`).toBeLessThan(1e-5);
      expect(Math.abs(got.losses[k][1] - grad) / (Math.abs(grad) + 1), `${k} grad`).toBeLessThan(1e-4);
    }
    // the WASM kernels carry their own exp2: the chapter's printout is the same in every engine
    // on the plain-SIMD build (the relaxed one, Chromium's, agrees within rounding)
    expect(got.features).toMatchObject({ simd: true, threads: 1 });
    expect(got.trainingPlain.map((v: number) => v.toFixed(6))).toEqual(['64.103044', '24.969833', '18.930655', '18.871717', '18.826240', '6.145275']);
    for (const [i, v] of (got.training as number[]).entries()) expect(Math.abs(v - want.training[i]) / want.training[i]).toBeLessThan(1e-5);
    expect(got.bandwidth[0].toFixed(6)).toBe('5.341550');
    expect(Math.abs(got.bandwidth[0] - want.bandwidth[0]) / want.bandwidth[0]).toBeLessThan(1e-9);
    expect(await page.errors()).toEqual([]);
    await page.close();
  }, 120_000);

  test('draws the demo page with no console error, and the w slider redraws the heatmap', async () => {
    const page = await browser.open(`${base}/web/`);
    await page.waitFor(() => document.body.dataset.ready === 'true', undefined, 60_000);
    expect(await page.evaluate(() => [document.getElementById('backend')!.textContent, document.getElementById('reason')!.textContent])).toEqual(['wasm', '']);
    const before = await page.evaluate(canvasPixels, 'heatmap');
    expect(before.width).toBeGreaterThan(100);
    expect(before.inked).toBeGreaterThan(1000);
    await page.evaluate(() => {
      const w = document.getElementById('w') as HTMLInputElement;
      w.value = '12';
      w.dispatchEvent(new Event('input', { bubbles: true }));
    });
    const after = await page.evaluate(canvasPixels, 'heatmap');
    expect(after.hash).not.toBe(before.hash);
    // pooling in the page's own module worker (web/worker.ts)
    await page.evaluate(() => (document.getElementById('worker') as HTMLButtonElement).click());
    await page.waitFor(() => document.getElementById('workerResult')!.dataset.same !== undefined, undefined, 60_000);
    expect(await page.evaluate(() => document.getElementById('workerResult')!.dataset.same)).toBe('true');
    await page.screenshot(join(tmp, `${engine}.png`));
    expect(await page.errors()).toEqual([]);
    await page.close();
  }, 120_000);

  test('createWorkerPool gives the single-thread bits, loss and gradient included', async () => {
    const page = await browser.open(`${base}/web/pool-check.html?threads=2&n=4096`);
    await page.waitFor(outDone, undefined, 90_000);
    const text = await page.evaluate(outText);
    expect(text).not.toMatch(/^error/);
    expect(JSON.parse(text!)).toMatchObject({
      threads: 2,
      sameYHat: true,
      sameLoss: true,
      freshValues: true,
      sameNd: true,
      sameOut: true,
      closedRejects: true,
    });
    expect(await page.errors()).toEqual([]);
    await page.close();
  }, 120_000);

  /** csp-check.html under the CSP `csp`: what worked, and the page's errors. */
  async function cspCheck(
    csp: string,
    query = '',
  ): Promise<{ r: Record<string, unknown> & { pool?: { sameYHat: boolean; sameLoss: boolean } }; errors: string[] }> {
    const page = await browser.open(`${base}/csp/${csp}/web/csp-check.html${query}`);
    await page.waitFor(outDone, undefined, 60_000);
    const r = JSON.parse((await page.evaluate(outText))!);
    const errors = await page.errors();
    console.log(`${engine} csp ${csp}${query}: ${JSON.stringify(r)} ${errors.length ? `errors: ${JSON.stringify(errors)}` : ''}`);
    await page.close();
    return { r, errors };
  }

  // script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob: (what issue 18 asks for), and
  // worker-src 'self' alone (no blob: workers) with the workers' script from the page's origin
  for (const [csp, query] of [
    ['strict', ''],
    ['self', '?workerUrl'],
  ] as const) {
    test(`under the CSP "${csp}"${query ? ' with { workerUrl }' : ''}: WASM, and createWorkerPool bit for bit, no violation`, async () => {
      const { r, errors } = await cspCheck(csp, query);
      expect(r.backend).toBe('wasm');
      expect(r.pool, JSON.stringify(r)).toMatchObject({ sameYHat: true, sameLoss: true });
      expect(r.violations).toEqual([]);
      expect(errors).toEqual([]);
    }, 90_000);
  }

  test('under the CSP "self" without { workerUrl }: an AttnpoolError that names the directive and the way out', async () => {
    const { r } = await cspCheck('self');
    expect(r.backend).toBe('wasm');
    expect(r.poolError).toMatch(
      /^AttnpoolError.*createWorkerPool: the worker (could not be created|failed to start).*worker-src 'self' blob:.*attnpool-worker\.js.*workerUrl/,
    );
  }, 90_000);
});
