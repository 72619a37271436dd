import type { KernelName } from '../args/kernel.js';
import { loadBackend, type BackendName } from '../backend/load.js';
import { chapterStart } from '../chapter/runChapter.js';
import { readData } from '../io/readData.js';
import type { RngName } from '../chapter/data.js';
import { NWKernelRegression } from '../model/nwKernelRegression.js';
import { train } from '../model/train.js';

export interface TrainCommandOptions {
  seed: number;
  rng: RngName;
  epochs: number;
  lr: number;
  w0?: number;
  data?: string;
  json?: boolean;
  backend: BackendName;
  kernel: KernelName;
}

/** From this many points on, `train` reports its progress on stderr. */
const LARGE = 100_000;

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(2);

/**
 * `attnpool train`: leave-one-out SGD on w over the chapter's data (or a data file), printing
 * `epoch k, loss X` as the chapter does and then the learned w — or one JSON object.
 */
export async function trainCommand(o: TrainCommandOptions, print: (line: string) => void, progress: (line: string) => void = () => {}): Promise<void> {
  const start = chapterStart(o.seed, o.rng);
  const t0 = performance.now();
  const data = o.data ? await readData(o.data, 2) : { x: start.data.xTrain, y: start.data.yTrain };
  const n = data.x.data.length;
  // Large data sets take seconds per epoch: say what is happening on stderr (stdout stays the chapter's lines).
  const say = n >= LARGE ? progress : () => {};
  say(`read ${n} points from ${o.data} in ${seconds(t0)} s; training (fast Gauss transform where it pays)`);
  let tEpoch = performance.now();
  const backend = await loadBackend(o.backend);
  const model = new NWKernelRegression(backend, { w: o.w0 ?? start.w0, keepWeights: false, kernel: o.kernel });
  const { losses, ws } = train(
    model,
    { queries: data.x, keys: data.x, values: data.y, targets: data.y, excludeSelf: true },
    {
      epochs: o.epochs,
      lr: o.lr,
      onEpoch: (e) => {
        if (!o.json) print(`epoch ${e.epoch}, loss ${e.loss.toFixed(6)}`);
        say(`epoch ${e.epoch} of ${o.epochs} took ${seconds(tEpoch)} s`);
        tEpoch = performance.now();
      },
    },
  );
  if (o.json) {
    print(JSON.stringify({ losses, ws, w: model.w }));
  } else {
    print(`w ${model.w.toFixed(6)}`);
  }
}
