import { checkPool } from '../args/pool.js';
import type { FrontEnd } from '../backend/frontEnd.js';
import { denseNs } from '../backend/costModel.js';
import { useFast } from '../backend/method.js';
import type { Backend, CostModel } from '../backend/types.js';
import { MT19937 } from '../torch/mt19937.js';
import { interleaved } from './scale.js';
import type { SampleSummary } from './summary.js';

/**
 * W11: does `method: 'auto'` pick the faster of dense and fast pooling? For each backend, the
 * forward and the leave-one-out loss at n ∈ {256, 1024, 4096, 16384} and w ∈ {1, 23}, dense,
 * fast and auto are timed in one interleaved run. A dense call predicted to take more than
 * DENSE_BUDGET_MS is timed on a sample of queries and scaled to all (its cost is linear in the
 * queries), and so is 'auto' where the model sends it there.
 */

const DENSE_BUDGET_MS = 100;
/** 'auto' should be within this factor of the faster method. */
export const AUTO_TARGET = 1.2;

export interface AutoResult {
  id: string;
  backend: string;
  op: 'pool' | 'loss';
  n: number;
  w: number;
  /** dense, all n queries: measured, or a sample's median scaled to n */
  denseMs: number;
  /** queries the dense call was timed on (n unless sampled) */
  denseQueries: number;
  fast: SampleSummary;
  /** what the cost model chose */
  choice: 'dense' | 'fast';
  autoMs: number;
  /** autoMs over the faster of denseMs and the fast median */
  ratio: number;
  meetsTarget: boolean;
}

export interface AutoReport {
  /** each backend's cost model, as measured in this run */
  models: Record<string, CostModel>;
  results: AutoResult[];
}

function uniform(n: number, lo: number, hi: number, seed: number): Float32Array {
  const g = new MT19937(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * g.nextDouble());
}

/** The front end's own decision for the full call (shared keys x; the loss leave-one-out). */
function autoChoice(be: Backend, x: Float32Array, y: Float32Array, w: number, loss: boolean): 'dense' | 'fast' {
  const fn = loss ? 'attentionPoolLoss' : 'attentionPool';
  const call = checkPool(x, x, y, w, loss, 'gaussian', fn);
  return useFast('auto', call, false, loss, fn, (be as FrontEnd).runner) ? 'fast' : 'dense';
}

export async function runAuto(
  backends: Record<string, Backend>,
  o: { sizes: number[]; quick: boolean; onProgress?: (line: string) => void },
): Promise<AutoReport> {
  const models: Record<string, CostModel> = {};
  const results: AutoResult[] = [];
  for (const [name, be] of Object.entries(backends)) {
    const model = be.costModel();
    models[name] = model;
    for (const op of ['pool', 'loss'] as const) {
      for (const n of o.sizes) {
        const x = uniform(n, 0, 5, 21);
        const y = Float32Array.from(x, (v, i) => 2 * Math.sin(v) + v ** 0.8 + 0.5 * Math.sin(7 * i));
        for (const w of [1, 23]) {
          const id = `W11 ${name} ${op} n=${n} w=${w}`;
          o.onProgress?.(`[auto] ${id}`);
          const predictedMs = denseNs(model, n * n, op === 'loss', be.features.threads) / 1e6;
          const m = predictedMs > DENSE_BUDGET_MS ? Math.max(32, Math.floor((n * DENSE_BUDGET_MS) / predictedMs)) : n;
          // the loss is the training call (leave-one-out); on a sample, the sampled queries against all keys
          const call = (method: 'dense' | 'fast' | 'auto', queries: number) => {
            const q = x.subarray(0, queries);
            const t = y.subarray(0, queries);
            if (op === 'pool') return () => be.attentionPool(q, x, y, w, { method });
            if (queries === n) return () => be.attentionPoolLoss(x, x, y, y, w, { method, excludeSelf: true });
            return () => be.attentionPoolLoss(q, x, y, t, w, { method });
          };
          const choice = autoChoice(be, x, y, w, op === 'loss');
          const autoSampled = choice === 'dense' && m < n;
          const tasks = { dense: call('dense', m), fast: call('fast', n), auto: call('auto', autoSampled ? m : n) };
          const r = await interleaved(tasks, o.quick ? 1 : 3, o.quick ? 30 : 200, o.quick ? 1 : 3);
          const denseMs = (r.dense.medianMs * n) / m;
          const autoMs = autoSampled ? (r.auto.medianMs * n) / m : r.auto.medianMs;
          const ratio = autoMs / Math.min(denseMs, r.fast.medianMs);
          results.push({ id, backend: name, op, n, w, denseMs, denseQueries: m, fast: r.fast, choice, autoMs, ratio, meetsTarget: ratio <= AUTO_TARGET });
          o.onProgress?.(
            `      dense ${denseMs.toPrecision(3)} ms, fast ${r.fast.medianMs.toPrecision(3)} ms, auto (${choice}) ${autoMs.toPrecision(3)} ms, ×${ratio.toFixed(2)}`,
          );
        }
      }
    }
  }
  return { models, results };
}

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toPrecision(3));

/** Markdown: the cost models, and auto against the faster method per row. */
export function autoTable(r: AutoReport): string {
  const models = Object.entries(r.models).map(
    ([name, m]) =>
      `| ${name} | ${m.densePoolNs.toPrecision(3)} | ${m.denseLossNs.toPrecision(3)} | ${m.fgtScale.toPrecision(3)} | ${m.windowedScale.toPrecision(3)} |`,
  );
  const rows = r.results.map(
    (a) =>
      `| ${a.id} | ${ms(a.denseMs)}${a.denseQueries < a.n ? '*' : ''} | ${ms(a.fast.medianMs)} | ${a.choice} | ${ms(a.autoMs)} | ×${a.ratio.toFixed(2)} ${a.meetsTarget ? '✓' : '✗'} |`,
  );
  return [
    '| backend | dense ns/pair (pool) | dense ns/pair (loss) | fgt: measured / modelled | windowed: measured / modelled |',
    '| --- | --- | --- | --- | --- |',
    ...models,
    '',
    `| workload | dense ms | fast ms | auto chose | auto ms | auto / best (≤ ${AUTO_TARGET}) |`,
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
