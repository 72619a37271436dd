// The demo page and the bundle in a real browser: Debian's Chromium driven by playwright-core,
// against dist/ served on 127.0.0.1 (an ephemeral port).
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import sirv from 'sirv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsBackend } from '../../src/backend/js/index.js';
import { loadWasmBackend } from '../../src/backend/wasm/index.js';
import { chapterStart } from '../../src/chapter/runChapter.js';
import { optimalBandwidth } from '../../src/model/bandwidth.js';
import { syntheticData } from '../../src/chapter/data.js';
import { NWKernelRegression } from '../../src/model/nwKernelRegression.js';
import { train } from '../../src/model/train.js';
import { kernelRegression } from '../../src/regression/kernelRegression.js';
import { workloads } from '../../src/bench/workloads.js';

let server: Server;
let strictServer: Server;
let noBlobServer: Server;
let browser: Browser;
let page: Page;
let base = '';
let strictBase = '';
let noBlobBase = '';

/** The policy a careful page sets: scripts only from itself (and WebAssembly), workers from itself or blobs. */
const STRICT_CSP = "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:";
/** A stricter one still: workers only from the page's own origin, no blob: URLs. */
const NO_BLOB_CSP = "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'";

/** dist/ over HTTP on an ephemeral port of 127.0.0.1, with extra response headers. */
async function serve(headers: Record<string, string> = {}): Promise<{ server: Server; base: string }> {
  const files = sirv(join(__dirname, '..', '..', 'dist'), {
    dev: true,
    setHeaders: (res) => {
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    },
  });
  const server = createServer(files);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
const consoleErrors: string[] = [];

beforeAll(async () => {
  ({ server, base } = await serve());
  ({ server: strictServer, base: strictBase } = await serve({ 'Content-Security-Policy': STRICT_CSP }));
  ({ server: noBlobServer, base: noBlobBase } = await serve({ 'Content-Security-Policy': NO_BLOB_CSP }));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(`${base}/web/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await new Promise((resolve) => strictServer?.close(resolve));
  await new Promise((resolve) => noBlobServer?.close(resolve));
});

/** A fingerprint of a canvas's pixels. */
const pixels = (id: string) =>
  page.evaluate((canvasId) => {
    const c = document.getElementById(canvasId) as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let h = 0;
    for (let i = 0; i < d.length; i += 4) h = (h * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) >>> 0;
    return { width: c.width, height: c.height, hash: h };
  }, id);

describe('the demo page in Chromium', () => {
  it('loads without console errors and runs on the WASM backend', async () => {
    expect(await page.textContent('#backend')).toBe('wasm');
    expect(await page.textContent('#reason')).toBe('');
    expect(consoleErrors).toEqual([]);
  });

  it('draws the fit and the heatmap, and moving the w slider changes the heatmap', async () => {
    const before = await pixels('heatmap');
    expect(before.width).toBeGreaterThan(100);
    await page.fill('#w', '12');
    await page.dispatchEvent('#w', 'input');
    const after = await pixels('heatmap');
    expect(after.hash).not.toBe(before.hash);
    expect(await page.textContent('#wValue')).toBe('12.0');
  });

  it('trains to the same losses as Node on the same seed (1e-5 relative)', async () => {
    await page.fill('#seed', '3');
    await page.dispatchEvent('#seed', 'change');
    await page.click('#train');
    await page.waitForSelector('#trainResult[data-losses]', { timeout: 30_000 });
    const losses: number[] = JSON.parse((await page.getAttribute('#trainResult', 'data-losses'))!);
    const d = syntheticData({ seed: 3 });
    const model = new NWKernelRegression(await loadWasmBackend(), { w: chapterStart(3).w0 });
    const node = train(model, { queries: d.xTrain, keys: d.xTrain, values: d.yTrain, targets: d.yTrain, excludeSelf: true });
    expect(losses).toHaveLength(5);
    losses.forEach((l, k) => {
      expect(Math.abs(l - node.losses[k]) / node.losses[k]).toBeLessThan(1e-5);
    });
    const reference = train(new NWKernelRegression(createJsBackend(), { w: chapterStart(3).w0 }), {
      queries: d.xTrain,
      keys: d.xTrain,
      values: d.yTrain,
      targets: d.yTrain,
      excludeSelf: true,
    });
    losses.forEach((l, k) => {
      expect(Math.abs(l - reference.losses[k]) / reference.losses[k]).toBeLessThan(1e-5);
    });
  });

  it('pools in a Web Worker with the same ŷ as the main thread, the page staying responsive', async () => {
    await page.click('#worker');
    await page.waitForSelector('#workerResult[data-same]', { timeout: 30_000 });
    expect(await page.getAttribute('#workerResult', 'data-same')).toBe('true');
    expect(await page.textContent('#workerResult')).toMatch(/worker \(wasm\) pooled 50 queries/);
  });

  it('switches the kernel and finds the best w, as optimalBandwidth does in Node', async () => {
    const before = await pixels('heatmap');
    await page.selectOption('#kernel', 'epanechnikov');
    expect(await pixels('heatmap')).not.toEqual(before);
    await page.click('#best');
    await page.waitForSelector('#bestResult[data-w]');
    const w = Number(await page.getAttribute('#bestResult', 'data-w'));
    const d = syntheticData({ seed: 3, nTrain: 50 });
    expect(w).toBe(optimalBandwidth(d.xTrain, d.yTrain, { kernel: 'epanechnikov' }).w);
    expect(Number(await page.inputValue('#w'))).toBeCloseTo(Math.min(30, w), 1);
    await page.selectOption('#kernel', 'gaussian');
  });

  it('switches to local linear: the fit changes at the boundary (the bias goes) and hardly inside, as kernelRegression in Node', async () => {
    await page.fill('#w', '1');
    await page.dispatchEvent('#w', 'input');
    const fitOf = async () => JSON.parse((await page.getAttribute('#fit', 'data-y-hat'))!) as number[];
    const lc = await fitOf();
    const before = await pixels('fit');
    await page.selectOption('#regression', 'll');
    const ll = await fitOf();
    expect(await pixels('fit')).not.toEqual(before);
    expect(await page.textContent('#fitCaption')).toMatch(/local-linear/);
    const d = syntheticData({ seed: 3, nTrain: 50 });
    const nodeLc = kernelRegression(d.xTrain, d.yTrain, { bandwidth: 1 }).predict(d.xTest);
    const nodeLl = kernelRegression(d.xTrain, d.yTrain, { regression: 'll', bandwidth: 1 }).predict(d.xTest);
    expect(ll).toHaveLength(nodeLl.length);
    ll.forEach((v, i) => {
      expect(Math.abs(v - nodeLl[i])).toBeLessThan(1e-4);
      expect(Math.abs(lc[i] - nodeLc[i])).toBeLessThan(1e-4);
    });
    // x = 0, the left end: the truth is 0, local constant is pulled up to about 2.2 by the
    // points on its right; local linear is within a third of that
    const truth = d.yTruth.data;
    expect(Math.abs(ll[0] - lc[0])).toBeGreaterThan(1);
    expect(Math.abs(ll[0] - truth[0])).toBeLessThan(Math.abs(lc[0] - truth[0]) / 3);
    expect(Math.abs(ll[25] - lc[25])).toBeLessThan(0.1);
    await page.selectOption('#regression', 'lc');
    expect(await fitOf()).toEqual(lc);
  });

  it('benchmarks WASM against JS in the page', async () => {
    await page.click('#bench');
    await page.waitForSelector('#benchResult[data-markdown]', { timeout: 120_000 });
    const rows = await page.$$eval('#benchResult tr', (trs) => trs.length);
    expect(rows).toBe(1 + workloads(0.125).length); // a header and one row per workload (the page runs them at scale 1/8)
    // The clock is coarse in a page; batching must still give a finite, positive ratio for each.
    const ratios: number[] = JSON.parse((await page.getAttribute('#benchResult', 'data-ratios'))!);
    for (const r of ratios) expect(Number.isFinite(r) && r > 0, `ratios ${JSON.stringify(ratios)}`).toBe(true);
  }, 150_000);

  it('writes a screenshot for the record, with no console errors after all of it', async () => {
    const dir = join(__dirname, '..', '.tmp');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, 'page.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });
});

describe('the browser bundle', () => {
  it('works from a plain <script type="module"> with no import map', async () => {
    const p = await browser.newPage();
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(String(e)));
    await p.goto(`${base}/web/bundle-check.html`);
    await p.waitForFunction(() => document.getElementById('out')!.textContent !== 'running…', null, { timeout: 30_000 });
    expect(await p.textContent('#out')).toBe('wasm 10,20');
    expect(errors).toEqual([]);
    await p.close();
  });
});

describe('createWorkerPool in Chromium', () => {
  it('splits pooling over Web Workers with the single-thread bits, loss and gradient included', async () => {
    const p = await browser.newPage();
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(String(e)));
    await p.goto(`${base}/web/pool-check.html?threads=2&n=16384`);
    await p.waitForFunction(() => document.getElementById('out')!.textContent !== 'running…', null, { timeout: 60_000 });
    const text = (await p.textContent('#out'))!;
    expect(text).not.toMatch(/^error/);
    const r = JSON.parse(text);
    expect(errors).toEqual([]);
    expect(r).toMatchObject({ threads: 2, sameYHat: true, sameLoss: true, freshValues: true, sameNd: true, sameOut: true, closedRejects: true });
    console.log(`worker pool in Chromium, n = 16384: one thread ${r.tOneMs.toFixed(1)} ms, 2 workers ${r.tPoolMs.toFixed(1)} ms`);
    await p.close();
  }, 90_000);
});

describe(`under a strict Content-Security-Policy (${STRICT_CSP})`, () => {
  /** Opens a page of the strict server, recording CSP violations and errors; resolves when `ready` holds. */
  async function strictPage(path: string, ready: () => boolean) {
    const p = await browser.newPage();
    const problems: string[] = [];
    p.on('pageerror', (e) => problems.push(String(e)));
    p.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await p.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
    });
    const response = await p.goto(`${strictBase}${path}`);
    expect(response?.headers()['content-security-policy']).toBe(STRICT_CSP);
    await p.waitForFunction(ready, null, { timeout: 60_000 });
    return { p, problems };
  }

  it('is enforced on these pages: an inline script is refused and reported (so silence below means no violation)', async () => {
    const { p, problems } = await strictPage('/web/bundle-check.html', () => document.getElementById('out')?.textContent !== 'running…');
    expect(await p.textContent('#out')).toBe('wasm 10,20');
    await p.addScriptTag({ content: 'window.inlineRan = true;' }).catch(() => {});
    expect(await p.evaluate(() => (window as unknown as { inlineRan?: boolean }).inlineRan)).toBeUndefined();
    await expect.poll(() => problems.join('\n')).toMatch(/CSP violation: script-src/);
    await p.close();
  });

  it('the demo page loads, draws, trains and pools in its worker with no violation', async () => {
    const { p, problems } = await strictPage('/web/', () => document.body.dataset.ready === 'true');
    expect(await p.textContent('#backend')).toBe('wasm');
    await p.click('#train');
    await p.waitForSelector('#trainResult[data-losses]', { timeout: 30_000 });
    await p.click('#worker');
    await p.waitForSelector('#workerResult[data-same]', { timeout: 30_000 });
    expect(await p.getAttribute('#workerResult', 'data-same')).toBe('true');
    expect(problems).toEqual([]);
    await p.close();
  });

  it('createWorkerPool splits calls over blob workers with the single-thread bits and no violation', async () => {
    const { p, problems } = await strictPage('/web/pool-check.html?threads=2&n=2048', () => document.getElementById('out')?.textContent !== 'running…');
    const text = (await p.textContent('#out')) as string;
    expect(text).not.toMatch(/^error/);
    expect(JSON.parse(text)).toMatchObject({ threads: 2, sameYHat: true, sameLoss: true, freshValues: true, sameNd: true, sameOut: true, closedRejects: true });
    expect(problems).toEqual([]);
    await p.close();
  }, 90_000);
});

describe(`under a Content-Security-Policy without blob: workers (${NO_BLOB_CSP})`, () => {
  async function poolCheck(query: string): Promise<string> {
    const p = await browser.newPage();
    await p.goto(`${noBlobBase}/web/pool-check.html?threads=2&n=2048${query}`);
    await p.waitForFunction(() => document.getElementById('out')?.textContent !== 'running…', null, { timeout: 60_000 });
    const text = (await p.textContent('#out')) as string;
    await p.close();
    return text;
  }

  it('createWorkerPool fails with an error that names the directive and the way out', async () => {
    const text = await poolCheck('');
    expect(text).toMatch(
      /^error: .*AttnpoolError: createWorkerPool: the worker failed to start.*worker-src 'self' blob:.*dist\/browser\/attnpool-worker\.js.*workerUrl/,
    );
  });

  it("with { workerUrl } (the package's dist/browser/attnpool-worker.js) it splits calls with the single-thread bits", async () => {
    const text = await poolCheck('&workerUrl=../browser/attnpool-worker.js');
    expect(text).not.toMatch(/^error/);
    expect(JSON.parse(text)).toMatchObject({ threads: 2, sameYHat: true, sameLoss: true, freshValues: true, sameNd: true, sameOut: true, closedRejects: true });
  }, 90_000);
});
