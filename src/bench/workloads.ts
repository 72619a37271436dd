import type { Backend } from '../backend/types.js';
import { MT19937 } from '../torch/mt19937.js';
import type { Tensor } from '../tensor.js';

/** One benchmarked call: built once per backend, then timed as the user would call it. */
export interface Workload {
  /** stable id, e.g. "W1 pool n=4096" */
  id: string;
  group: 'W1' | 'W2' | 'W3' | 'W4' | 'W5';
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
    {
      id: `W3 softmax ${m}x${m}`,
      group: 'W3',
      description: `row-wise softmax of a ${m} × ${m} matrix`,
      pairs: m * m,
      targetRatio: 10,
      prepare(be) {
        const x = reshape(uniform(m * m, -10, 10, 6), [m, m]);
        return () => be.softmax(x);
      },
    },
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
    {
      id: `W5 scores ${m}x${m}`,
      group: 'W5',
      description: `gaussianScores of ${m} queries against ${m} shared keys`,
      pairs: m * m,
      targetRatio: 8,
      prepare(be) {
        const q = uniform(m, 0, 5, 9);
        const k = uniform(m, 0, 5, 10);
        return () => be.gaussianScores(q, k, 2.5);
      },
    },
  ];
}
