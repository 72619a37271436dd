import { nodeBuiltins } from './builtins.js';
import { AttnpoolError } from '../../errors.js';
import { KERNEL_NAMES } from '../../args/kernel.js';
import { passScratch, type ExactPass } from '../../fast/nd/exactPass.js';
import { wasmExact } from '../../fast/nd/wasmExact.js';
import { runChunks, stopChunks } from './exactChunks.js';
import { exactPassBytes, writeExactPass } from './exactPassLayout.js';
import { claimed, CONTROL_BYTES, CTL, OP_EXACT, OP_LOSS, OP_QUIT, termsPerQuery, type Job, type Sources } from './protocol.js';
import type { PoolCall } from '../../args/pool.js';
import { createRunner, type Runner } from './runner.js';
import { startWorker, type WorkerHandle } from './worker.js';

const up4 = (n: number) => Math.ceil(n / 4) * 4;

/**
 * The calling thread plus threads − 1 workers. A call writes the workers' inputs into the
 * shared data buffer, bumps GEN and notifies, and runs slice 0 on the caller's own instance.
 * Then, for each worker's slice, it either claims it first (the worker has not woken yet: the
 * OS gave its core to someone else) and runs it too, or Atomics.wait's until the worker marks
 * it DONE. Synchronous, as the Backend interface is; never much slower than one thread.
 */
export class Team {
  private readonly I: Int32Array;
  private readonly F: Float64Array;
  private data = new SharedArrayBuffer(0);
  private f32: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private f64: Float64Array<ArrayBufferLike> = new Float64Array(0);
  /** nk of the shared keys/values now in the data buffer at offset 0; −1 when none are. */
  private heldLength = -1;
  private keysVersion = 0;
  private isClosed = false;

  private constructor(
    control: SharedArrayBuffer,
    private readonly own: Runner,
    private readonly workers: WorkerHandle[],
    private readonly steal: boolean,
  ) {
    this.I = new Int32Array(control);
    this.F = new Float64Array(control);
  }

