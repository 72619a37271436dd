// Bad input, table-driven: every case must throw an AttnpoolError with the stated code and a
// message naming the argument; afterwards the same backend still computes correct results.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackend } from '../src/backend/load.js';
import type { Backend } from '../src/backend/types.js';
import { AttnpoolError, type AttnpoolErrorCode } from '../src/errors.js';
import { averagePooling } from '../src/model/averagePooling.js';
import { syntheticData } from '../src/chapter/data.js';
import { leaveOneOut } from '../src/model/leaveOneOut.js';
import { NWKernelRegression } from '../src/model/nwKernelRegression.js';
import { train } from '../src/model/train.js';
import { tensor } from '../src/args/tensor.js';
import { BACKENDS, load } from './backends.js';
import { expectAttnpoolError } from './expectError.js';
import { expectClose, refPool } from './reference.js';

type Case = [label: string, code: AttnpoolErrorCode, message: RegExp, call: (be: Backend) => unknown];

const q = tensor([0.5, 1.5, 2.5]);
const k = tensor([0, 1, 2, 3]);
const v = tensor([1, 2, 3, 4]);
const y3 = tensor([1, 2, 3]);
const kq = tensor(new Array(12).fill(1), [3, 4]);
const bad = (data: unknown, shape: unknown) => ({ data, shape }) as never;

