// The `out` option (issue 17 item 4): results written into a caller's Float32Array are the
// results without it, bit for bit on the same backend; the returned data is that very array;
// softmax runs in place; one buffer serves call after call; every bad `out` is refused with a
// message that names it, before anything is written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrontEnd } from '../src/backend/frontEnd.js';
import { createParallelBackend, type ParallelBackendHandle } from '../src/backend/parallel/index.js';
import type { Backend } from '../src/backend/types.js';
import type { WasmKernels } from '../src/backend/wasm/kernels.js';
import type { AttnpoolErrorCode } from '../src/errors.js';
import type { Tensor } from '../src/tensor.js';
import { BACKENDS, load } from './backends.js';
import { expectAttnpoolError } from './expectError.js';
import { expectSameBits, uniform } from './reference.js';

/** What a buffer holds before a call: a value no kernel computes here, so an unwritten element shows. */
const SENTINEL = -12345.5;

function filled(n: number): Float32Array {
  return new Float32Array(n).fill(SENTINEL);
}

/** Same float32 bits (Object.is tells 0 from −0; NaN equals NaN). */
function expectUntouched(buffer: Float32Array, what: string): void {
  expect(
    buffer.every((v) => v === SENTINEL),
    `${what} left as it was`,
  ).toBe(true);
}

/** The call refuses with `code` and a message matching `message`, and `buffer` keeps its sentinel. */
function expectRefused(call: () => unknown, code: AttnpoolErrorCode, message: RegExp, buffer: Float32Array, label: string): void {
  expectAttnpoolError(call, code, message, label);
  expectUntouched(buffer, label);
}

function mat(data: Float32Array, shape: number[]): Tensor {
  return { data, shape };
}

// nk not a multiple of 4 (scalar tails) and above 1024 (more than one block of keys); nq not a
// multiple of the threads or of 4.
const nq = 37;
const nk = 1031;
const q = uniform(nq, 0, 5, 1);
const k = uniform(nk, 0, 5, 2);
const v = uniform(nk, -2, 3, 3);
const t = uniform(nq, -2, 3, 4);
const kRows = mat(uniform(nq * nk, 0, 5, 5), [nq, nk]);
const vRows = mat(uniform(nq * nk, -2, 3, 6), [nq, nk]);
const q2 = mat(uniform(nq * 2, 0, 5, 7), [nq, 2]);
const k2 = mat(uniform(nk * 2, 0, 5, 8), [nk, 2]);
const v3 = mat(uniform(nk * 3, -1, 1, 9), [nk, 3]);
const KERNELS = ['gaussian', 'boxcar', 'constant', 'epanechnikov', 'triangular'] as const;

