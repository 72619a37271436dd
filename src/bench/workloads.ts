import type { Backend } from '../backend/types.js';
import { MT19937 } from '../torch/mt19937.js';
import type { Tensor } from '../tensor.js';

/** One benchmarked call: built once per backend, then timed as the user would call it. */
export interface Workload {
  /** stable id, e.g. "W1 pool n=4096" */
  id: string;
  group: 'W1' | 'W2' | 'W3' | 'W4' | 'W5' | 'W8';
  description: string;
  /** query–key pairs (or elements) one call processes, for throughput */
  pairs: number;
  /** the t_js / t_wasm ratio this workload should reach on a 2-core x86 machine */
  targetRatio: number;
  /** pairs per second the WASM call should reach, where the issue sets one */
  targetPairsPerSecond?: number;
  /** prepare inputs for a backend and return the call to time */
  prepare(backend: Backend): () => unknown;
}

function uniform(n: number, lo: number, hi: number, seed: number): Tensor {
  const g = new MT19937(seed);
  return { data: Float32Array.from({ length: n }, () => lo + (hi - lo) * g.nextDouble()), shape: [n] };
}

function reshape(t: Tensor, shape: number[]): Tensor {
  return { data: t.data, shape };
}

function poolForward(n: number, weights: boolean): Workload {
  return {
    id: `W1 pool n=${n}${weights ? ' +weights' : ''}`,
    group: 'W1',
    description: `fused forward, shared keys, nq = nk = ${n}${weights ? ', weights returned' : ''}`,
    pairs: n * n,
    targetRatio: n >= 1024 ? 12 : 8,
    targetPairsPerSecond: n === 4096 && !weights ? 0.9e9 : undefined,
    prepare(be) {
      const q = uniform(n, 0, 5, 1);
      const k = uniform(n, 0, 5, 2);
      const v = uniform(n, -1, 4, 3);
      return () => be.attentionPool(q, k, v, 2.5, { weights, method: 'dense' });
    },
  };
}

function trainingStep(n: number): Workload {
  return {
    id: `W2 loss+grad n=${n}`,
    group: 'W2',
    description: `one training step: leave-one-out loss and d/dw (excludeSelf), n = ${n}`,
    pairs: n * (n - 1),
    targetRatio: n >= 2048 ? 10 : 8,
    prepare(be) {
      const x = uniform(n, 0, 5, 4);
      const y = uniform(n, -1, 4, 5);
      return () => be.attentionPoolLoss(x, x, y, y, 2.5, { excludeSelf: true, method: 'dense' });
    },
  };
}

/**
 * W8: dense pooling with d features and a bandwidth per feature, nq = nk = n, shared keys, one
 * value column; the loss returns the gradient per feature. Throughput counts pairs·d.
 */
function features(n: number, d: number, loss: boolean): Workload {
  return {
    id: `W8 ${loss ? 'loss+grad' : 'pool'} n=${n} d=${d}`,
    group: 'W8',
    description: `${loss ? 'loss and its gradient per feature' : 'fused forward'}, queries [${n}, ${d}], keys [${n}, ${d}], a w per feature (throughput: pairs·d)`,
    pairs: n * n * d,
    targetRatio: loss ? 8 : n >= 4096 ? 10 : 8,
    prepare(be) {
      const x = reshape(uniform(n * d, 0, 5, 11 + d), [n, d]);
      const y = uniform(n, -1, 4, 12);
      const w = Array.from({ length: d }, (_, f) => 1 + 0.5 * f);
      return loss ? () => be.attentionPoolLoss(x, x, y, y, w, { excludeSelf: true }) : () => be.attentionPool(x, x, y, w);
    },
  };
}

/**
 * W3: row-wise softmax of an m × m matrix. With `out`, into an array the caller allocated once
 * (the `out` option), so the call allocates nothing of the result's size.
 */
function softmax(m: number, out: boolean): Workload {
  return {
    id: `W3 softmax ${m}x${m}${out ? ' +out' : ''}`,
    group: 'W3',
    description: `row-wise softmax of a ${m} × ${m} matrix${out ? ', into a preallocated out' : ''}`,
    pairs: m * m,
    targetRatio: out ? 8 : 10,
    prepare(be) {
      const x = reshape(uniform(m * m, -10, 10, 6), [m, m]);
      if (!out) return () => be.softmax(x);
      const into = new Float32Array(m * m);
      return () => be.softmax(x, { out: into });
    },
  };
}

/** W5: Gaussian scores of m queries against m shared keys; with `out`, into a preallocated array. */
function scores(m: number, out: boolean): Workload {
  return {
    id: `W5 scores ${m}x${m}${out ? ' +out' : ''}`,
    group: 'W5',
    description: `gaussianScores of ${m} queries against ${m} shared keys${out ? ', into a preallocated out' : ''}`,
    pairs: m * m,
    targetRatio: out ? 5 : 8,
    prepare(be) {
      const q = uniform(m, 0, 5, 9);
      const k = uniform(m, 0, 5, 10);
      if (!out) return () => be.gaussianScores(q, k, 2.5);
      const into = new Float32Array(m * m);
      return () => be.gaussianScores(q, k, 2.5, { out: into });
    },
  };
}

/**
 * The benchmark's workloads. `scale` < 1 shrinks every size (the quick run and the test use
 * it); the targets only apply at scale 1.
 */
export function workloads(scale = 1): Workload[] {
  const s = (n: number) => Math.max(2, Math.round(n * scale));
  const m = s(4096);
  const b = s(256);
  return [
    ...[50, 1024, 4096, 16384].map((n) => poolForward(s(n), false)),
    poolForward(s(1024), true),
    trainingStep(s(50)),
    trainingStep(s(2048)),
    softmax(m, false),
    softmax(m, true),
    {
      id: `W4 bmm 8x${b}x${b}`,
      group: 'W4',
      description: `batched matmul (8, ${b}, ${b}) × (8, ${b}, ${b})`,
      pairs: 8 * b * b * b,
      targetRatio: 5,
      prepare(be) {
        const a = reshape(uniform(8 * b * b, -1, 1, 7), [8, b, b]);
        const c = reshape(uniform(8 * b * b, -1, 1, 8), [8, b, b]);
        return () => be.bmm(a, c);
      },
    },
    scores(m, false),
    scores(m, true),
    ...[2, 8].flatMap((d) => [s(1024), s(4096)].flatMap((n) => [features(n, d, false), features(n, d, true)])),
  ];
}
