// Which embedded WASM build this runtime gets, and how far it is from a float64 reference.
// Run as `node [--experimental-wasm-relaxed-simd] tests/engines/relaxed.mjs <repo root>` against
// the built dist/; prints one JSON line: the default backend's and the forced-plain backend's
// features, and each one's largest error relative to the wasm tolerances of tests/backends.ts
// (ŷ: 1e-5 + 1e-5·|ref|; weights: 2e-5; loss: 1e-5 relative; grad: 2e-5 + 2e-5·|ref|), ≤ 1 passes.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.argv[2];
const { loadBackend } = await import(pathToFileURL(join(root, 'dist', 'index.js')).href);

// deterministic data: 300 queries, 5003 keys (several 1024-key blocks and a scalar tail)
let s = 12345;
const rnd = () => {
  s = (s * 1103515245 + 12345) % 2147483648;
  return (s / 2147483648) * 2 - 1;
};
const nq = 300;
const nk = 5003;
const q = Float32Array.from({ length: nq }, () => 3 * rnd());
const k = Float32Array.from({ length: nk }, () => 3 * rnd());
const v = Float32Array.from({ length: nk }, (_, j) => Math.sin(k[j]) + 0.1 * rnd());
const t = Float32Array.from({ length: nq }, (_, i) => Math.sin(q[i]));
const w = 1.7;

// float64 reference: ŷ, weights, loss Σ(ŷ − t)² and its derivative in w
const ref = { yHat: new Float64Array(nq), weights: new Float64Array(nq * nk), loss: 0, grad: 0 };
for (let i = 0; i < nq; i++) {
  let m = -Infinity;
  const sc = new Float64Array(nk);
  for (let j = 0; j < nk; j++) {
    const d = w * (q[i] - k[j]);
    sc[j] = (-d * d) / 2;
    if (sc[j] > m) m = sc[j];
  }
  let se = 0;
  let sev = 0;
  for (let j = 0; j < nk; j++) {
    sc[j] = Math.exp(sc[j] - m);
    se += sc[j];
    sev += sc[j] * v[j];
  }
  const y = sev / se;
  ref.yHat[i] = y;
  // ∂ŷ/∂w = Σ a_j·(v_j − ŷ)·(−w·d_j²)
  let dy = 0;
  for (let j = 0; j < nk; j++) {
    const a = sc[j] / se;
    ref.weights[i * nk + j] = a;
    const d = q[i] - k[j];
    dy += a * (v[j] - y) * (-w * d * d);
  }
  ref.loss += (y - t[i]) ** 2;
  ref.grad += 2 * (y - t[i]) * dy;
}

function check(be) {
  const { yHat, weights } = be.attentionPool(q, k, v, w, { method: 'dense', weights: true });
  let value = 0;
  let weight = 0;
  for (let i = 0; i < nq; i++) value = Math.max(value, Math.abs(yHat.data[i] - ref.yHat[i]) / (1e-5 + 1e-5 * Math.abs(ref.yHat[i])));
  for (let i = 0; i < nq * nk; i++) weight = Math.max(weight, Math.abs(weights.data[i] - ref.weights[i]) / 2e-5);
  const r = be.attentionPoolLoss(q, k, v, t, w, { method: 'dense' });
  const loss = Math.abs(r.loss - ref.loss) / (1e-5 * Math.abs(ref.loss));
  const grad = Math.abs(r.grad - ref.grad) / (2e-5 + 2e-5 * Math.abs(ref.grad));
  return { features: be.features, value, weight, loss, grad };
}

const auto = check(await loadBackend('wasm'));
const plain = check(await loadBackend('wasm', { relaxedSimd: false }));
const threaded = await loadBackend('wasm', { threads: 2 });
const threads = threaded.features;
await threaded.close();
console.log(JSON.stringify({ version: process.versions.node, auto, plain, threads }));
