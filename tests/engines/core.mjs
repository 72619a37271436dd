// The core checks of attnpool under whatever runtime runs this file: Node (any version), Bun or
// Deno. It imports the BUILT package (dist/, or the package directory given as the first
// argument) and never vitest, so it runs where vitest does not. It prints one JSON line:
//   { runtime, version, checks: { <name>: { ok, ms, ...details } or { ok: false, error } } }
// and exits 0 even when checks fail (tests/e2e/engines.test.ts reads the line and asserts).
//
//   node tests/engines/core.mjs [packageDir]
//   bun tests/engines/core.mjs [packageDir]
//   deno run -A tests/engines/core.mjs [packageDir]
//
// ATTNPOOL_CORE_ONLY=name,name runs only those checks; ATTNPOOL_CORE_SKIP=name,name skips some.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const pkg = resolve(process.argv[2] ?? join(here, '..', '..'));
const api = await import(pathToFileURL(join(pkg, 'dist', 'index.js')).href);
const nodeApi = await import(pathToFileURL(join(pkg, 'dist', 'node.js')).href);
const cli = join(pkg, 'dist', 'cli', 'main.js');

/** Which runtime this is, its version, and how to start it again on another script. */
function runtime() {
  if (typeof globalThis.Deno !== 'undefined') {
    return { runtime: 'deno', version: globalThis.Deno.version.deno, argv: [globalThis.Deno.execPath(), 'run', '-A'] };
  }
  if (typeof globalThis.Bun !== 'undefined') return { runtime: 'bun', version: globalThis.Bun.version, argv: [process.execPath] };
  return { runtime: 'node', version: process.versions.node, argv: [process.execPath] };
}
const rt = runtime();

const only = process.env.ATTNPOOL_CORE_ONLY?.split(',').filter(Boolean);
const skip = process.env.ATTNPOOL_CORE_SKIP?.split(',').filter(Boolean) ?? [];
const checks = {};
/** Runs one check; a thrown error or a false `ok` marks it failed, with what was seen. */
async function check(name, fn) {
  if ((only && !only.includes(name)) || skip.includes(name)) return;
  const t0 = performance.now();
  try {
    const r = (await fn()) ?? {};
    checks[name] = { ok: r.ok ?? true, ms: Math.round(performance.now() - t0), ...r };
  } catch (err) {
    checks[name] = { ok: false, ms: Math.round(performance.now() - t0), error: `${err?.name ?? 'Error'}: ${err?.message ?? String(err)}`.slice(0, 2000) };
  }
}

// ---- helpers -------------------------------------------------------------------------------