const cases: Case[] = [
  // shapes and ranks
  [
    'queries of rank 3',
    'E_SHAPE',
    /queries: expected shape \[nq\], got \[3, 1, 1\] \(or \[nq, d\] for d features\)/,
    (be) => be.attentionPool(tensor([1, 2, 3], [3, 1, 1]), k, v),
  ],
  [
    'queries [nq, d] with keys [nk]',
    'E_SHAPE',
    /keys: expected shape \[nk, d\] = \[nk, 1\] \(shared\) or \[nq, nk, d\] = \[3, nk, 1\]/,
    (be) => be.attentionPool(tensor([1, 2, 3], [3, 1]), k, v),
  ],
  ['queries of rank 0', 'E_SHAPE', /queries: expected shape \[nq\], got \[\]/, (be) => be.attentionPool(bad(new Float32Array(1), []), k, v)],
  ['keys of rank 3', 'E_SHAPE', /keys: expected shape \[nk\] or \[nq, nk\]/, (be) => be.attentionPool(q, tensor([1, 2, 3], [1, 1, 3]), v)],
  [
    'per-query keys with a wrong row count',
    'E_SHAPE',
    /keys: expected \[nq, nk\] with nq = 3/,
    (be) => be.attentionPool(q, tensor([1, 2, 3, 4], [2, 2]), tensor([1, 2, 3, 4], [2, 2])),
  ],
  ['values shorter than keys', 'E_SHAPE', /values: expected the shape of keys \[4\], got \[3\]/, (be) => be.attentionPool(q, k, y3)],
  ['shared values with per-query keys', 'E_SHAPE', /values: expected the shape of keys \[3, 4\], got \[4\]/, (be) => be.attentionPool(q, kq, v)],
  [
    'targets of the wrong length',
    'E_SHAPE',
    /targets: expected shape \[nq\] = \[3\] \(one per query\), got \[4\]/,
    (be) => be.attentionPoolLoss(q, k, v, v, 1),
  ],
  ['targets of rank 2', 'E_SHAPE', /targets: expected shape \[nq\] = \[3\]/, (be) => be.attentionPoolLoss(q, k, v, tensor([1, 2, 3], [3, 1]), 1)],
  ['scores with keys of rank 3', 'E_SHAPE', /keys: expected shape \[nk\] or \[nq, nk\]/, (be) => be.gaussianScores(q, tensor([1], [1, 1, 1]))],
  [
    'bmm with a of rank 2',
    'E_SHAPE',
    /a: expected shape \[batch, n, m\], got \[2, 2\]/,
    (be) => be.bmm(tensor([1, 2, 3, 4], [2, 2]), tensor([1, 2], [1, 2, 1])),
  ],
  [
    'bmm with inner sizes that disagree',
    'E_SHAPE',
    /b: expected shape \[1, 2, p\] to match a \[1, 1, 2\], got \[1, 3, 1\]/,
    (be) => be.bmm(tensor([1, 2], [1, 1, 2]), tensor([1, 2, 3], [1, 3, 1])),
  ],
  [
    'bmm with batch sizes that disagree',
    'E_SHAPE',
    /b: expected shape \[1, 2, p\]/,
    (be) => be.bmm(tensor([1, 2], [1, 1, 2]), tensor([1, 2, 3, 4], [2, 2, 1])),
  ],
  ['data longer than its shape', 'E_SHAPE', /keys: data has 4 elements but shape \[3\] needs 3/, (be) => be.attentionPool(q, bad(new Float32Array(4), [3]), v)],
  [
    'a negative dimension',
    'E_SHAPE',
    /values: shape must be an array of non-negative integers, got \[-4\]/,
    (be) => be.attentionPool(q, k, bad(new Float32Array(4), [-4])),
  ],
  [
    'a shape that is not an array',
    'E_SHAPE',
    /queries: shape must be an array of non-negative integers, got "3"/,
    (be) => be.attentionPool(bad(new Float32Array(3), '3'), k, v),
  ],
  // empty arrays
  ['empty queries', 'E_EMPTY', /queries: expected at least one element, got shape \[0\]/, (be) => be.attentionPool([], k, v)],
  ['empty keys and values', 'E_EMPTY', /keys: expected at least one element/, (be) => be.attentionPool(q, [], [])],
  ['softmax of an empty tensor', 'E_EMPTY', /x: expected at least one element/, (be) => be.softmax(tensor([], [2, 0]))],
  ['bmm of empty operands', 'E_EMPTY', /a: expected at least one element/, (be) => be.bmm(tensor([], [1, 0, 2]), tensor([1, 2], [1, 2, 1]))],
  // non-finite values
  ['NaN in queries', 'E_NONFINITE', /queries: expected finite numbers, got NaN at index 1/, (be) => be.attentionPool([0, NaN, 1], k, v)],
  ['Infinity in keys', 'E_NONFINITE', /keys: expected finite numbers, got Infinity at index 3/, (be) => be.attentionPool(q, [0, 1, 2, Infinity], v)],
  ['-Infinity in values', 'E_NONFINITE', /values: expected finite numbers, got -Infinity at index 0/, (be) => be.attentionPool(q, k, [-Infinity, 1, 2, 3])],
  ['NaN in targets', 'E_NONFINITE', /targets: expected finite numbers, got NaN at index 2/, (be) => be.attentionPoolLoss(q, k, v, [1, 2, NaN], 1)],
  // one array passed twice is scanned once, and the error names the first argument that holds it
  [
    'NaN in queries that are the keys',
    'E_NONFINITE',
    /queries: expected finite numbers, got NaN at index 1/,
    (be) => {
      const x = tensor([0, NaN, 2]);
      return be.attentionPoolLoss(x, x, y3, y3, 1, { excludeSelf: true });
    },
  ],
  [
    'Infinity in values that are the targets',
    'E_NONFINITE',
    /values: expected finite numbers, got Infinity at index 2/,
    (be) => {
      const y = tensor([0, 1, Infinity]);
      return be.attentionPoolLoss(q, q, y, y, 1, { excludeSelf: true });
    },
  ],
  [
    'NaN in values that are the keys',
    'E_NONFINITE',
    /keys: expected finite numbers, got NaN at index 0/,
    (be) => {
      const x = tensor([NaN, 1, 2, 3]);
      return be.attentionPool(q, x, x);
    },
  ],
  [
    'NaN in per-query keys',
    'E_NONFINITE',
    /keys: expected finite numbers, got NaN at index 5/,
    (be) => be.attentionPool(q, tensor([1, 1, 1, 1, 1, NaN, 1, 1, 1, 1, 1, 1], [3, 4]), tensor(new Array(12).fill(1), [3, 4])),
  ],
  ['NaN in scores keys', 'E_NONFINITE', /keys: expected finite numbers, got NaN/, (be) => be.gaussianScores(q, [NaN])],
  [
    'NaN in softmax input',
    'E_NONFINITE',
    /x: expected finite numbers or -Infinity, got NaN at row 1, column 0/,
    (be) => be.softmax(tensor([1, 2, NaN, 3], [2, 2])),
  ],
  ['+Infinity in softmax input', 'E_NONFINITE', /got Infinity at row 0, column 1/, (be) => be.softmax(tensor([1, Infinity], [1, 2]))],
  ['a softmax row entirely -Infinity', 'E_VALUE', /x: row 0 is entirely -Infinity/, (be) => be.softmax(tensor([-Infinity, -Infinity, 0, 1], [2, 2]))],
  // w
  ['w NaN', 'E_NONFINITE', /w: expected a finite number >= 0, got NaN/, (be) => be.attentionPool(q, k, v, NaN)],
  ['w Infinity', 'E_NONFINITE', /w: expected a finite number >= 0, got Infinity/, (be) => be.attentionPoolLoss(q, k, v, y3, Infinity)],
  ['w negative', 'E_VALUE', /w: expected a finite number >= 0, got -0.5/, (be) => be.gaussianScores(q, k, -0.5)],
  ['w a string', 'E_TYPE', /w: expected a finite number >= 0, got the string "1"/, (be) => be.attentionPool(q, k, v, '1' as never)],
  ['w null', 'E_TYPE', /w: expected a finite number >= 0, got null/, (be) => be.attentionPool(q, k, v, null as never)],
  ['w missing in the loss', 'E_TYPE', /w: expected a finite number >= 0, got undefined/, (be) => be.attentionPoolLoss(q, k, v, y3, undefined as never)],
  // options
  [
    'excludeSelf with nq != nk',
    'E_OPTION',
    /excludeSelf needs as many queries as keys, got nq = 3 and nk = 4/,
    (be) => be.attentionPool(q, k, v, 1, { excludeSelf: true }),
  ],
  [
    'excludeSelf with per-query keys',
    'E_OPTION',
    /excludeSelf needs shared keys \[nk\], got per-query keys \[3, 4\]/,
    (be) => be.attentionPoolLoss(q, kq, kq, y3, 1, { excludeSelf: true }),
  ],
  ['excludeSelf with one key', 'E_SHAPE', /excludeSelf needs at least 2 keys/, (be) => be.attentionPool([1], [1], [1], 1, { excludeSelf: true })],
  [
    'an unknown pooling option',
    'E_OPTION',
    /attentionPool: unknown option "weight" \(known: weights, excludeSelf, kernel, method, out\)/,
    (be) => be.attentionPool(q, k, v, 1, { weight: true } as never),
  ],
  [
    'an option of the wrong type',
    'E_OPTION',
    /option "weights" must be a boolean, got the string "yes"/,
    (be) => be.attentionPool(q, k, v, 1, { weights: 'yes' } as never),
  ],
  [
    'options that are not an object',
    'E_OPTION',
    /attentionPoolLoss: options must be an object, got 5/,
    (be) => be.attentionPoolLoss(q, k, v, y3, 1, 5 as never),
  ],
  [
    'an unknown method',
    'E_OPTION',
    /attentionPool: option "method" must be one of 'auto', 'dense', 'fast', got the string "fastest"/,
    (be) => be.attentionPool(q, k, v, 1, { method: 'fastest' } as never),
  ],
  [
    'method fast with weights',
    'E_OPTION',
    /method 'fast' needs the Gaussian kernel, shared keys, at most 3 features and no weights; got weights: true/,
    (be) => be.attentionPool(q, k, v, 1, { method: 'fast', weights: true }),
  ],
  [
    'method fast with a compact kernel',
    'E_OPTION',
    /method 'fast' needs .* got the 'boxcar' kernel/,
    (be) => be.attentionPoolLoss(q, k, v, y3, 1, { method: 'fast', kernel: 'boxcar' }),
  ],
  [
    'an unknown kernel',
    'E_OPTION',
    /attentionPool: option "kernel" must be one of 'gaussian', 'boxcar', .*got the string "epanechikov"/,
    (be) => be.attentionPool(q, k, v, 1, { kernel: 'epanechikov' } as never),
  ],
  [
    'a kernel that is not a string',
    'E_OPTION',
    /gaussianScores: option "kernel" must be a string, got 2/,
    (be) => be.gaussianScores(q, k, 1, { kernel: 2 } as never),
  ],
  [
    'an unknown loss option',
    'E_OPTION',
    /attentionPoolLoss: unknown option "weights"/,
    (be) => be.attentionPoolLoss(q, k, v, y3, 1, { weights: true } as never),
  ],
  // kinds of input
  [
    'queries given as a string',
    'E_TYPE',
    /queries: expected a Tensor \{ data, shape \} or an array of numbers, got the string "1,2,3"/,
    (be) => be.attentionPool('1,2,3' as never, k, v),
  ],
  [
    'keys given as an object without data',
    'E_TYPE',
    /keys: expected a Tensor .* got an object with keys \["values"\]/,
    (be) => be.attentionPool(q, { values: [1] } as never, v),
  ],
  [
    'tensor data given as a string',
    'E_TYPE',
    /values: expected data to be a Float32Array or an array of numbers, got the string "1234"/,
    (be) => be.attentionPool(q, k, bad('1234', [4])),
  ],
  [
    'a non-number inside a plain array',
    'E_TYPE',
    /keys: element 2 is the string "2", expected a number/,
    (be) => be.attentionPool(q, [0, 1, '2', 3] as never, v),
  ],
  ['BigInt64Array data', 'E_TYPE', /queries: expected a Tensor .* got a BigInt64Array/, (be) => be.attentionPool(new BigInt64Array(3) as never, k, v)],
  ['undefined keys', 'E_TYPE', /keys: expected a Tensor .* got undefined/, (be) => be.gaussianScores(q, undefined as never)],
  // models and training
  ['a model with an unknown option', 'E_OPTION', /NWKernelRegression: unknown option "W"/, (be) => new NWKernelRegression(be, { W: 1 } as never)],
  ['a model with w NaN', 'E_NONFINITE', /w: expected a finite number, got NaN/, (be) => new NWKernelRegression(be, { w: NaN })],
  [
    'training for 0 epochs',
    'E_VALUE',
    /epochs: expected an integer >= 1, got 0/,
    (be) => train(new NWKernelRegression(be, { w: 1 }), { queries: q, keys: k, values: v, targets: y3 }, { epochs: 0 }),
  ],
  [
    'training with a NaN learning rate',
    'E_NONFINITE',
    /lr: expected a finite number >= 0, got NaN/,
    (be) => train(new NWKernelRegression(be, { w: 1 }), { queries: q, keys: k, values: v, targets: y3 }, { lr: NaN }),
  ],
  [
    'training data with an unknown field',
    'E_OPTION',
    /train data: unknown option "target"/,
    (be) => train(new NWKernelRegression(be, { w: 1 }), { queries: q, keys: k, values: v, target: y3 } as never),
  ],
  [
    'training on mismatched targets',
    'E_SHAPE',
    /targets: expected shape \[nq\] = \[3\]/,
    (be) => train(new NWKernelRegression(be, { w: 1 }), { queries: q, keys: k, values: v, targets: v }),
  ],
  ['synthetic data with nTrain 0', 'E_VALUE', /nTrain: expected an integer >= 1, got 0/, () => syntheticData({ nTrain: 0 })],
  ['leave-one-out of one point', 'E_SHAPE', /x: expected shape \[n\] with n >= 2, got \[1\]/, () => leaveOneOut([1])],
  ['average pooling of nothing', 'E_EMPTY', /yTrain: expected at least one element/, () => averagePooling([], 3)],
  ['average pooling for 2.5 queries', 'E_VALUE', /nQueries: expected an integer >= 1, got 2.5/, () => averagePooling([1], 2.5)],
];

