// The script of pool-check.html, a file of its own so that the page runs under a strict
// Content-Security-Policy (no inline script): served from dist/web/ next to the bundle.
import { createWorkerPool, loadBackend } from '../browser/attnpool.js';
window.onerror = window.onunhandledrejection = (e) => {
  document.getElementById('out').textContent = `error: ${e.reason?.message ?? e.message ?? e}`;
};
const threads = Number(new URLSearchParams(location.search).get('threads') ?? 2);
const n = Number(new URLSearchParams(location.search).get('n') ?? 4096);
const one = await loadBackend('wasm');
const workerUrl = new URLSearchParams(location.search).get('workerUrl');
const pool = await createWorkerPool(threads, workerUrl ? { workerUrl } : undefined);
let seed = 7;
const rand = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 32;
};
const x = Float32Array.from({ length: n }, () => 5 * rand());
const y = Float32Array.from(x, (v) => 2 * Math.sin(v) + v ** 0.8 + rand() - 0.5);
const same = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
const opts = { method: 'dense' };
const pooled = await pool.attentionPool(x, x, y, 3, opts);
const loss = await pool.attentionPoolLoss(x, x, y, y, 3, { ...opts, excludeSelf: true });
const ref = one.attentionPool(x, x, y, 3, opts);
const refLoss = one.attentionPoolLoss(x, x, y, y, 3, { ...opts, excludeSelf: true });
// again with other values but the same keys: the workers must not serve stale values
const y2 = y.map((v) => -v);
const again = await pool.attentionPool(x, x, y2, 3, opts);
const time = async (f) => {
  const t = [];
  for (let i = 0; i < 5; i++) {
    const s = performance.now();
    await f();
    t.push(performance.now() - s);
  }
  return t.sort((a, b) => a - b)[2];
};
// d features, two value columns and a w per feature: split as one thread computes it (dense on
// both sides: 'auto' may take the d-dimensional fast path on one thread and not on the pool)
const x2 = { data: Float32Array.from({ length: 2 * n }, () => 5 * rand()), shape: [n, 2] };
const v2 = { data: Float32Array.from({ length: 2 * n }, () => rand()), shape: [n, 2] };
const w2 = [2.5, 0.7];
const pooledNd = await pool.attentionPool(x2, x2, v2, w2, { ...opts, excludeSelf: true });
const lossNd = await pool.attentionPoolLoss(x2, x2, v2, v2, w2, { ...opts, excludeSelf: true });
const refNd = one.attentionPoolLoss(x2, x2, v2, v2, w2, { ...opts, excludeSelf: true });
const sameNd =
  same(pooledNd.yHat.data, one.attentionPool(x2, x2, v2, w2, { ...opts, excludeSelf: true }).yHat.data) &&
  lossNd.loss === refNd.loss &&
  lossNd.grad.every((g, f) => g === refNd.grad[f]) &&
  same(lossNd.yHat.data, refNd.yHat.data);
// out: ŷ into the caller's arrays, the same bits; a bad one refused before any worker runs
const yOut = new Float32Array(n);
const lossOut = new Float32Array(n);
const intoOut = await pool.attentionPool(x, x, y, 3, { ...opts, out: { yHat: yOut } });
const lossIntoOut = await pool.attentionPoolLoss(x, x, y, y, 3, { ...opts, excludeSelf: true, out: { yHat: lossOut } });
const refused = await pool.attentionPool(x, x, y, 3, { ...opts, out: { yHat: new Float32Array(n + 1) } }).then(
  () => false,
  (e) => e.code === 'E_SHAPE' && /out\.yHat/.test(e.message),
);
const sameOut =
  intoOut.yHat.data === yOut &&
  same(yOut, ref.yHat.data) &&
  lossIntoOut.yHat.data === lossOut &&
  lossIntoOut.loss === refLoss.loss &&
  same(lossOut, refLoss.yHat.data) &&
  refused;
const tOne = await time(() => one.attentionPool(x, x, y, 3, opts));
const tPool = await time(() => pool.attentionPool(x, x, y, 3, opts));
// closing while a call runs fails that call (E_BACKEND) rather than leaving it pending
const pending = pool.attentionPool(x, x, y, 3, opts);
pool.close();
const closedRejects = await pending.then(
  () => false,
  (e) => e.code === 'E_BACKEND',
);
document.getElementById('out').textContent = JSON.stringify({
  closedRejects,
  threads: pool.threads,
  sameYHat: same(pooled.yHat.data, ref.yHat.data),
  sameLoss: loss.loss === refLoss.loss && loss.grad === refLoss.grad && same(loss.yHat.data, refLoss.yHat.data),
  freshValues: same(again.yHat.data, one.attentionPool(x, x, y2, 3, opts).yHat.data),
  sameNd,
  sameOut,
  tOneMs: tOne,
  tPoolMs: tPool,
});
