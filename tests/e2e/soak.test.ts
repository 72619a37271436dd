// Memory soak: many calls of mixed methods with sizes drawn at random between 1 and 10,000.
// WASM memory grows only when a call needs more than any call before it, and the JS heap stays
// flat. ATTNPOOL_SOAK=full runs 100,000 calls; the default run makes 4,000.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { loadWasmBackend, wasmMemoryBytes } from '../../src/backend/wasm/index.js';
import { BASE, poolScratch, SLACK, sliceBytes } from '../../src/backend/wasm/abi.js';
import { blockRows } from '../../src/backend/wasm/workspace.js';
import type { Backend } from '../../src/backend/types.js';
import { rng } from '../reference.js';

const calls = process.env.ATTNPOOL_SOAK === 'full' ? 100_000 : 4_000;
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Bytes the workspace lays out for slices of these element counts, and the SLACK after them (as src/backend/wasm/workspace.ts). */
const need = (...elements: number[]) => BASE + elements.reduce((s, n) => s + sliceBytes(n), 0) + SLACK;

describe('soak', () => {
  it(`${calls} mixed calls: WASM memory grows only for a new largest call, the JS heap stays flat`, async () => {
    const be: Backend = await loadWasmBackend();
    const r = rng(2026);
    const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
    const data = (n: number) => Float32Array.from({ length: n }, () => 5 * r());
    let largest = 0;
    let memory = wasmMemoryBytes(be)!;
    let growths = 0;
    const heap: number[] = [];
    for (let i = 0; i < calls; i++) {
      const size = int(1, 10_000);
      let bytes: number;
      switch (i % 5) {
        case 0: {
          const nq = int(1, 4);
          const weights = r() < 0.3;
          be.attentionPool(data(nq), data(size), data(size), 2 * r(), { weights });
          bytes = need(nq, size, size, nq, weights ? nq * size : 0, poolScratch(size));
          break;
        }
        case 1: {
          const n = Math.max(2, Math.min(size, 400));
          const x = data(n);
          be.attentionPoolLoss(x, x, data(n), data(n), 3 * r(), { excludeSelf: true });
          bytes = need(n, n, n, n, 4, poolScratch(n)); // the keys are the queries: one slice
          break;
        }
        case 2: {
          const cols = int(1, 100);
          const rows = Math.max(1, Math.floor(size / cols));
          be.softmax({ data: data(rows * cols), shape: [rows, cols] });
          bytes = need(blockRows(cols, rows) * cols); // one block of rows, softmaxed in place
          break;
        }
        case 3: {
          const [n, m, p] = [int(1, 20), int(1, 20), int(1, 20)];
          be.bmm({ data: data(2 * n * m), shape: [2, n, m] }, { data: data(2 * m * p), shape: [2, m, p] });
          bytes = need(2 * n * m, 2 * m * p, 2 * n * p);
          break;
        }
        default: {
          const nq = int(1, 8);
          const nk = Math.max(1, Math.floor(size / nq));
          be.gaussianScores(data(nq), data(nk), r());
          bytes = need(nq, nk, blockRows(nk, nq) * nk); // the scores a block of rows at a time
        }
      }
      const now = wasmMemoryBytes(be)!;
      if (now !== memory) {
        // Memory grew: this call must need more than every call before it.
        growths++;
        expect(now).toBeGreaterThan(memory);
        expect(bytes).toBeGreaterThan(largest);
        memory = now;
      }
      largest = Math.max(largest, bytes);
      if (i % Math.floor(calls / 8) === 0) {
        gc();
        heap.push(process.memoryUsage().heapUsed);
      }
    }
    // Memory holds the largest call, rounded up to whole 64 KiB pages, and no more.
    expect(memory).toBeLessThanOrEqual(Math.ceil(largest / 65536) * 65536 + 65536);
    expect(growths).toBeLessThan(40);
    gc();
    heap.push(process.memoryUsage().heapUsed);
    const settled = heap.slice(1);
    const spread = Math.max(...settled) - Math.min(...settled);
    console.log(
      `soak: ${calls} calls, WASM memory ${(memory / 1048576).toFixed(2)} MiB after ${growths} growths (largest call ${(largest / 1048576).toFixed(2)} MiB), JS heap ${(Math.min(...settled) / 1048576).toFixed(1)}–${(Math.max(...settled) / 1048576).toFixed(1)} MiB`,
    );
    expect(spread).toBeLessThan(8 * 1048576);
  }, 600_000);
});
