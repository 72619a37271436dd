// The bundle under the page's CSP: the WASM backend, and createWorkerPool bit for bit (its workers
// from a blob: URL, or with ?workerUrl from the package's dist/browser/attnpool-worker.js).
import { createWorkerPool, loadBackend, tensor } from '../browser/attnpool.js';

const result = {};
const violations = [];
addEventListener('securitypolicyviolation', (e) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));
const describe = (e) => `${e?.name ?? 'Error'}${e?.code ? ` [${e.code}]` : ''}: ${e?.message ?? String(e)}`;
const same = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
try {
  const be = await loadBackend();
  result.backend = be.name;
  result.y = Array.from(be.attentionPool(tensor([1, 2]), tensor([1, 2, 3]), tensor([10, 20, 30]), 30).yHat.data);
  try {
    // ?workerUrl: the workers' script from the page's origin, for a policy without blob: workers
    const fromFile = new URLSearchParams(location.search).has('workerUrl');
    const pool = await createWorkerPool(2, fromFile ? { workerUrl: new URL('../browser/attnpool-worker.js', location.href) } : undefined);
    const n = 1024; // 2^20 pairs: split over the workers
    const x = Float32Array.from({ length: n }, (_, i) => (i * 0.618034) % 5);
    const y = Float32Array.from(x, (v) => 2 * Math.sin(v) + v ** 0.8);
    const p = await pool.attentionPool(x, x, y, 3, { method: 'dense' });
    const l = await pool.attentionPoolLoss(x, x, y, y, 3, { method: 'dense', excludeSelf: true });
    const r = be.attentionPool(x, x, y, 3, { method: 'dense' });
    const rl = be.attentionPoolLoss(x, x, y, y, 3, { method: 'dense', excludeSelf: true });
    result.pool = { threads: pool.threads, sameYHat: same(p.yHat.data, r.yHat.data), sameLoss: l.loss === rl.loss && l.grad === rl.grad };
    pool.close();
  } catch (e) {
    result.poolError = describe(e);
  }
} catch (e) {
  result.error = describe(e);
}
result.violations = violations;
const out = document.getElementById('out');
out.textContent = JSON.stringify(result);
out.dataset.done = 'true';
