import { sumQueries, type ExactPass } from '../../fast/nd/exactPass.js';
import type { ExactScratch } from '../../fast/nd/exactSums.js';
import { CTL } from './protocol.js';

/**
 * An exact pass is cut into chunks of consecutive queries (in cell order, so a chunk's queries meet
 * the same keys), which the threads claim one at a time with Atomics.add on NEXT_CHUNK until none
 * is left: a query's cost varies a lot (a query in a dense cluster sums many more keys than one in
 * a sparse region), so fixed slices would leave a thread idle while another still works.
 *
 * Chunk size: enough chunks that the last ones even out the threads' finishing times (32 a
 * thread), and large enough that claiming (one atomic add) and the window L₁ re-adapting at a
 * chunk's start cost nothing against it; 256 queries at most. At n = 1e5, d = 3 on 2 threads the
 * CPU seconds were the same (1.94–2.04 s, one thread alone: 2.0 s) for chunks of 32 to 1024 queries.
 */
export function exactChunk(m: number, threads: number): number {
  return Math.max(16, Math.min(256, Math.ceil(m / (32 * threads))));
}

/** Runs chunks of `pass` until none is left to claim (NEXT_CHUNK, CHUNKS and CHUNK of control block I); returns how many it ran. */
export function runChunks(I: Int32Array, pass: ExactPass, st: ExactScratch): number {
  const chunks = I[CTL.CHUNKS];
  const chunk = I[CTL.CHUNK];
  const m = pass.skip.length;
  let ran = 0;
  for (let c = Atomics.add(I, CTL.NEXT_CHUNK, 1); c < chunks; c = Atomics.add(I, CTL.NEXT_CHUNK, 1)) {
    sumQueries(pass, c * chunk, Math.min(m, (c + 1) * chunk), st);
    ran++;
  }
  return ran;
}

/** Stops the others claiming chunks (after a failure: the call will throw anyway). */
export function stopChunks(I: Int32Array): void {
  Atomics.store(I, CTL.NEXT_CHUNK, I[CTL.CHUNKS]);
}
