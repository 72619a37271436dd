// The WASM backend's own guarantees: its exp's error bound, its flush to zero, edge shapes,
// views at odd offsets, and memory that stops growing.
import { beforeAll, describe, expect, it } from 'vitest';
import { createJsBackend } from '../src/backend/js/index.js';
import { BASE, gradientFactor, PAGE, poolScratch, SLACK, scoreScale, sliceBytes } from '../src/backend/wasm/abi.js';
import { loadWasmBackend, wasmMemoryBytes } from '../src/backend/wasm/index.js';
import { Workspace } from '../src/backend/wasm/workspace.js';
import { instantiateKernels, type KernelExports } from '../src/backend/wasm/load.js';
import type { Backend, PoolLossResult } from '../src/backend/types.js';
import { expectClose, uniform } from './reference.js';

const reference = createJsBackend();

describe('exp2 (assembly/exp.ts)', () => {
  let k: KernelExports;
  const n = 1 << 16;
  const X = 64;
  const OUT = X + 4 * n;
  beforeAll(async () => {
    k = await instantiateKernels();
    k.memory.grow(Math.ceil((OUT + 4 * n) / 65536));
  });
  function exp2(xs: Float32Array): Float32Array {
    new Float32Array(k.memory.buffer, X, xs.length).set(xs);
    k.exp2Array(X, xs.length, OUT);
    return new Float32Array(k.memory.buffer, OUT, xs.length).slice();
  }

  it('has a relative error below 3e-7 against Math.exp over the kernels’ range [−100, 0]', () => {
    // The kernels evaluate 2^x with x = (s − max s)·log2 e in [−100, 0]; a dense grid plus the
    // integers and half-integers, where the range reduction switches.
    const xs = Float32Array.from({ length: n }, (_, i) => (i <= 400 ? -i / 4 : -100 * (i / n)));
    const got = exp2(xs);
    let worst = 0;
    xs.forEach((x, i) => {
      const want = Math.exp(x * Math.LN2);
      worst = Math.max(worst, Math.abs(got[i] - want) / want);
    });
    // Measured 2.55e-7 (the polynomial's 7.5e-8 plus float32 rounding); the bound is 5e-7.
    expect(worst).toBeLessThan(3e-7);
    expect(worst).toBeGreaterThan(0);
  });

  it('gives the same bits in the vector body and the scalar tail', () => {
    const xs = uniform(4099, -100, 0, 3); // 4096 in the vector loop, 3 in the tail
    const a = exp2(xs);
    const b = exp2(xs.subarray(4096)); // the same 3 values, now 0 in the vector loop
    const c = exp2(Float32Array.from([xs[4096], xs[4097], xs[4098], xs[4096]])); // and in the vector body
    expect(Array.from(b)).toEqual(Array.from(a.subarray(4096)));
    expect(Array.from(c.subarray(0, 3))).toEqual(Array.from(b));
  });

  it('flushes results below 2^-100 to exactly 0 and never returns a denormal or NaN', () => {
    const xs = Float32Array.from([-100, -100.5, -101, -126, -149, -1e6, -Infinity, NaN, -99.99]);
    const got = exp2(xs);
    expect(got[0] / 2 ** -100).toBeCloseTo(1, 6);
    expect(Array.from(got.subarray(1, 8))).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(got[8]).toBeGreaterThan(2 ** -100);
  });
});

