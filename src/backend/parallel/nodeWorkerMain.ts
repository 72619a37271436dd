// The Node worker thread's main loop: an entry point of its own, bundled by scripts/build.mjs
// into NODE_WORKER_SOURCE (workerSources.generated.ts), never imported by the library.
//
// It blocks in Atomics.wait on the control block, so its event loop never turns: a new data
// buffer arrives on its port and is taken with receiveMessageOnPort at each wake, and an error
// goes back on the port for the caller to take the same way. A woken worker claims its slice
// (the caller may have taken it already, see CTL.CLAIM), runs it (OP_EXACT: claims chunks of the
// exact pass until none is left), and marks it DONE even when it threw, so the caller never
// waits for a worker that gave up.
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { KERNEL_NAMES } from '../../args/kernel.js';
import { passScratch } from '../../fast/nd/exactPass.js';
import { exactInstance, gridInto, type ExactExports } from '../../fast/nd/wasmExact.js';
import { runChunks, stopChunks } from './exactChunks.js';
import { readExactPass } from './exactPassLayout.js';
import { claimed, CTL, OP_EXACT, OP_QUIT, termsPerQuery, type Job } from './protocol.js';
import { createRunner } from './runner.js';

const { module, control, port, slot } = workerData as { module: WebAssembly.Module; control: SharedArrayBuffer; port: MessagePort; slot: number };
const I = new Int32Array(control);
const F = new Float64Array(control);
const run = createRunner(module);
/** This worker's instance for exact passes (wasmExact.ts), made at the first. */
let exact: ExactExports | undefined;
let data = new SharedArrayBuffer(0);
let f32: Float32Array<ArrayBufferLike> = new Float32Array(0);
let f64: Float64Array<ArrayBufferLike> = new Float64Array(0);
let seen = 0; // GEN starts at 0: a job posted before this line is not missed
port.postMessage('ready');
for (;;) {
  Atomics.wait(I, CTL.GEN, seen);
  const gen = Atomics.load(I, CTL.GEN);
  if (gen === seen) continue;
  seen = gen;
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
    data = m.message as SharedArrayBuffer;
    f32 = new Float32Array(data);
    f64 = new Float64Array(data);
  }
  if (I[CTL.OP] === OP_QUIT) break;
  const taken = claimed(gen);
  if (Atomics.compareExchange(I, CTL.CLAIM + slot, taken - 1, taken) !== taken - 1) continue;
  Atomics.notify(I, CTL.CLAIM + slot); // a caller that waits for its workers to take part (steal: false)
  try {
    if (I[CTL.OP] === OP_EXACT) runExact();
    else runSlice();
  } catch (err) {
    if (I[CTL.OP] === OP_EXACT) stopChunks(I);
    Atomics.store(I, CTL.ERR, 1);
    port.postMessage(String((err as Error)?.message ?? err));
  }
  Atomics.store(I, CTL.DONE + slot, gen);
  Atomics.notify(I, CTL.DONE + slot);
}

/** The chunks of an exact pass this worker gets to claim, on its own instance (the grid copied in for each pass). */
function runExact(): void {
  if (Atomics.load(I, CTL.NEXT_CHUNK) >= I[CTL.CHUNKS]) return; // the others took every chunk: no grid to copy
  const pass = readExactPass(data);
  exact ??= exactInstance(module);
  I[CTL.RAN + slot] = runChunks(I, pass, passScratch(pass, pass.wasm ? gridInto(exact, pass.grid) : null));
}

/** This worker's slice of a pooling call (runner.ts). */
function runSlice(): void {
  const nq = I[CTL.NQ];
  const nk = I[CTL.NK];
  const d = I[CTL.D];
  const dv = I[CTL.DV];
  const perQuery = I[CTL.PER_QUERY] === 1;
  const sets = perQuery ? nq * nk : nk;
  const at = (off: number, n: number) => f32.subarray(I[off], I[off] + n);
  const job: Job = {
    op: I[CTL.OP] as Job['op'],
    a: I[CTL.BOUNDS + slot],
    b: I[CTL.BOUNDS + slot + 1],
    nq,
    nk,
    d,
    dv,
    perQuery,
    excludeSelf: I[CTL.EXCLUDE_SELF] === 1,
    kernel: KERNEL_NAMES[I[CTL.KERNEL]],
    keysVersion: I[CTL.KEYS_VERSION],
    c: F[CTL.F64_C],
    w: f64.slice(I[CTL.OFF_W], I[CTL.OFF_W] + d),
  };
  run(job, {
    q: at(CTL.OFF_Q, nq * d),
    k: at(CTL.OFF_K, sets * d),
    v: at(CTL.OFF_V, sets * dv),
    t: at(CTL.OFF_T, nq * dv),
    y: at(CTL.OFF_Y, nq * dv),
    terms: f64.subarray(I[CTL.OFF_TERMS], I[CTL.OFF_TERMS] + termsPerQuery(d) * nq),
  });
}