describe.each(BACKENDS)('bad input on $name', ({ name, tol }) => {
  let be: Backend;
  beforeAll(async () => {
    be = await load(name);
  });

  it(`has at least 40 distinct cases (${cases.length})`, () => {
    expect(new Set(cases.map((c) => c[0])).size).toBe(cases.length);
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('%s → %s', (_label, code, message, call) => {
    expectAttnpoolError(() => call(be), code, message);
    // The backend is unharmed: the next valid calls are still right.
    const ok = be.attentionPool([0.5, 1.5, 2.5], [0, 1, 2, 3], [1, 2, 3, 4], 1.3, { weights: true });
    const want = refPool([0.5, 1.5, 2.5], [[0, 1, 2, 3]], [[1, 2, 3, 4]], 1.3);
    expectClose(ok.yHat.data, want.yHat, ...tol.value, 'yHat after the error');
    expectClose(ok.weights!.data, want.weights.flat(), tol.weight, 0, 'weights after the error');
  });
});

describe('loadBackend', () => {
  it('rejects an unknown backend name', async () => {
    await expect(loadBackend('gpu' as never)).rejects.toThrow(/name: expected 'auto', 'wasm' or 'js', got the string "gpu"/);
    await expect(loadBackend('gpu' as never)).rejects.toBeInstanceOf(AttnpoolError);
  });

  it('rejects bad thread counts and threads on the JS backend, naming them', async () => {
    await expect(loadBackend('wasm', { threads: 0 })).rejects.toThrow(/threads: expected an integer >= 1 <= 32, got 0/);
    await expect(loadBackend('wasm', { threads: 1.5 })).rejects.toThrow(/threads: expected an integer/);
    await expect(loadBackend('wasm', { threads: '2' as never })).rejects.toThrow(/threads: expected an integer .* got the string "2"/);
    await expect(loadBackend('js', { threads: 2 })).rejects.toThrow(/the 'js' backend runs on one thread/);
    await expect(loadBackend('wasm', { thread: 2 } as never)).rejects.toThrow(/loadBackend: unknown option "thread"/);
  });
});
