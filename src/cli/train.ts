import type { KernelName } from '../args/kernel.js';
import { loadBackend, type BackendName } from '../backend/load.js';
import { chapterStart } from '../chapter/runChapter.js';
import { AttnpoolError } from '../errors.js';
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
  /** one JSON object at the end (every epoch's loss and w kept in memory: at most MAX_JSON_EPOCHS) */
  json?: boolean;
  /** one JSON line per epoch as it ends, then {"w"}: constant memory, any number of epochs */
  jsonl?: boolean;
  backend: BackendName;
  kernel: KernelName;
}

/** From this many points on, `train` reports every epoch's time on stderr. */
const LARGE = 100_000;

/**
 * `--json` holds every epoch's loss and w until it prints its one object; beyond this many
 * epochs (16 MB of numbers, ~40 MB of JSON) it is refused up front, pointing at `--jsonl`, which
 * streams.
 */
export const MAX_JSON_EPOCHS = 1_000_000;

/** A run still going after this long reports on stderr, then every PROGRESS_EVERY_MS. */
const PROGRESS_AFTER_MS = 1000;
const PROGRESS_EVERY_MS = 5000;

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(2);

/**
 * `attnpool train`: leave-one-out SGD on w over the chapter's data (or a data file), printing
 * `epoch k, loss X` as the chapter does and then the learned w — or JSON. Lines and `--jsonl`
 * are printed as each epoch ends (an interrupted run keeps them) in constant memory; a run
 * longer than a second reports its progress on stderr.
 */
export async function trainCommand(o: TrainCommandOptions, print: (line: string) => void, progress: (line: string) => void = () => {}): Promise<void> {
  if (o.json && o.epochs > MAX_JSON_EPOCHS) {
    throw new AttnpoolError(
      'E_VALUE',
      `--epochs: --json keeps every epoch's loss and w in memory until the end, so it takes at most ${MAX_JSON_EPOCHS} epochs, got ${o.epochs}; use --jsonl, which prints one JSON line per epoch as it ends`,
    );
  }
  const start = chapterStart(o.seed, o.rng);
  const t0 = performance.now();
  const data = o.data ? await readData(o.data, 2) : { x: start.data.xTrain, y: start.data.yTrain };
  const n = data.x.data.length;
  // Large data sets take seconds per epoch: say what is happening on stderr (stdout stays the chapter's lines).
  const large = n >= LARGE;
  if (large) progress(`read ${n} points from ${o.data} in ${seconds(t0)} s; training (fast Gauss transform where it pays)`);
  let tEpoch = performance.now();
  const tTrain = tEpoch;
  let nextReport = tTrain + PROGRESS_AFTER_MS;
  const backend = await loadBackend(o.backend);
  const model = new NWKernelRegression(backend, { w: o.w0 ?? start.w0, keepWeights: false, kernel: o.kernel });
  const { losses, ws } = train(
    model,
    { queries: data.x, keys: data.x, values: data.y, targets: data.y, excludeSelf: true },
    {
      epochs: o.epochs,
      lr: o.lr,
      keepHistory: !!o.json,
      onEpoch: (e) => {
        if (o.jsonl) print(JSON.stringify({ epoch: e.epoch, loss: e.loss, w: e.w }));
        else if (!o.json) print(`epoch ${e.epoch}, loss ${e.loss.toFixed(6)}`);
        const now = performance.now();
        if (large) {
          progress(`epoch ${e.epoch} of ${o.epochs} took ${seconds(tEpoch)} s`);
        } else if (now >= nextReport && e.epoch < o.epochs) {
          const rate = e.epoch / ((now - tTrain) / 1000);
          progress(
            `epoch ${e.epoch} of ${o.epochs} (${((100 * e.epoch) / o.epochs).toPrecision(3)}%), loss ${e.loss.toPrecision(7)}, w ${e.w.toPrecision(7)}; ${seconds(tTrain)} s so far, about ${Math.round((o.epochs - e.epoch) / rate)} s left`,
          );
          nextReport = now + PROGRESS_EVERY_MS;
        }
        tEpoch = now;
      },
    },
  );
  if (o.json) {
    print(JSON.stringify({ losses, ws, w: model.w }));
  } else if (o.jsonl) {
    print(JSON.stringify({ w: model.w }));
  } else {
    print(`w ${model.w.toFixed(6)}`);
  }
}
