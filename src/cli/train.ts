import type { KernelName } from '../backend/kernel.js';
import { loadBackend, type BackendName } from '../backend/load.js';
import { chapterStart } from '../chapter.js';
import { readData } from '../io/readData.js';
import type { RngName } from '../model/data.js';
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

/**
 * `attnpool train`: leave-one-out SGD on w over the chapter's data (or a data file), printing
 * `epoch k, loss X` as the chapter does and then the learned w — or one JSON object.
 */
export async function trainCommand(o: TrainCommandOptions, print: (line: string) => void): Promise<void> {
  const start = chapterStart(o.seed, o.rng);
  const data = o.data ? await readData(o.data, 2) : { x: start.data.xTrain, y: start.data.yTrain };
  const backend = await loadBackend(o.backend);
  const model = new NWKernelRegression(backend, { w: o.w0 ?? start.w0, keepWeights: false, kernel: o.kernel });
  const { losses, ws } = train(
    model,
    { queries: data.x, keys: data.x, values: data.y, targets: data.y, excludeSelf: true },
    { epochs: o.epochs, lr: o.lr, onEpoch: o.json ? undefined : (e) => print(`epoch ${e.epoch}, loss ${e.loss.toFixed(6)}`) },
  );
  if (o.json) {
    print(JSON.stringify({ losses, ws, w: model.w }));
  } else {
    print(`w ${model.w.toFixed(6)}`);
  }
}