const maxAbs = (a, b) => {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const rel = (a, b) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
const sameBits = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
/** mulberry32, as tests/reference.ts */
function uniform(n, lo, hi, seed) {
  let a = seed >>> 0;
  const r = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}
const failures = [];
/** Records a failed comparison (the check's result carries them all). */
function expectLE(what, got, limit) {
  if (!(got <= limit)) failures.push(`${what}: ${got} > ${limit}`);
  return got;
}

// ---- checks --------------------------------------------------------------------------------

await check('auto', async () => {
  const be = await api.loadBackend();
  return { ok: be.name === 'wasm' && api.fallbackReason() === null, backend: be.name, fallbackReason: api.fallbackReason() };
});

await check('reference', async () => {
  failures.length = 0;
  const wasm = await api.loadBackend('wasm');
  const js = await api.loadBackend('js');
  const { xTrain, yTrain, xTest } = api.syntheticData({ seed: 0 });
  const out = {};
  for (const w of [1, 6.1]) {
    const a = wasm.attentionPool(xTest, xTrain, yTrain, w, { weights: true });
    const b = js.attentionPool(xTest, xTrain, yTrain, w, { weights: true });
    out[`pool w=${w}`] = expectLE(`pool w=${w} yHat`, maxAbs(a.yHat.data, b.yHat.data), 1e-4);
    out[`weights w=${w}`] = expectLE(`pool w=${w} weights`, maxAbs(a.weights.data, b.weights.data), 1e-5);
    const la = wasm.attentionPoolLoss(xTrain, xTrain, yTrain, yTrain, w, { excludeSelf: true });
    const lb = js.attentionPoolLoss(xTrain, xTrain, yTrain, yTrain, w, { excludeSelf: true });
    out[`loss w=${w}`] = expectLE(`excludeSelf loss w=${w}`, rel(la.loss, lb.loss), 1e-5);
    out[`grad w=${w}`] = expectLE(`excludeSelf grad w=${w}`, Math.abs(la.grad - lb.grad) / (Math.abs(lb.grad) + 1), 1e-4);
  }
  for (const kernel of api.KERNEL_NAMES) {
    const w = 2.5;
    const a = wasm.attentionPool(xTest, xTrain, yTrain, w, { kernel });
    const b = js.attentionPool(xTest, xTrain, yTrain, w, { kernel });
    out[`pool ${kernel}`] = expectLE(`pool ${kernel}`, maxAbs(a.yHat.data, b.yHat.data), 1e-4);
    const la = wasm.attentionPoolLoss(xTrain, xTrain, yTrain, yTrain, w, { kernel, excludeSelf: true });
    const lb = js.attentionPoolLoss(xTrain, xTrain, yTrain, yTrain, w, { kernel, excludeSelf: true });
    out[`loss ${kernel}`] = expectLE(`loss ${kernel}`, rel(la.loss, lb.loss), 1e-5);
    out[`grad ${kernel}`] = expectLE(`grad ${kernel}`, Math.abs(la.grad - lb.grad) / (Math.abs(lb.grad) + 1), 1e-4);
  }
  // scores, softmax and bmm on a small case
  const q = api.tensor([0.5, 1.5, 3]);
  const k = api.tensor([0, 1, 2, 4]);
  out.scores = expectLE('gaussianScores', maxAbs(wasm.gaussianScores(q, k, 1.7).data, js.gaussianScores(q, k, 1.7).data), 1e-5);
  const s = js.gaussianScores(q, k, 1.7);
  out.softmax = expectLE('softmax', maxAbs(wasm.softmax(s).data, js.softmax(s).data), 1e-6);
  const A = api.tensor(Array.from(uniform(2 * 3 * 5, -1, 1, 3)), [2, 3, 5]);
  const B = api.tensor(Array.from(uniform(2 * 5 * 4, -1, 1, 4)), [2, 5, 4]);
  out.bmm = expectLE('bmm', maxAbs(wasm.bmm(A, B).data, js.bmm(A, B).data), 1e-5);
  // the fast Gauss transform against dense float64
  const xs = uniform(4096, 0, 5, 11);
  const ys = Float32Array.from(xs, (x) => 2 * Math.sin(x) + x);
  const fast = wasm.attentionPool(xs, xs, ys, 3, { method: 'fast' });
  const dense = js.attentionPool(xs, xs, ys, 3, { method: 'dense' });
  out.fast = expectLE('fast vs dense', maxAbs(fast.yHat.data, dense.yHat.data), 1e-4);
  // two features: the d-dimensional fast path (exact sums over cells in f64x2, where the engine
  // compiles the module synchronously) against dense float64
  const x2 = api.tensor(uniform(2 * 2048, 0, 1, 12), [2048, 2]);
  const y2 = Float32Array.from({ length: 2048 }, (_, i) => Math.sin(6 * x2.data[2 * i]) + x2.data[2 * i + 1]);
  const fast2 = wasm.attentionPool(x2, x2, y2, [40, 30], { method: 'fast', excludeSelf: true });
  const dense2 = js.attentionPool(x2, x2, y2, [40, 30], { method: 'dense', excludeSelf: true });
  out.fastNd = expectLE('fast d = 2 vs dense', maxAbs(fast2.yHat.data, dense2.yHat.data), 1e-6);
  return { ok: failures.length === 0, failures: [...failures], maxErrors: out };
});

await check('threads', async () => {
  const one = await api.loadBackend('wasm');
  const be = await api.loadBackend('wasm', { threads: 2 });
  try {
    const n = 1024; // 2^20 pairs: above the 2^18 below which a call stays on the caller's thread
    const x = uniform(n, 0, 5, 7);
    const y = Float32Array.from(x, (v) => 2 * Math.sin(v) + v ** 0.8);
    const opts = { method: 'dense' };
    const t0 = performance.now();
    const p = be.attentionPool(x, x, y, 3, opts);
    const tThreads = performance.now() - t0;
    const r = one.attentionPool(x, x, y, 3, opts);
    const l = be.attentionPoolLoss(x, x, y, y, 3, { ...opts, excludeSelf: true });
    const rl = one.attentionPoolLoss(x, x, y, y, 3, { ...opts, excludeSelf: true });
    const y2 = y.map((v) => -v); // same keys, new values: no stale copy in the workers
    const again = be.attentionPool(x, x, y2, 3, opts);
    const res = {
      threads: be.threads,
      sameYHat: sameBits(p.yHat.data, r.yHat.data),
      sameLoss: l.loss === rl.loss && l.grad === rl.grad && sameBits(l.yHat.data, rl.yHat.data),
      freshValues: sameBits(again.yHat.data, one.attentionPool(x, x, y2, 3, opts).yHat.data),
      tThreadsMs: Math.round(tThreads),
    };
    return { ok: res.threads === 2 && res.sameYHat && res.sameLoss && res.freshValues, ...res };
  } finally {
    await be.close();
  }
});

await check('autoThreads', async () => {
  // 'auto' with threads must not throw; it says on the console when it falls back to one thread
  const warnings = [];
  const warn = console.warn;
  console.warn = (...a) => warnings.push(a.join(' '));
  try {
    const be = await api.loadBackend('auto', { threads: 2 });
    const threads = be.threads ?? 1;
    await be.close();
    return { ok: be.name === 'wasm' && threads === 2, backend: be.name, threads, warnings };
  } finally {
    console.warn = warn;
  }
});

await check('workerPool', async () => {
  // createWorkerPool: Web Workers, where the engine has them (Deno and Bun do; Node does not)
  if (typeof globalThis.Worker !== 'function') return { ok: true, skipped: 'no global Worker' };
  const pool = await api.createWorkerPool(2);
  try {
    const one = await api.loadBackend('wasm');
    const n = 1024;
    const x = uniform(n, 0, 5, 9);
    const y = Float32Array.from(x, (v) => Math.cos(v) + v);
    const p = await pool.attentionPool(x, x, y, 3, { method: 'dense' });
    const l = await pool.attentionPoolLoss(x, x, y, y, 3, { method: 'dense', excludeSelf: true });
    const r = one.attentionPool(x, x, y, 3, { method: 'dense' });
    const rl = one.attentionPoolLoss(x, x, y, y, 3, { method: 'dense', excludeSelf: true });
    const res = { threads: pool.threads, sameYHat: sameBits(p.yHat.data, r.yHat.data), sameLoss: l.loss === rl.loss && l.grad === rl.grad };
    return { ok: res.sameYHat && res.sameLoss, ...res };
  } finally {
    pool.close();
  }
});

await check('training', async () => {
  // as `attnpool train` does: the chapter's start for seed 0, five epochs, WASM
  const start = api.chapterStart(0);
  const d = start.data;
  const run = async (options) => {
    const model = new api.NWKernelRegression(await api.loadBackend('wasm', options), { w: start.w0, keepWeights: false });
    const { losses } = api.train(model, { queries: d.xTrain, keys: d.xTrain, values: d.yTrain, targets: d.yTrain, excludeSelf: true });
    return { losses, w: model.w, printed: [...losses.map((l) => l.toFixed(6)), model.w.toFixed(6)] };
  };
  // README's printout (Node 20): the plain-SIMD build's own exp2 makes it the same on every
  // engine; the relaxed-SIMD build (fused multiply-adds) only agrees with it within rounding
  const readme = ['64.103044', '24.969833', '18.930655', '18.871717', '18.826240', '6.145275'];
  const auto = await run(undefined);
  const plain = await run({ relaxedSimd: false });
  const js = new api.NWKernelRegression(await api.loadBackend('js'), { w: start.w0, keepWeights: false });
  const ref = api.train(js, { queries: d.xTrain, keys: d.xTrain, values: d.yTrain, targets: d.yTrain, excludeSelf: true });
  const maxRel = Math.max(...[auto, plain].flatMap((r) => [...r.losses.map((l, i) => rel(l, ref.losses[i])), rel(r.w, js.w)]));
  return { ok: plain.printed.join() === readme.join() && maxRel < 1e-5, printed: auto.printed, plain: plain.printed, maxRelVsJs: maxRel };
});

await check('bandwidth', async () => {
  const { xTrain, yTrain } = api.syntheticData({ seed: 0 });
  const b = api.optimalBandwidth(xTrain, yTrain);
  // README: w* 5.341550, L 18.692474 (float64; Math.exp may differ by an ulp between engines)
  return { ok: b.w.toFixed(6) === '5.341550' && b.loss.toFixed(6) === '18.692474', w: b.w, loss: b.loss, minima: b.localMinima?.length };
});

await check('savePNG', async () => {
  // the library's own PNG writer (node-canvas), and its error for a missing directory
  const dir = mkdtempSync(join(tmpdir(), 'attnpool-core-png-'));
  try {
    const { xTrain, yTrain, xTest, yTruth } = api.syntheticData({ seed: 1 });
    const be = await api.loadBackend();
    const y = be.attentionPool(xTest, xTrain, yTrain, 1).yHat;
    await nodeApi.savePNG(api.plotKernelReg(xTest, yTruth, y, xTrain, yTrain), join(dir, 'fit.png'));
    const png = readFileSync(join(dir, 'fit.png')).subarray(0, 8);
    const missing = await nodeApi.savePNG(api.plotKernelReg(xTest, yTruth, y, xTrain, yTrain), join(dir, 'nope', 'fit.png')).then(
      () => 'no error',
      (e) => `${e.code}: ${e.message}`,
    );
    return { ok: png.toString('latin1') === '\x89PNG\r\n\x1a\n' && /E_VALUE: .*does not exist/.test(missing), missing };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Runs the CLI under this same runtime. */
function runCli(args, timeout) {
  const [cmd, ...pre] = rt.argv;
  const r = spawnSync(cmd, [...pre, cli, ...args], { encoding: 'utf8', timeout, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error?.message };
}
const tail = (s, n = 600) => (s.length > n ? `…${s.slice(-n)}` : s);

await check('figures', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'attnpool-core-figures-'));
  try {
    const r = runCli(['figures', '--out', dir], 120_000);
    const files = readdirSync(dir).sort();
    const pngs = files.filter((f) => f.endsWith('.png'));
    const bad = pngs.filter((f) => readFileSync(join(dir, f)).subarray(0, 8).toString('latin1') !== '\x89PNG\r\n\x1a\n');
    const wrote = /wrote (\d+) figures/.exec(r.stdout);
    const ok = r.status === 0 && files.includes('index.html') && pngs.length >= 8 && bad.length === 0 && Number(wrote?.[1]) === pngs.length;
    return { ok, status: r.status, pngs: pngs.length, bad, ...(ok ? {} : { stdout: tail(r.stdout), stderr: tail(r.stderr), spawnError: r.error }) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

await check('bench', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'attnpool-core-bench-'));
  try {
    const json = join(dir, 'bench.json');
    const scale = process.env.ATTNPOOL_CORE_BENCH_SCALE ?? '0.01';
    const r = runCli(['bench', '--quick', '--scale', scale, '--json', json], 300_000);
    let report = null;
    try {
      report = JSON.parse(readFileSync(json, 'utf8'));
    } catch {}
    const rows = report ? report.results.length : 0;
    const threadRows = report ? report.beyondDense.threads.length : 0;
    const groups = new Set(report ? report.results.map((x) => x.group) : []);
    const everyGroup = ['W1', 'W2', 'W3', 'W4', 'W5', 'W8'].every((g) => groups.has(g));
    const ok = r.status === 0 && everyGroup && threadRows > 0 && /\| W1 pool/.test(r.stdout) && /W7 threads/.test(r.stdout);
    return { ok, status: r.status, signal: r.signal, rows, threadRows, ...(ok ? {} : { stdout: tail(r.stdout), stderr: tail(r.stderr), spawnError: r.error }) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const { argv: _argv, ...who } = rt;
process.stdout.write(`${JSON.stringify({ ...who, checks })}\n`);
// worker threads or Web Workers left behind must not keep the process alive
process.exit(0);