  static async start(module: WebAssembly.Module, threads: number, steal = true): Promise<Team> {
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const workers: WorkerHandle[] = [];
    try {
      for (let s = 1; s < threads; s++) workers.push(await startWorker(module, control, s));
    } catch (err) {
      await Promise.all(workers.map((h) => h.worker.terminate()));
      throw err;
    }
    return new Team(control, createRunner(module), workers, steal);
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Runs `call` in `slices` slices (≤ threads, ≤ nq); ŷ into `y`, per-query [loss, grad] terms
   * into `terms` (OP_LOSS only, with targets `t`; `c` the score constant).
   */
  run(op: Job['op'], call: PoolCall, t: Float32Array, c: number, slices: number, y: Float32Array, terms: Float64Array): void {
    if (this.isClosed) throw new AttnpoolError('E_BACKEND', 'parallel: the workers were closed');
    const { nq, nk, d, dv, perQuery } = call;
    const I = this.I;
    for (let s = 0; s <= this.threads; s++) I[CTL.BOUNDS + s] = Math.min(nq, Math.round((s * nq) / slices));
    // float32 offsets, each a multiple of 4 so that the float64 parts stay 8-byte aligned
    const off = { k: 0, v: up4(call.k.length), q: 0, t: 0, y: 0 };
    off.q = off.v + up4(call.v.length);
    off.t = off.q + up4(nq * d);
    off.y = off.t + up4(nq * dv);
    const termsAt = (off.y + up4(nq * dv)) / 2; // float64 index
    const wAt = termsAt + termsPerQuery(d) * nq;
    this.reserve(8 * (wAt + d));
    const f32 = this.f32;
    const b1 = I[CTL.BOUNDS + 1];
    if (perQuery) {
      // Only the workers' key sets: the caller reads any set it runs from the inputs directly.
      f32.set(call.k.subarray(b1 * nk * d), off.k + b1 * nk * d);
      f32.set(call.v.subarray(b1 * nk * dv), off.v + b1 * nk * dv);
      this.heldLength = -1;
      this.bumpKeys();
    } else if (!this.holds(call.k, call.v, off.v)) {
      f32.set(call.k, off.k);
      f32.set(call.v, off.v);
      this.heldLength = call.k.length;
      this.bumpKeys();
    }
    f32.set(call.q, off.q);
    if (op === OP_LOSS) f32.set(t, off.t);
    this.f64.set(call.w, wAt);
    I[CTL.OP] = op;
    I[CTL.NQ] = nq;
    I[CTL.NK] = nk;
    I[CTL.D] = d;
    I[CTL.DV] = dv;
    I[CTL.KERNEL] = KERNEL_NAMES.indexOf(call.kernel);
    I[CTL.OFF_W] = wAt;
    I[CTL.PER_QUERY] = perQuery ? 1 : 0;
    I[CTL.EXCLUDE_SELF] = call.excludeSelf ? 1 : 0;
    I[CTL.KEYS_VERSION] = this.keysVersion;
    I[CTL.OFF_K] = off.k;
    I[CTL.OFF_V] = off.v;
    I[CTL.OFF_Q] = off.q;
    I[CTL.OFF_T] = off.t;
    I[CTL.OFF_Y] = off.y;
    I[CTL.OFF_TERMS] = termsAt;
    this.F[CTL.F64_C] = c;
    I[CTL.ERR] = 0;
    const gen = this.post();
    const taken = claimed(gen);
    const src: Sources = { q: call.q, k: call.k, v: call.v, t, y, terms };
    const slice = (s: number): Job => ({
      op,
      a: I[CTL.BOUNDS + s],
      b: I[CTL.BOUNDS + s + 1],
      nq,
      nk,
      d,
      dv,
      perQuery,
      excludeSelf: call.excludeSelf,
      kernel: call.kernel,
      keysVersion: this.keysVersion,
      c,
      w: call.w,
    });
    const byWorker: number[] = [];
    let ownError: unknown;
    try {
      this.own(slice(0), src);
    } catch (err) {
      ownError = err;
    }
    for (let s = 1; s <= this.workers.length; s++) {
      const mayTake = this.steal || ownError !== undefined;
      if (mayTake && Atomics.compareExchange(I, CTL.CLAIM + s, taken - 1, taken) === taken - 1) {
        if (ownError !== undefined) continue; // taken only so that the worker does not start it
        try {
          this.own(slice(s), src);
        } catch (err) {
          ownError = err;
        }
      } else {
        // The worker has it; wait even after an error here: it is reading the shared buffer.
        for (let done = Atomics.load(I, CTL.DONE + s); done !== gen; done = Atomics.load(I, CTL.DONE + s)) Atomics.wait(I, CTL.DONE + s, done);
        byWorker.push(s);
      }
    }
    if (I[CTL.ERR] !== 0) {
      const message = this.workerMessage();
      throw this.failure(ownError ?? message);
    }
    if (ownError !== undefined) throw this.failure(ownError);
    for (const s of byWorker) {
      const a = I[CTL.BOUNDS + s];
      const b = I[CTL.BOUNDS + s + 1];
      y.set(this.f32.subarray(off.y + a * dv, off.y + b * dv), a * dv);
      if (op === OP_LOSS) terms.set(this.f64.subarray(termsAt + termsPerQuery(d) * a, termsAt + termsPerQuery(d) * b), termsPerQuery(d) * a);
    }
  }

  /**
   * Runs an exact pass of the d-dimensional fast path (src/fast/nd/exactPass.ts) on every thread:
   * the pass goes into the data buffer, and each thread, the caller included, claims chunks of
   * `chunk` queries until none is left (exactChunks.ts), with its own instance and window L₁.
   * Returns the chunks each thread ran (0: the caller).
   */
  runExact(pass: ExactPass, chunk: number): number[] {
    if (this.isClosed) throw new AttnpoolError('E_BACKEND', 'parallel: the workers were closed');
    const I = this.I;
    this.reserve(exactPassBytes(pass));
    this.heldLength = -1; // the pass overwrites any keys held there
    const shared = writeExactPass(this.data, pass);
    const chunks = Math.ceil(pass.skip.length / chunk);
    I[CTL.OP] = OP_EXACT;
    I[CTL.CHUNK] = chunk;
    I[CTL.CHUNKS] = chunks;
    I[CTL.NEXT_CHUNK] = 0;
    I.fill(0, CTL.RAN, CTL.RAN + this.threads);
    I[CTL.ERR] = 0;
    const gen = this.post();
    const taken = claimed(gen);
    if (!this.steal) {
      // every worker takes part before the caller claims a chunk (tests: each runs some)
      for (let s = 1; s <= this.workers.length; s++) while (Atomics.load(I, CTL.CLAIM + s) === taken - 1) Atomics.wait(I, CTL.CLAIM + s, taken - 1);
    }
    let ownError: unknown;
    try {
      I[CTL.RAN] = runChunks(I, shared, passScratch(shared, shared.wasm ? wasmExact(shared.grid) : null));
    } catch (err) {
      ownError = err;
      stopChunks(I);
    }
    // No chunk is left: a worker that has not claimed its part yet never will; wait for the others.
    for (let s = 1; s <= this.workers.length; s++) {
      if (Atomics.compareExchange(I, CTL.CLAIM + s, taken - 1, taken) === taken - 1) continue;
      for (let done = Atomics.load(I, CTL.DONE + s); done !== gen; done = Atomics.load(I, CTL.DONE + s)) Atomics.wait(I, CTL.DONE + s, done);
    }
    if (I[CTL.ERR] !== 0) {
      const message = this.workerMessage();
      throw this.failure(ownError ?? message);
    }
    if (ownError !== undefined) throw this.failure(ownError);
    pass.sums.set(shared.sums);
    pass.logScale.set(shared.logScale);
    return Array.from(I.subarray(CTL.RAN, CTL.RAN + this.threads));
  }

  /**
   * Opens the job written into the control block and data buffer to the workers: every worker's
   * part open to claim under the next GEN, which is bumped and notified. Returns that GEN.
   */
  private post(): number {
    const I = this.I;
    const gen = (I[CTL.GEN] + 1) | 0;
    const taken = claimed(gen);
    for (let s = 1; s <= this.workers.length; s++) I[CTL.CLAIM + s] = taken - 1;
    // The seq-cst add publishes every plain write above to a worker that loads GEN after it.
    Atomics.add(I, CTL.GEN, 1);
    Atomics.notify(I, CTL.GEN);
    return gen;
  }

  /** A new keys version; never −1, which a runner holding none has. */
  private bumpKeys(): void {
    this.keysVersion = (this.keysVersion + 1) & 0x3fffffff;
  }

  /** Whether the data buffer already holds these shared keys and values, bit for bit. */
  private holds(k: Float32Array, v: Float32Array, offV: number): boolean {
    if (this.heldLength !== k.length) return false;
    return sameBits(k, this.f32.subarray(0, k.length)) && sameBits(v, this.f32.subarray(offV, offV + v.length));
  }

  /** Makes the data buffer at least `bytes` long; a new one goes to every worker's port. */
  private reserve(bytes: number): void {
    if (bytes <= this.data.byteLength) return;
    // Room to spare, so that a run of slowly growing calls does not reallocate each time.
    this.data = new SharedArrayBuffer(Math.max(bytes, Math.min(2 * this.data.byteLength, bytes + (64 << 20))));
    this.f32 = new Float32Array(this.data);
    this.f64 = new Float64Array(this.data);
    this.heldLength = -1;
    for (const h of this.workers) h.port.postMessage(this.data);
  }

  /** The first worker's error message, draining every port so none is read by a later call. */
  private workerMessage(): string {
    let first: string | undefined;
    for (const h of this.workers) {
      for (let m = nodeBuiltins().workerThreads.receiveMessageOnPort(h.port); m !== undefined; m = nodeBuiltins().workerThreads.receiveMessageOnPort(h.port))
        first ??= String(m.message);
    }
    return first ?? 'a worker failed';
  }

  private failure(err: unknown): AttnpoolError {
    if (err instanceof AttnpoolError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new AttnpoolError('E_BACKEND', `parallel: a slice failed: ${message}`);
  }

  /** Stops the workers; run() throws E_BACKEND afterwards. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.I[CTL.OP] = OP_QUIT;
    Atomics.add(this.I, CTL.GEN, 1);
    Atomics.notify(this.I, CTL.GEN);
    await Promise.all(this.workers.map((h) => h.worker.terminate()));
    for (const h of this.workers) h.port.close();
  }
}

/**
 * Bitwise equality (so −0 and 0 differ: they can give ŷ of different sign), by memcmp: a
 * JavaScript loop over 2·nk elements costs a visible share of a call near minPairs.
 */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const { Buffer } = nodeBuiltins();
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}
