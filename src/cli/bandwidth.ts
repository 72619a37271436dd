import type { KernelName } from '../args/kernel.js';
import { chapterStart } from '../chapter/runChapter.js';
import { readData } from '../io/readData.js';
import { optimalBandwidth } from '../model/bandwidth.js';
import type { RngName } from '../chapter/data.js';

export interface BandwidthCommandOptions {
  seed: number;
  rng: RngName;
  data?: string;
  kernel: KernelName;
  json?: boolean;
}

const fmt = (w: number) => (Number.isFinite(w) ? w.toFixed(6) : String(w));

/**
 * `attnpool bandwidth`: the w minimising the leave-one-out squared error of the chapter's data
 * (or a data file), every local minimum, and both limits; or one JSON object.
 */
export async function bandwidthCommand(o: BandwidthCommandOptions, print: (line: string) => void): Promise<void> {
  const chapter = o.data ? null : chapterStart(o.seed, o.rng).data;
  const data = chapter ? { x: chapter.xTrain, y: chapter.yTrain } : await readData(o.data!, 2);
  const n = data.x.data.length;
  const r = optimalBandwidth(data.x, data.y, { kernel: o.kernel });
  if (o.json) {
    // JSON has no Infinity: a limit is written as the string "Infinity"
    const num = (v: number) => (Number.isFinite(v) ? v : String(v));
    print(JSON.stringify({ kernel: o.kernel, n, ...r, w: num(r.w), interval: r.interval?.map(num) }));
    return;
  }
  print(`kernel ${o.kernel}, n ${n}: leave-one-out squared error L(w) = Σ (ŷ₋ᵢ(xᵢ) − yᵢ)²`);
  print(
    `w* ${fmt(r.w)}  L ${r.loss.toFixed(6)}  (L/n ${(r.loss / n).toFixed(6)}, h = 1/w ${fmt(1 / r.w)})${r.interval ? `  flat for w in (${fmt(r.interval[0])}, ${fmt(r.interval[1])}]` : ''}`,
  );
  print(`local minima: ${r.localMinima.length}${r.localMinima.length > 10 ? ' (the 10 lowest)' : ''}`);
  for (const m of [...r.localMinima].sort((a, b) => a.loss - b.loss).slice(0, 10)) print(`  w ${fmt(m.w)}  L ${m.loss.toFixed(6)}`);
  print(`w = 0 (mean of the others): L ${r.lossAtZero.toFixed(6)}`);
  print(`w → ∞ (nearest neighbour): L ${r.lossAtInfinity.toFixed(6)}`);
}