describe('wasm backend', () => {
  let be: Backend;
  beforeAll(async () => {
    be = await loadWasmBackend();
  });

  it('handles every length remainder mod 8 for keys and queries, shared and per query, with excludeSelf', () => {
    for (let nk = 1; nk <= 17; nk++) {
      for (const nq of [1, 3, 8, 9]) {
        const q = uniform(nq, 0, 5, nk * 31 + nq);
        const k = uniform(nk, 0, 5, nk * 37 + nq);
        const v = uniform(nk, -1, 1, nk * 41 + nq);
        const got = be.attentionPool(q, k, v, 1.7, { weights: true });
        const want = reference.attentionPool(q, k, v, 1.7, { weights: true });
        expectClose(got.yHat.data, want.yHat.data, 1e-6, 1e-6, `yHat nq=${nq} nk=${nk}`);
        expectClose(got.weights!.data, want.weights!.data, 1e-6, 0, `weights nq=${nq} nk=${nk}`);
        if (nk === 1) continue; // one key per query reads as a column vector and is refused (tests/issue19.test.ts)
        const kk = { data: uniform(nq * nk, 0, 5, nk + 7 * nq), shape: [nq, nk] };
        const vv = { data: uniform(nq * nk, -1, 1, nk + 11 * nq), shape: [nq, nk] };
        expectClose(be.attentionPool(q, kk, vv, 1.7).yHat.data, reference.attentionPool(q, kk, vv, 1.7).yHat.data, 1e-6, 1e-6, 'per query');
      }
      if (nk >= 2) {
        const x = uniform(nk, 0, 5, nk);
        const y = uniform(nk, -1, 1, nk + 1);
        const got = be.attentionPoolLoss(x, x, y, y, 2.3, { excludeSelf: true });
        const want = reference.attentionPoolLoss(x, x, y, y, 2.3, { excludeSelf: true });
        expect(Math.abs(got.loss - want.loss)).toBeLessThanOrEqual(1e-5 * want.loss + 1e-9);
        expect(Math.abs(got.grad - want.grad)).toBeLessThanOrEqual(2e-5 + 2e-5 * Math.abs(want.grad));
      }
    }
  });

  it('computes scores and softmax a block of rows at a time: every block right, and rows longer than a block', () => {
    // 32768 floats a block: 1031 keys give blocks of 31 rows and a shorter last one; 40000 keys
    // a block per row; 3 columns blocks of 10922 rows.
    const kernels = ['gaussian', 'epanechnikov', 'boxcar'] as const;
    const shapes: [string, number, number, number][] = [
      ['nq = 100, nk = 1031', 100, 1031, 1],
      ['nq = 3, nk = 40000', 3, 40000, 1],
      ['d = 2', 100, 1031, 2],
    ];
    for (const [label, nq, nk, d] of shapes) {
      const q = { data: uniform(nq * d, 0, 5, nq + d), shape: d === 1 ? [nq] : [nq, d] };
      const shared = { data: uniform(nk * d, 0, 5, nk + d), shape: d === 1 ? [nk] : [nk, d] };
      const perQuery = { data: uniform(nq * nk * d, 0, 5, nk + d + 1), shape: d === 1 ? [nq, nk] : [nq, nk, d] };
      for (const keys of [shared, perQuery]) {
        for (const kernel of kernels) {
          const got = be.scores(q, keys, 1.3, { kernel }).data;
          const want = reference.scores(q, keys, 1.3, { kernel }).data;
          const what = `${label}, ${keys === shared ? 'shared' : 'per-query'} keys, ${kernel}`;
          // the compact kernels' scores are −Infinity outside the support: compared as K = e^s
          if (kernel === 'gaussian') expectClose(got, want, 1e-6, 1e-6, what);
          else expectClose(got.map(Math.exp), want.map(Math.exp), 1e-6, 0, what);
        }
      }
    }
    for (const [rows, cols] of [
      [100, 1031],
      [3, 40000],
      [40000, 3],
    ]) {
      const x = { data: uniform(rows * cols, -20, 20, rows), shape: [rows, cols] };
      expectClose(be.softmax(x).data, reference.softmax(x).data, 1e-7, 1e-5, `softmax [${rows}, ${cols}]`);
    }
  });

  // The kernels run keys in blocks of 4 and mask two blocks per query (the skipped key's and the
  // partial last one): every position of the skipped key in its block, every remainder mod 4.
  it('handles every nk from 1 to 17 with excludeSelf and with per-query rows, forward and loss', () => {
    for (let nk = 1; nk <= 17; nk++) {
      const x = uniform(nk, 0, 5, 3 * nk);
      const y = uniform(nk, -1, 1, 5 * nk);
      const t = uniform(nk, -1, 1, 7 * nk);
      if (nk >= 2) {
        const got = be.attentionPool(x, x, y, 1.9, { excludeSelf: true, weights: true });
        const want = reference.attentionPool(x, x, y, 1.9, { excludeSelf: true, weights: true });
        expectClose(got.yHat.data, want.yHat.data, 1e-6, 1e-6, `excludeSelf yHat nk=${nk}`);
        expectClose(got.weights!.data, want.weights!.data, 1e-6, 0, `excludeSelf weights nk=${nk}`);
        for (let i = 0; i < nk; i++) expect(got.weights!.data[i * nk + i], `weight of the skipped key ${i}, nk=${nk}`).toBe(0);
        // queries other than the keys, targets other than the values
        const q = uniform(nk, 0, 5, 11 * nk);
        expectLoss(
          be.attentionPoolLoss(q, x, y, t, 2.3, { excludeSelf: true }),
          reference.attentionPoolLoss(q, x, y, t, 2.3, { excludeSelf: true }),
          `excludeSelf nk=${nk}`,
        );
        const nq = 5;
        const qq = uniform(nq, 0, 5, 13 * nk);
        const kk = { data: uniform(nq * nk, 0, 5, 17 * nk), shape: [nq, nk] };
        const vv = { data: uniform(nq * nk, -1, 1, 19 * nk), shape: [nq, nk] };
        const tt = uniform(nq, -1, 1, 23 * nk);
        expectLoss(be.attentionPoolLoss(qq, kk, vv, tt, 1.4), reference.attentionPoolLoss(qq, kk, vv, tt, 1.4), `per query nk=${nk}`);
      }
      expectLoss(be.attentionPoolLoss(x, x, y, t, 2.3), reference.attentionPoolLoss(x, x, y, t, 2.3), `shared nk=${nk}`);
    }
  });

  it('never lets what memory holds past a slice (NaN, ±Infinity, huge) into a result', async () => {
    const fresh = await loadWasmBackend();
    const memory = (fresh as unknown as { kernels: { memory: WebAssembly.Memory } }).kernels.memory;
    // the float64 fallback would hide a NaN let through: here it fails the test instead
    const fallback = () => {
      throw new Error('the WASM kernels gave up on the call (a NaN got through)');
    };
    (fresh as unknown as { reference: unknown }).reference = { pool: fallback, poolLoss: fallback };
    // a larger call first, so that a smaller one's slices end inside what it wrote
    fresh.attentionPool(uniform(300, 0, 5, 1), uniform(300, 0, 5, 2), uniform(300, -1, 1, 3), 1, { weights: true });
    for (const fill of [Number.NaN, Infinity, -Infinity, 3e38]) {
      for (let n = 2; n <= 9; n++) {
        const x = uniform(n, 0, 5, n);
        const y = uniform(n, -1, 1, n + 1);
        const q = uniform(n, 0, 5, n + 2);
        const kk = { data: uniform(3 * n, 0, 5, n + 3), shape: [3, n] };
        const vv = { data: uniform(3 * n, -1, 1, n + 4), shape: [3, n] };
        const what = `fill ${fill}, n=${n}`;
        new Float32Array(memory.buffer).fill(fill);
        const got = fresh.attentionPool(x, x, y, 1.9, { excludeSelf: true, weights: true });
        const want = reference.attentionPool(x, x, y, 1.9, { excludeSelf: true, weights: true });
        expectClose(got.yHat.data, want.yHat.data, 1e-6, 1e-6, `excludeSelf yHat, ${what}`);
        expectClose(got.weights!.data, want.weights!.data, 1e-6, 0, `excludeSelf weights, ${what}`);
        new Float32Array(memory.buffer).fill(fill);
        expectClose(fresh.attentionPool(q, x, y, 1.9).yHat.data, reference.attentionPool(q, x, y, 1.9).yHat.data, 1e-6, 1e-6, `shared yHat, ${what}`);
        new Float32Array(memory.buffer).fill(fill);
        expectLoss(
          fresh.attentionPoolLoss(x, x, y, y, 2.3, { excludeSelf: true }),
          reference.attentionPoolLoss(x, x, y, y, 2.3, { excludeSelf: true }),
          `loss, ${what}`,
        );
        new Float32Array(memory.buffer).fill(fill);
        const q3 = uniform(3, 0, 5, n + 5);
        const y3 = uniform(3, -1, 1, n + 6);
        expectLoss(fresh.attentionPoolLoss(q3, kk, vv, y3, 1.4), reference.attentionPoolLoss(q3, kk, vv, y3, 1.4), `per-query loss, ${what}`);
      }
    }
  });

  it('runs calls whose slices and slack end exactly at the end of memory', async () => {
    // layouts (src/backend/wasm/kernels.ts) from BASE, SLACK bytes after the last slice:
    // the forward with weights: q [nq], k [nk], v [nk], ŷ [nq], weights [nq, nk], scratch;
    // the loss (distinct arrays): q [nq], k [nk], v [nk], targets [nq], ŷ [nq], 4 floats of sums, scratch
    const layouts = {
      weights: (nq: number, nk: number) => BASE + 2 * sliceBytes(nq) + 2 * sliceBytes(nk) + sliceBytes(nq * nk) + sliceBytes(poolScratch(nk)) + SLACK,
      loss: (nq: number, nk: number) => BASE + 3 * sliceBytes(nq) + 2 * sliceBytes(nk) + sliceBytes(4) + sliceBytes(poolScratch(nk)) + SLACK,
    };
    for (const [name, bytes] of Object.entries(layouts)) {
      const [nq, nk] = exactFit(bytes);
      expect(nk % 4, `${name}: a partial last block of keys`).not.toBe(0);
      const fresh = await loadWasmBackend();
      const q = uniform(nq, 0, 5, nq);
      const k = uniform(nk, 0, 5, nk);
      const v = uniform(nk, -1, 1, nk + 1);
      const t = uniform(nq, -1, 1, nq + 2);
      if (name === 'weights') {
        const got = fresh.attentionPool(q, k, v, 1.3, { weights: true });
        const want = reference.attentionPool(q, k, v, 1.3, { weights: true });
        expectClose(got.yHat.data, want.yHat.data, 1e-6, 1e-6, `${name} yHat`);
        expectClose(got.weights!.data, want.weights!.data, 1e-6, 0, `${name} weights`);
      } else {
        expectLoss(fresh.attentionPoolLoss(q, k, v, t, 1.3), reference.attentionPoolLoss(q, k, v, t, 1.3), name);
      }
      expect(wasmMemoryBytes(fresh), `${name}: nq=${nq}, nk=${nk} fill the memory`).toBe(bytes(nq, nk));
    }
  });

  it('reads no further than SLACK bytes past keys and values that end the memory (the kernels, called directly)', async () => {
    const k = await instantiateKernels();
    const end = k.memory.buffer.byteLength - SLACK;
    const f32 = new Float32Array(k.memory.buffer);
    const c = scoreScale(1.7);
    for (let nk = 2; nk <= 9; nk++) {
      const x = uniform(nk, 0, 5, nk);
      const y = uniform(nk, -1, 1, nk + 1);
      // ŷ, the sums and the other array low; keys (or values) ending exactly SLACK bytes before the end
      const [yHat, result, low, scratch] = [BASE, BASE + 64, BASE + 128, BASE + 192];
      const top = end - 4 * nk;
      for (const last of ['keys', 'values']) {
        f32.fill(Number.NaN);
        const [kp, vp] = last === 'keys' ? [top, low] : [low, top];
        f32.set(x, kp >> 2);
        f32.set(y, vp >> 2);
        const what = `${last} last, nk=${nk}`;
        expect(k.pool(kp, nk, kp, vp, nk, false, true, c, yHat, 0, scratch), `pool, ${what}`).toBe(1);
        const want = reference.attentionPool(x, x, y, 1.7, { excludeSelf: true });
        expectClose(f32.subarray(yHat >> 2, (yHat >> 2) + nk), want.yHat.data, 1e-6, 1e-6, `pool, ${what}`);
        expect(k.poolLoss(kp, nk, kp, vp, nk, false, true, c, gradientFactor(1.7), vp, yHat, result, scratch), `loss, ${what}`).toBe(1);
        const loss = reference.attentionPoolLoss(x, x, y, y, 1.7, { excludeSelf: true });
        expect(Math.abs(new Float64Array(k.memory.buffer, result, 1)[0] - loss.loss), `loss, ${what}`).toBeLessThanOrEqual(1e-5 * loss.loss);
      }
    }
  });

  it('kernels refuse differences beyond float32 and a ŷ that is not finite (the host then takes the float64 path)', async () => {
    const k = await instantiateKernels();
    const f32 = new Float32Array(k.memory.buffer);
    const [q, keys, v, y, t, result, scratch] = [BASE, BASE + 32, BASE + 64, BASE + 96, BASE + 128, BASE + 160, BASE + 192];
    const c = scoreScale(1);
    const call = (qs: number[], ks: number[], vs: number[], ts = qs) => {
      f32.set(qs, q >> 2);
      f32.set(ks, keys >> 2);
      f32.set(vs, v >> 2);
      f32.set(ts, t >> 2);
      const pool = k.pool(q, qs.length, keys, v, ks.length, false, false, c, y, 0, scratch);
      const loss = k.poolLoss(q, qs.length, keys, v, ks.length, false, false, c, gradientFactor(1), t, y, result, scratch);
      return [pool, loss];
    };
    expect(call([1, 2, 3], [0, 1, 2, 4, 5], [1, 2, 3, 4, 5])).toEqual([1, 1]);
    // |q − k| = 2e38 > F32_MAX / 2, whichever array holds the extremes
    expect(call([1e38, 0, 0], [-1e38, 1, 2, 4, 5], [1, 2, 3, 4, 5])).toEqual([0, 0]);
    expect(call([0, 0, -1e38], [0, 1, 2, 4, 1e38], [1, 2, 3, 4, 5])).toEqual([0, 0]);
    // values near float32's largest: the weighted sum overflows, ŷ is not finite (the loss's
    // sums measure values from the targets: overflow there needs targets far from them)
    expect(call([1, 2, 3], [1, 1, 1, 1, 1], [3e38, 3e38, 3e38, 3e38, 3e38], [0, 0, 0])).toEqual([0, 0]);
    expect(call([1, 2, 3], [1, 1, 1, 1, 1], [3e38, 3e38, 3e38, 3e38, 3e38], [3e38, 3e38, 3e38])).toEqual([0, 1]);
  });

  it('Workspace: lays out the same slices with begin/slice/commit as with layout, and survives a grow it did not make', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const ws = new Workspace(memory);
    expect(ws.layout(3, 0, 5, 16)).toEqual([BASE, BASE + 16, BASE + 16, BASE + 48]);
    ws.begin();
    expect([ws.slice(3), ws.slice(0), ws.slice(5), ws.slice(16)]).toEqual([BASE, BASE + 16, BASE + 16, BASE + 48]);
    ws.commit();
    memory.grow(1); // detaches the workspace's views
    const big = 2 * PAGE;
    ws.begin();
    const at = ws.slice(big / 4);
    ws.commit();
    expect(ws.bytes).toBe(3 * PAGE); // grown by what the call needs beyond the 2 pages held, not from 0
    const data = uniform(big / 4, 0, 1, 1);
    ws.write(at, data);
    const back = new Float32Array(data.length);
    ws.readInto(at, back);
    expect(back).toEqual(data);
    const small = new Float32Array(5);
    ws.readInto(at, small);
    expect(small).toEqual(data.subarray(0, 5));
  });

  it('reads subarray views at odd element offsets into one shared buffer', () => {
    const buffer = uniform(1 + 13 + 3 + 29 + 5 + 29 + 7 + 13, 0, 5, 99);
    const q = buffer.subarray(1, 14); // byteOffset 4
    const k = buffer.subarray(17, 46); // byteOffset 68
    const v = buffer.subarray(51, 80); // byteOffset 204
    const t = buffer.subarray(87, 100);
    expect(q.byteOffset % 16).not.toBe(0);
    const got = be.attentionPoolLoss(q, k, v, t, 0.9);
    const want = reference.attentionPoolLoss(Float32Array.from(q), Float32Array.from(k), Float32Array.from(v), Float32Array.from(t), 0.9);
    expectClose(got.yHat.data, want.yHat.data, 1e-6, 1e-6, 'yHat');
    expect(Math.abs(got.loss - want.loss) / want.loss).toBeLessThan(1e-6);
    expectClose(
      be.softmax({ data: buffer.subarray(3, 15), shape: [3, 4] }).data,
      reference.softmax({ data: buffer.subarray(3, 15), shape: [3, 4] }).data,
      1e-7,
      0,
      'softmax',
    );
  });

  it('returns arrays that are not views of WASM memory', () => {
    const a = be.attentionPool([1, 2], [1, 2, 3], [4, 5, 6], 1, { weights: true });
    const memory = (be as unknown as { kernels: { memory: WebAssembly.Memory } }).kernels.memory.buffer;
    expect(a.yHat.data.buffer).not.toBe(memory);
    expect(a.weights!.data.buffer).not.toBe(memory);
    const before = Array.from(a.yHat.data);
    be.attentionPool([9, 9], [0, 1, 2], [7, 7, 7], 3); // a later call must not change earlier results
    expect(Array.from(a.yHat.data)).toEqual(before);
  });

  it('keeps its memory size over 1,000 calls of one size, and is right after a bigger call', () => {
    const q = uniform(500, 0, 5, 1);
    const k = uniform(700, 0, 5, 2);
    const v = uniform(700, -1, 1, 3);
    be.attentionPool(q, k, v, 2, { weights: true });
    const size = wasmMemoryBytes(be)!;
    for (let i = 0; i < 1000; i++) be.attentionPool(q, k, v, 2, { weights: true });
    expect(wasmMemoryBytes(be)).toBe(size);
    be.attentionPool(uniform(3000, 0, 5, 4), uniform(3000, 0, 5, 5), uniform(3000, -1, 1, 6), 1, { weights: true }); // weights of 36 MB: grows
    expect(wasmMemoryBytes(be)!).toBeGreaterThan(size);
    const small = be.attentionPool([0.5, 2.5], [0, 1, 2, 3], [1, 2, 3, 4], 1);
    expectClose(small.yHat.data, reference.attentionPool([0.5, 2.5], [0, 1, 2, 3], [1, 2, 3, 4], 1).yHat.data, 1e-6, 1e-6, 'after growth');
  });

  it('two backends loaded at once are independent instances', async () => {
    const other = await loadWasmBackend();
    other.gaussianScores(uniform(2000, 0, 5, 6), uniform(2000, 0, 5, 7));
    expect(wasmMemoryBytes(other)).not.toBe(wasmMemoryBytes(be));
    const a = be.attentionPool([1], [0, 2], [10, 20], 1).yHat.data[0];
    const b = other.attentionPool([1], [0, 2], [10, 20], 1).yHat.data[0];
    expect(a).toBe(b);
    expect(a).toBeCloseTo(15, 5);
  });
});

/** The wasm loss against the reference's: loss, derivative and ŷ. */
function expectLoss(got: PoolLossResult, want: PoolLossResult, what: string): void {
  expect(Math.abs(got.loss - want.loss), `${what}: loss`).toBeLessThanOrEqual(1e-5 * want.loss + 1e-9);
  expect(Math.abs(got.grad - want.grad), `${what}: grad`).toBeLessThanOrEqual(2e-5 + 2e-5 * Math.abs(want.grad));
  expectClose(got.yHat.data, want.yHat.data, 1e-6, 1e-6, `${what}: yHat`);
}

/** The first nq ≤ 16 (and then nk ≥ 2) whose layout of `bytes(nq, nk)` is whole pages (a fresh instance has one; it grows to exactly that). */
function exactFit(bytes: (nq: number, nk: number) => number): [number, number] {
  for (let nq = 1; nq <= 16; nq++) {
    for (let nk = 2; nk <= 40000; nk++) {
      const b = bytes(nq, nk);
      if (b % PAGE === 0) return [nq, nk];
    }
  }
  throw new Error('no layout fills whole pages');
}