for (const { name } of BACKENDS) {
  describe(`out on '${name}'`, () => {
    let be: Backend;
    beforeAll(async () => {
      be = await load(name);
    });

    it('scores: the same bits as without out, into the very array given, for every kernel and layout', () => {
      const cases: [string, () => [unknown, unknown, number | number[]]][] = [
        ['shared keys', () => [q, k, 2.5]],
        ['per-query keys', () => [q, kRows, 1.3]],
        ['d = 2', () => [q2, k2, [1.5, 0.5]]],
        ['w = 0', () => [q, k, 0]],
        // beyond float32: the float64 path writes the caller's array too
        ['w = 1e39 (float64 path)', () => [q, k, 1e39]],
      ];
      for (const [label, args] of cases) {
        for (const kernel of KERNELS) {
          const [qq, kk, w] = args();
          const want = be.scores(qq as never, kk as never, w, { kernel });
          const out = filled(want.data.length);
          const got = be.scores(qq as never, kk as never, w, { kernel, out });
          expect(got.data, `${label}, ${kernel}`).toBe(out);
          expect(got.shape).toEqual(want.shape);
          expectSameBits(out, want.data, `${label}, ${kernel}`);
          // the alias takes it as well
          const alias = filled(want.data.length);
          expect(be.gaussianScores(qq as never, kk as never, w, { kernel, out: alias }).data).toBe(alias);
          expectSameBits(alias, want.data, `gaussianScores, ${label}, ${kernel}`);
        }
      }
    });

    it('softmax: the same bits as without out, and in place (out = x)', () => {
      const x = uniform(70 * 1031, -30, 30, 11); // on WASM, three blocks of rows (31, 31, 8)
      x[5] = -Infinity; // a masked entry
      x[1031 * 40 + 17] = -Infinity;
      const want = be.softmax(mat(x, [70, 1031]));
      const out = filled(x.length);
      const got = be.softmax(mat(x, [70, 1031]), { out });
      expect(got.data).toBe(out);
      expect(got.shape).toEqual([70, 1031]);
      expectSameBits(out, want.data, 'softmax into out');
      // in place: x's own data
      const y = x.slice();
      const inPlace = be.softmax(mat(y, [70, 1031]), { out: y });
      expect(inPlace.data).toBe(y);
      expectSameBits(y, want.data, 'softmax in place');
      // in place through another view of the same elements of a larger buffer
      const buffer = new Float32Array(3 + x.length + 5).fill(SENTINEL);
      buffer.set(x, 3);
      const view = new Float32Array(buffer.buffer, 12, x.length);
      be.softmax(mat(buffer.subarray(3, 3 + x.length), [70, 1031]), { out: view });
      expectSameBits(view, want.data, 'softmax in place, another view');
      expect([buffer[0], buffer[2], buffer[3 + x.length], buffer.at(-1)]).toEqual([SENTINEL, SENTINEL, SENTINEL, SENTINEL]);
      // a row shorter than one SIMD vector, and a 1-D x
      const small = Float32Array.from([3, -1, 2]);
      const smallOut = filled(3);
      expectSameBits(be.softmax(small, { out: smallOut }).data, be.softmax(small).data, 'softmax of [3]');
      // x and out in one buffer without overlapping: allowed
      const shared = uniform(24, -3, 3, 12);
      const sx = shared.subarray(0, 12);
      const sOut = shared.subarray(12);
      const wantShared = be.softmax(mat(sx.slice(), [3, 4])).data;
      expect(be.softmax(mat(sx, [3, 4]), { out: sOut }).data).toBe(sOut);
      expectSameBits(sOut, wantShared, 'softmax into the other half of x’s buffer');
    });

    it('softmax: a row it cannot normalise leaves out, and x softmaxed in place, as they were', () => {
      // rows in the first, second and last of WASM's blocks of 31 rows: none may be written
      const [rows, cols] = [70, 1031];
      const x = uniform(rows * cols, -3, 3, 13);
      for (const [bad, value] of [
        [5 * cols + 7, Number.NaN],
        [40 * cols, Infinity],
        [69 * cols + 1030, Number.NaN],
      ] as const) {
        const row = Math.floor(bad / cols);
        const y = x.slice();
        y[bad] = value;
        const out = filled(y.length);
        expectRefused(
          () => be.softmax(mat(y, [rows, cols]), { out }),
          'E_NONFINITE',
          new RegExp(`x: expected finite numbers or -Infinity, got ${value} at row ${row}`),
          out,
          `${value} in row ${row}`,
        );
        const before = y.slice();
        expectAttnpoolError(() => be.softmax(mat(y, [rows, cols]), { out: y }), 'E_NONFINITE', new RegExp(`at row ${row}`));
        expectSameBits(y, before, `x after a refused softmax in place (row ${row})`);
      }
      const masked = x.slice();
      masked.fill(-Infinity, 69 * cols, 70 * cols); // the last row entirely −Infinity
      const out = filled(masked.length);
      expectRefused(() => be.softmax(mat(masked, [rows, cols]), { out }), 'E_VALUE', /x: row 69 is entirely -Infinity/, out, 'a masked row');
      const before = masked.slice();
      expectAttnpoolError(() => be.softmax(mat(masked, [rows, cols]), { out: masked }), 'E_VALUE', /row 69/);
      expectSameBits(masked, before, 'x after a refused softmax in place');
    });

    it('bmm: the same bits as without out, into the very array given', () => {
      const a = mat(uniform(3 * 5 * 7, -1, 1, 14), [3, 5, 7]);
      const b = mat(uniform(3 * 7 * 6, -1, 1, 15), [3, 7, 6]);
      const want = be.bmm(a, b);
      const out = filled(3 * 5 * 6);
      const got = be.bmm(a, b, { out });
      expect(got.data).toBe(out);
      expect(got.shape).toEqual([3, 5, 6]);
      expectSameBits(out, want.data, 'bmm');
    });

    it('attentionPool: ŷ and the weights into the arrays given, the same bits as without out', () => {
      const cases: [string, unknown, unknown, unknown, number | number[], { excludeSelf?: boolean; method?: 'fast' | 'dense' }][] = [
        ['shared keys', q, k, v, 2.5, {}],
        ['per-query keys', q, kRows, vRows, 1.3, {}],
        ['excludeSelf', k, k, v, 3.1, { excludeSelf: true }],
        ['d = 2, dv = 3', q2, k2, v3, [1.5, 0.5], {}],
        ['w = 1e39 (float64 path)', q, k, v, 1e39, {}],
      ];
      for (const [label, qq, kk, vv, w, o] of cases) {
        for (const kernel of KERNELS) {
          const want = be.attentionPool(qq as never, kk as never, vv as never, w, { ...o, kernel, weights: true });
          const yHat = filled(want.yHat.data.length);
          const weights = filled(want.weights!.data.length);
          const got = be.attentionPool(qq as never, kk as never, vv as never, w, { ...o, kernel, weights: true, out: { yHat, weights } });
          expect(got.yHat.data).toBe(yHat);
          expect(got.weights!.data).toBe(weights);
          expect(got.yHat.shape).toEqual(want.yHat.shape);
          expectSameBits(yHat, want.yHat.data, `${label}, ${kernel}: yHat`);
          expectSameBits(weights, want.weights!.data, `${label}, ${kernel}: weights`);
          // either one alone
          const onlyY = filled(yHat.length);
          // dense, as with weights: 'auto' might take the fast path here, whose bits differ (tests/costModel.test.ts)
          const noWeights = be.attentionPool(qq as never, kk as never, vv as never, w, { method: 'dense', ...o, kernel, out: { yHat: onlyY } });
          expect(noWeights.yHat.data).toBe(onlyY);
          expect(noWeights.weights).toBeUndefined();
          expectSameBits(onlyY, want.yHat.data, `${label}, ${kernel}: yHat alone`);
          const onlyW = filled(weights.length);
          const withW = be.attentionPool(qq as never, kk as never, vv as never, w, { ...o, kernel, weights: true, out: { weights: onlyW } });
          expect(withW.weights!.data).toBe(onlyW);
          expectSameBits(onlyW, want.weights!.data, `${label}, ${kernel}: weights alone`);
        }
      }
    });

    it('attentionPool and attentionPoolLoss: the fast Gauss transform writes out.yHat', () => {
      const x = uniform(3000, 0, 5, 16);
      const y = uniform(3000, -1, 1, 17);
      const want = be.attentionPool(x, x, y, 4, { method: 'fast' });
      const yHat = filled(3000);
      expect(be.attentionPool(x, x, y, 4, { method: 'fast', out: { yHat } }).yHat.data).toBe(yHat);
      expectSameBits(yHat, want.yHat.data, 'fast pool');
      const wantLoss = be.attentionPoolLoss(x, x, y, y, 4, { method: 'fast', excludeSelf: true });
      const lossY = filled(3000);
      const got = be.attentionPoolLoss(x, x, y, y, 4, { method: 'fast', excludeSelf: true, out: { yHat: lossY } });
      expect(got.yHat.data).toBe(lossY);
      expect(got.loss).toBe(wantLoss.loss);
      expect(got.grad).toBe(wantLoss.grad);
      expectSameBits(lossY, wantLoss.yHat.data, 'fast loss');
    });

    it('attentionPoolLoss: ŷ into out.yHat, loss and gradient unchanged', () => {
      const cases: [string, unknown, unknown, unknown, unknown, number | number[], { excludeSelf?: boolean }][] = [
        ['shared keys', q, k, v, t, 2.5, {}],
        ['per-query keys', q, kRows, vRows, t, 1.3, {}],
        ['excludeSelf', k, k, v, v, 3.1, { excludeSelf: true }],
        ['d = 2, dv = 3', q2, k2, v3, mat(uniform(nq * 3, -1, 1, 18), [nq, 3]), [1.5, 0.5], {}],
        ['w = 1e39 (float64 path)', q, k, v, t, 1e39, {}],
      ];
      for (const [label, qq, kk, vv, tt, w, o] of cases) {
        for (const kernel of KERNELS) {
          const want = be.attentionPoolLoss(qq as never, kk as never, vv as never, tt as never, w as never, { ...o, kernel, method: 'dense' });
          const yHat = filled(want.yHat.data.length);
          const got = be.attentionPoolLoss(qq as never, kk as never, vv as never, tt as never, w as never, { ...o, kernel, method: 'dense', out: { yHat } });
          expect(got.yHat.data).toBe(yHat);
          expect(got.loss, `${label}, ${kernel}: loss`).toBe(want.loss);
          expect(got.grad, `${label}, ${kernel}: grad`).toEqual(want.grad);
          expectSameBits(yHat, want.yHat.data, `${label}, ${kernel}: yHat`);
        }
      }
    });

    it('one buffer serves call after call with other inputs and sizes (subarrays of it)', () => {
      const buffer = new Float32Array(nq * nk);
      for (let seed = 20; seed < 24; seed++) {
        const qq = uniform(nq, 0, 5, seed);
        const kk = uniform(nk - seed, 0, 5, seed + 100);
        const want = be.scores(qq, kk, 1 + seed / 10);
        const out = buffer.subarray(0, nq * (nk - seed));
        expect(be.scores(qq, kk, 1 + seed / 10, { out }).data).toBe(out);
        expectSameBits(out, want.data, `scores, call ${seed}`);
        const x = mat(uniform(nq * 100, -5, 5, seed), [nq, 100]);
        const sOut = buffer.subarray(0, nq * 100);
        be.softmax(x, { out: sOut });
        expectSameBits(sOut, be.softmax(x).data, `softmax, call ${seed}`);
        const yHat = buffer.subarray(0, nq);
        be.attentionPool(qq, kk, v.subarray(0, nk - seed), 2, { out: { yHat } });
        expectSameBits(yHat, be.attentionPool(qq, kk, v.subarray(0, nk - seed), 2).yHat.data, `attentionPool, call ${seed}`);
      }
      // the result of an earlier call holds the latest one: it is the caller's buffer
      const first = be.attentionPool(q, k, v, 1, { out: { yHat: buffer.subarray(0, nq) } });
      be.attentionPool(q, k, v, 2, { out: { yHat: buffer.subarray(0, nq) } });
      expectSameBits(first.yHat.data, be.attentionPool(q, k, v, 2).yHat.data, 'an earlier result after a later call');
    });

    describe('refuses a bad out with a message naming it, writing nothing', () => {
      const n = nq * nk;
      it('not a Float32Array', () => {
        for (const bad of [[1, 2, 3], new Float64Array(n), { data: new Float32Array(n), shape: [nq, nk] }, 'out', null]) {
          const sentinel = filled(1);
          expectRefused(
            () => be.scores(q, k, 1, { out: bad as never }),
            'E_OPTION',
            /^scores: out must be a Float32Array of 38147 elements \(the scores \[37, 1031\]\), got /,
            sentinel,
            String(bad),
          );
        }
        expectAttnpoolError(() => be.gaussianScores(q, k, 1, { out: [] as never }), 'E_OPTION', /^gaussianScores: out must be a Float32Array/);
        expectAttnpoolError(
          () => be.softmax(q, { out: new Float64Array(nq) as never }),
          'E_OPTION',
          /^softmax: out must be a Float32Array of 37 elements \(x's \[37\]\), got a Float64Array/,
        );
        expectAttnpoolError(
          () => be.bmm(mat(q, [1, 1, nq]), mat(q.slice(), [1, nq, 1]), { out: 1 as never }),
          'E_OPTION',
          /^bmm: out must be a Float32Array of 1 elements/,
        );
        expectAttnpoolError(
          () => be.attentionPool(q, k, v, 1, { out: { yHat: Array.from(q) as never } }),
          'E_OPTION',
          /^attentionPool: out.yHat must be a Float32Array of 37 elements \(ŷ \[37\]\), got an array of length 37/,
        );
      });

      it('of the wrong length, a subarray of the wrong length included', () => {
        for (const len of [n - 1, n + 1, 0]) {
          const out = filled(len);
          expectRefused(
            () => be.scores(q, k, 1, { out }),
            'E_SHAPE',
            /^scores: out must have 38147 elements \(the scores \[37, 1031\]\), got a Float32Array of \d+/,
            out,
            `length ${len}`,
          );
        }
        const big = filled(n + 10);
        expectRefused(
          () => be.scores(q, k, 1, { out: big.subarray(1) }),
          'E_SHAPE',
          /got a Float32Array of 38156 \(pass out.subarray\(0, 38147\) to use part of it\)/,
          big,
          'a subarray too long',
        );
        expectRefused(() => be.scores(q, k, 1, { out: big.subarray(0, n - 4) }), 'E_SHAPE', /out must have 38147 elements/, big, 'a subarray too short');
        expectRefused(
          () => be.softmax(mat(v, [1, nk]), { out: big.subarray(0, nk + 1) }),
          'E_SHAPE',
          /^softmax: out must have 1031 elements \(x's \[1, 1031\]\)/,
          big,
          'softmax',
        );
        expectRefused(
          () => be.bmm(mat(q, [1, 1, nq]), mat(q.slice(), [1, nq, 1]), { out: big.subarray(0, 2) }),
          'E_SHAPE',
          /^bmm: out must have 1 elements \(the product \[1, 1, 1\]\)/,
          big,
          'bmm',
        );
        expectRefused(
          () => be.attentionPool(q, k, v, 1, { out: { yHat: big.subarray(0, nq + 1) } }),
          'E_SHAPE',
          /^attentionPool: out.yHat must have 37 elements \(ŷ \[37\]\)/,
          big,
          'yHat',
        );
        expectRefused(
          () => be.attentionPool(q2, k2, v3, 1, { out: { yHat: big.subarray(0, nq) } }),
          'E_SHAPE',
          /^attentionPool: out.yHat must have 111 elements \(ŷ \[37, 3\]\)/,
          big,
          'yHat with value columns',
        );
        expectRefused(
          () => be.attentionPool(q, k, v, 1, { weights: true, out: { yHat: big.subarray(0, nq), weights: big.subarray(nq, nq + n - 1) } }),
          'E_SHAPE',
          /^attentionPool: out.weights must have 38147 elements \(the weights \[37, 1031\]\)/,
          big,
          'weights (and yHat, checked first, left as it was)',
        );
        expectRefused(
          () => be.attentionPoolLoss(q, k, v, t, 1, { out: { yHat: big.subarray(0, 1) } }),
          'E_SHAPE',
          /^attentionPoolLoss: out.yHat must have 37 elements/,
          big,
          'loss',
        );
      });

      it('sharing memory with an input', () => {
        const big = filled(n + nq);
        big.set(q);
        const qIn = big.subarray(0, nq);
        expectRefused(
          () => be.scores(qIn, k, 1, { out: big.subarray(nq - 1, nq - 1 + n) }),
          'E_OPTION',
          /^scores: out shares memory with queries; pass a Float32Array that overlaps no input/,
          big.subarray(nq),
          'scores, queries',
        );
        const keyBuf = filled(n + nk);
        keyBuf.set(k, n);
        expectRefused(
          () => be.scores(q, keyBuf.subarray(n), 1, { out: keyBuf.subarray(1, n + 1) }),
          'E_OPTION',
          /^scores: out shares memory with keys/,
          keyBuf.subarray(0, n),
          'scores, keys',
        );
        // bmm: with a and with b
        const ab = filled(12 + 12 + 9);
        ab.set(uniform(12, -1, 1, 30), 0);
        ab.set(uniform(12, -1, 1, 31), 12);
        const a = mat(ab.subarray(0, 12), [1, 3, 4]);
        const b = mat(ab.subarray(12, 24), [1, 4, 3]);
        expectAttnpoolError(() => be.bmm(a, b, { out: ab.subarray(3, 12) }), 'E_OPTION', /^bmm: out shares memory with a/);
        expectAttnpoolError(() => be.bmm(a, b, { out: ab.subarray(20, 29) }), 'E_OPTION', /^bmm: out shares memory with b/);
        expectUntouched(ab.subarray(24), 'bmm');
        expect(be.bmm(a, b, { out: ab.subarray(24) }).data).toEqual(be.bmm(mat(a.data.slice(), a.shape), mat(b.data.slice(), b.shape)).data); // beside them: fine
        // softmax: overlapping x without being x
        const xs = filled(20);
        xs.set(uniform(16, -1, 1, 32));
        const x = mat(xs.subarray(0, 16), [4, 4]);
        const xBefore = xs.slice();
        expectAttnpoolError(
          () => be.softmax(x, { out: xs.subarray(4, 20) }),
          'E_OPTION',
          /^softmax: out overlaps x without being the same elements; pass x's own data \(in place\)/,
        );
        expectSameBits(xs, xBefore, 'softmax, shifted');
        // pooling: values, targets, and the two outs with each other
        const vb = filled(nk + nq);
        vb.set(v);
        expectRefused(
          () => be.attentionPool(q, k, vb.subarray(0, nk), 1, { out: { yHat: vb.subarray(nk - 1, nk - 1 + nq) } }),
          'E_OPTION',
          /^attentionPool: out.yHat shares memory with values/,
          vb.subarray(nk),
          'values',
        );
        const tb = filled(2 * nq);
        tb.set(t);
        expectRefused(
          () => be.attentionPoolLoss(q, k, v, tb.subarray(0, nq), 1, { out: { yHat: tb.subarray(1, nq + 1) } }),
          'E_OPTION',
          /^attentionPoolLoss: out.yHat shares memory with targets/,
          tb.subarray(nq),
          'targets',
        );
        const both = filled(nq + n);
        expectRefused(
          () => be.attentionPool(q, k, v, 1, { weights: true, out: { yHat: both.subarray(0, nq), weights: both.subarray(nq - 1, nq - 1 + n) } }),
          'E_OPTION',
          /^attentionPool: out.weights shares memory with out.yHat/,
          both,
          'yHat and weights',
        );
      });

      it('a detached buffer', () => {
        const out = new Float32Array(n);
        structuredClone(out.buffer, { transfer: [out.buffer] });
        expectAttnpoolError(() => be.scores(q, k, 1, { out }), 'E_OPTION', /^scores: out is a view of a detached ArrayBuffer \(it was transferred\)/);
        const yHat = new Float32Array(nq);
        structuredClone(yHat.buffer, { transfer: [yHat.buffer] });
        expectAttnpoolError(() => be.attentionPool(q, k, v, 1, { out: { yHat } }), 'E_OPTION', /^attentionPool: out.yHat is a view of a detached ArrayBuffer/);
      });

      it('a malformed out object, out.weights without weights: true', () => {
        const yHat = filled(nq);
        expectRefused(
          () => be.attentionPool(q, k, v, 1, { out: yHat as never }),
          'E_OPTION',
          /^attentionPool: out must be an object \{ yHat, weights \} of Float32Arrays, got a Float32Array \(pass \{ yHat: … \}\)/,
          yHat,
          'a bare array',
        );
        expectRefused(
          () => be.attentionPool(q, k, v, 1, { out: { y: yHat } as never }),
          'E_OPTION',
          /^attentionPool: out has an unknown key "y" \(known: yHat, weights\)/,
          yHat,
          'an unknown key',
        );
        expectRefused(
          () => be.attentionPoolLoss(q, k, v, t, 1, { out: { weights: yHat } as never }),
          'E_OPTION',
          /^attentionPoolLoss: out has an unknown key "weights" \(known: yHat\)/,
          yHat,
          'weights of the loss',
        );
        const weights = filled(n);
        expectRefused(
          () => be.attentionPool(q, k, v, 1, { out: { weights } }),
          'E_OPTION',
          /^attentionPool: out.weights needs weights: true/,
          weights,
          'weights not asked for',
        );
        expectAttnpoolError(() => be.softmax(q, { output: q } as never), 'E_OPTION', /^softmax: unknown option "output" \(known: out\)/);
        expectAttnpoolError(() => be.bmm(mat(q, [1, 1, nq]), mat(q, [1, nq, 1]), 5 as never), 'E_OPTION', /^bmm: options must be an object/);
      });

      it('a bad input with a good out: refused before anything is written', () => {
        const out = filled(n);
        const bad = q.slice();
        bad[3] = Number.NaN;
        expectRefused(() => be.scores(bad, k, 1, { out }), 'E_NONFINITE', /queries: expected finite numbers/, out, 'NaN query');
        const yHat = filled(nq);
        expectRefused(
          () => be.attentionPool(q, k, v.subarray(1), 1, { out: { yHat } }),
          'E_SHAPE',
          /values: expected the shape of keys/,
          yHat,
          'values of the wrong shape',
        );
        expectRefused(() => be.attentionPoolLoss(q, k, v, t, -1, { out: { yHat } }), 'E_VALUE', /w: expected a finite number >= 0/, yHat, 'a negative w');
      });
    });
  });
}

describe("out on 'wasm': a view of the backend's own memory is refused", () => {
  let be: Backend;
  let memory: () => ArrayBuffer;
  beforeAll(async () => {
    be = await load('wasm');
    be.scores(q, k, 1); // memory large enough for the views below
    memory = () => ((be as FrontEnd).kernels as WasmKernels).memory.buffer as ArrayBuffer;
  });

  it('for every method, writing nothing there, and the backend stays right', () => {
    const view = (length: number) => new Float32Array(memory(), 1024, length);
    const message =
      /out(\.yHat|\.weights)? is a view of the WASM backend's own memory, which the call overwrites and may grow \(detaching the view\); pass a Float32Array of your own/;
    expectAttnpoolError(() => be.scores(q, k, 1, { out: view(nq * nk) }), 'E_OPTION', message);
    expectAttnpoolError(() => be.softmax(mat(k, [1, nk]), { out: view(nk) }), 'E_OPTION', message);
    expectAttnpoolError(() => be.bmm(mat(q, [1, 1, nq]), mat(q, [1, nq, 1]), { out: view(1) }), 'E_OPTION', message);
    expectAttnpoolError(
      () => be.attentionPool(q, k, v, 1, { out: { yHat: view(nq) } }),
      'E_OPTION',
      /attentionPool: out.yHat is a view of the WASM backend's own memory/,
    );
    expectAttnpoolError(
      () => be.attentionPool(q, k, v, 1, { weights: true, out: { weights: view(nq * nk) } }),
      'E_OPTION',
      /attentionPool: out.weights is a view/,
    );
    expectAttnpoolError(() => be.attentionPoolLoss(q, k, v, t, 1, { out: { yHat: view(nq) } }), 'E_OPTION', /attentionPoolLoss: out.yHat is a view/);
    // the memory the view saw is unchanged by the refusals
    const before = new Float32Array(memory(), 1024, nq * nk).slice();
    expectAttnpoolError(() => be.scores(q, k, 2, { out: view(nq * nk) }), 'E_OPTION', message);
    expectSameBits(new Float32Array(memory(), 1024, nq * nk), before, 'WASM memory after a refusal');
    const out = filled(nq * nk);
    be.scores(q, k, 2, { out });
    expectSameBits(out, be.scores(q, k, 2).data, 'the next call');
  });

  it('but a view of another backend’s memory is an array like any other', async () => {
    const other = await load('wasm');
    other.scores(q, k, 1);
    const foreign = new Float32Array(((other as FrontEnd).kernels as WasmKernels).memory.buffer, 64, nq);
    expect(be.attentionPool(q, k, v, 1, { out: { yHat: foreign } }).yHat.data).toBe(foreign);
    expectSameBits(foreign, be.attentionPool(q, k, v, 1).yHat.data, 'into another instance’s memory');
  });
});

describe('out on the threaded backend (threads = 2)', () => {
  let par: ParallelBackendHandle;
  let single: Backend;
  beforeAll(async () => {
    // minPairs 0: even these small calls are split over the workers
    par = await createParallelBackend(2, { minPairs: 0, steal: false });
    single = await load('wasm');
  });
  afterAll(async () => {
    await par.close();
  });

  it('a sliced attentionPool and attentionPoolLoss write out.yHat: the single thread’s bits', () => {
    for (const [qq, kk, vv, tt, w] of [
      [q, k, v, t, 2.5],
      [q, kRows, vRows, t, 1.3],
      [q2, k2, v3, mat(uniform(nq * 3, -1, 1, 40), [nq, 3]), [1.5, 0.5]],
    ] as const) {
      const want = single.attentionPool(qq as never, kk as never, vv as never, w as never);
      const yHat = filled(want.yHat.data.length);
      expect(par.attentionPool(qq as never, kk as never, vv as never, w as never, { out: { yHat } }).yHat.data).toBe(yHat);
      expectSameBits(yHat, want.yHat.data, 'pool');
      const wantLoss = single.attentionPoolLoss(qq as never, kk as never, vv as never, tt as never, w as never);
      const lossY = filled(want.yHat.data.length);
      const got = par.attentionPoolLoss(qq as never, kk as never, vv as never, tt as never, w as never, { out: { yHat: lossY } });
      expect(got.yHat.data).toBe(lossY);
      expect(got.loss).toBe(wantLoss.loss);
      expect(got.grad).toEqual(wantLoss.grad);
      expectSameBits(lossY, wantLoss.yHat.data, 'loss');
    }
  });

  it('scores, softmax, bmm and the weights (the calling thread) write out', () => {
    const out = filled(nq * nk);
    expectSameBits(par.scores(q, k, 2, { out }).data, single.scores(q, k, 2).data, 'scores');
    const x = mat(uniform(nq * nk, -4, 4, 41), [nq, nk]);
    const want = single.softmax(x).data;
    expect(par.softmax(x, { out: x.data }).data).toBe(x.data);
    expectSameBits(x.data, want, 'softmax in place');
    const yHat = filled(nq);
    const weights = filled(nq * nk);
    par.attentionPool(q, k, v, 2, { weights: true, out: { yHat, weights } });
    const w = single.attentionPool(q, k, v, 2, { weights: true });
    expectSameBits(yHat, w.yHat.data, 'yHat with weights');
    expectSameBits(weights, w.weights!.data, 'weights');
  });

  it("refuses a view of the calling thread's memory", () => {
    const own = (par.kernels as unknown as { single: WasmKernels }).single.memory.buffer as ArrayBuffer;
    expectAttnpoolError(
      () => par.attentionPool(q, k, v, 1, { out: { yHat: new Float32Array(own, 64, nq) } }),
      'E_OPTION',
      /out.yHat is a view of the WASM backend's own memory/,
    );
    expectAttnpoolError(() => par.scores(q, k, 1, { out: new Float32Array(own, 64, nq * nk) }), 'E_OPTION', /out is a view of the WASM backend's own memory/);
  });
});
