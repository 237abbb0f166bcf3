/**
 * Runs the shards of a program (program.ts) on worker threads that share its WebAssembly memory.
 * Each run, the caller publishes the task, bumps a wake-up counter and then, like every worker, claims
 * shards one at a time from a shared counter (Atomics.add) until none is left; it then waits only for
 * the shards other threads have claimed and not finished. Each worker instantiates the same compiled
 * module on the shared memory and sleeps in Atomics.wait between runs. A worker that is slow to wake
 * (a busy machine) or not started yet simply claims nothing, and the caller runs the shards itself;
 * the result is the same because shards never depend on which thread ran them.
 *
 * Platforms: Node's worker_threads (an eval'd script) or a browser Worker from a Blob URL; both need
 * SharedArrayBuffer (in browsers: a cross-origin-isolated page). Where either is missing, or a
 * content security policy forbids the worker, the pool has no workers and everything runs on the
 * caller's thread.
 */
import type { WasmMemory, WasmModule } from "../../math/wasm.js";
import { CONTROL, MAX_SHARDS } from "./program.js";

/** i32 indices in the control block (see CONTROL). */
const AT = {
  /** Wake-up counter: bumped once per run. */
  seq: 0,
  /** Next unclaimed shard of the current run. */
  next: 1,
  /** Id of the current run (what a finished shard's done slot is set to). */
  run: 2,
  task: 3,
  /** Non-zero when a worker failed. */
  error: 4,
  /** Worker w (1 … MAX_THREADS − 1) sets slot ready + w once it can run shards. */
  ready: 8,
  /** done + j: the id of the run in which shard j last finished. */
  done: CONTROL.done >> 2,
  rows: CONTROL.rows >> 2,
  scale: CONTROL.scale >> 2,
} as const;
/** Tasks. */
export const TASK = { train: 1, infer: 2, quit: 3 } as const;
/** Most threads (the caller and up to 7 workers). */
export const MAX_THREADS = 8;

/** The worker's source: plain JS, no imports, the same text for Node and browsers. */
const WORKER_SOURCE = `
"use strict";
const start = (msg) => {
  const { module, memory, control, worker, shards, shardBase, shardBytes, lossAt } = msg;
  const { exports } = new WebAssembly.Instance(module, { env: { memory } });
  const i32 = new Int32Array(memory.buffer);
  const f32 = new Float32Array(memory.buffer);
  const f64 = new Float64Array(memory.buffer);
  const c = control >> 2;
  let seen = Atomics.load(i32, c + ${AT.seq});
  Atomics.store(i32, c + ${AT.ready} + worker, 1);
  for (;;) {
    // Claim shards until none is left (the caller publishes a run before it resets the counter).
    for (;;) {
      const j = Atomics.add(i32, c + ${AT.next}, 1);
      if (j >= shards) break;
      const run = Atomics.load(i32, c + ${AT.run});
      const task = Atomics.load(i32, c + ${AT.task});
      try {
        const rows = i32[c + ${AT.rows} + j];
        const base = shardBase + j * shardBytes;
        if (task === ${TASK.train}) f64[(lossAt >> 3) + j] = exports.train_shard(base, rows, f32[c + ${AT.scale}]);
        else exports.infer_shard(base, rows);
      } catch (e) {
        Atomics.store(i32, c + ${AT.error}, 1);
      }
      Atomics.store(i32, c + ${AT.done} + j, run);
      Atomics.notify(i32, c + ${AT.done} + j);
    }
    Atomics.wait(i32, c + ${AT.seq}, seen);
    seen = Atomics.load(i32, c + ${AT.seq});
    if (Atomics.load(i32, c + ${AT.task}) === ${TASK.quit}) return;
  }
};
if (typeof self !== "undefined" && typeof self.postMessage === "function" && typeof require === "undefined") {
  self.onmessage = (e) => start(e.data);
} else {
  require("node:worker_threads").parentPort.once("message", start);
}
`;

/** What the pool needs of a program. */
export interface PoolProgram {
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  /** Byte offset of the control block. */
  readonly control: number;
  readonly shards: number;
  readonly shardBase: number;
  readonly shardBytes: number;
  /** The caller's own instance. */
  readonly exports: {
    train_shard(base: number, rows: number, scale: number): number;
    infer_shard(base: number, rows: number): void;
  };
}

interface WorkerHandle {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

/** Creates a worker running WORKER_SOURCE, or null where workers are unavailable. */
function spawnWorker(): WorkerHandle | null {
  const g = globalThis as {
    Worker?: new (url: string) => WorkerHandle;
    Blob?: new (parts: string[], options: { type: string }) => unknown;
    URL?: { createObjectURL?(blob: unknown): string };
    process?: { getBuiltinModule?(name: string): unknown };
  };
  try {
    // Node (≥ 20.16): worker_threads without an import, so this module stays loadable in browsers.
    const threads = g.process?.getBuiltinModule?.("node:worker_threads") as
      | { Worker: new (source: string, options: { eval: boolean }) => WorkerHandle & { unref(): void } }
      | undefined;
    if (threads !== undefined) {
      const worker = new threads.Worker(WORKER_SOURCE, { eval: true });
      worker.unref(); // an idle pool does not keep the process alive
      return worker;
    }
    if (g.Worker !== undefined && g.Blob !== undefined && g.URL?.createObjectURL !== undefined) {
      return new g.Worker(g.URL.createObjectURL(new g.Blob([WORKER_SOURCE], { type: "text/javascript" })));
    }
  } catch {
    // A content security policy or a missing API: no workers.
  }
  return null;
}

/** Threads worth running by default: the platform's parallelism (Node's os, or the browser's), at most 2. */
export function defaultThreads(): number {
  const g = globalThis as {
    navigator?: { hardwareConcurrency?: number };
    process?: { getBuiltinModule?(name: string): unknown };
  };
  const os = g.process?.getBuiltinModule?.("node:os") as { availableParallelism?(): number } | undefined;
  const cores = os?.availableParallelism?.() ?? g.navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(2, cores));
}

/** True where the caller may block in Atomics.wait (Node's main thread, workers; not a browser page). */
function canBlock(): boolean {
  const g = globalThis as { process?: { versions?: { node?: string } }; document?: unknown };
  return g.process?.versions?.node !== undefined || g.document === undefined;
}

/** A pool of worker threads over one program's shared memory. */
export class ShardPool {
  private readonly i32: Int32Array;
  private readonly f32: Float32Array;
  private readonly f64: Float64Array;
  private readonly blocking = canBlock();
  private runId = 0;
  /** Shard runs done by workers so far. */
  workerRuns = 0;

  private constructor(
    private readonly program: PoolProgram,
    private readonly workers: WorkerHandle[],
  ) {
    this.i32 = new Int32Array(program.memory.buffer);
    this.f32 = new Float32Array(program.memory.buffer);
    this.f64 = new Float64Array(program.memory.buffer);
    // No shard is claimable until the first run publishes its task.
    Atomics.store(this.i32, this.at(AT.next), MAX_SHARDS);
  }

  /**
   * A pool of `threads` threads in all (the caller and threads − 1 workers); fewer workers where
   * the platform has none or the memory is not shared. Workers start in the background.
   */
  static create(program: PoolProgram, threads: number): ShardPool {
    const T = Math.max(1, Math.min(Math.floor(threads), program.shards, MAX_THREADS));
    const shared =
      typeof SharedArrayBuffer !== "undefined" && program.memory.buffer instanceof SharedArrayBuffer;
    const workers: WorkerHandle[] = [];
    if (shared) {
      for (let w = 1; w < T; w++) {
        const worker = spawnWorker();
        if (worker === null) break;
        workers.push(worker);
      }
    }
    const pool = new ShardPool(program, workers);
    workers.forEach((worker, i) => {
      worker.postMessage({
        module: program.module,
        memory: program.memory,
        control: program.control,
        worker: i + 1,
        shards: program.shards,
        shardBase: program.shardBase,
        shardBytes: program.shardBytes,
        lossAt: program.control + CONTROL.loss,
      });
    });
    return pool;
  }

  /** i32 index of a control slot. */
  private at(slot: number): number {
    return (this.program.control >> 2) + slot;
  }

  /** Resolves when every worker has instantiated the module (polled every 2 ms, for at most 30 s). */
  async ready(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (this.workers.some((_, i) => Atomics.load(this.i32, this.at(AT.ready) + i + 1) !== 1)) {
      if (Date.now() > deadline)
        throw new Error("ShardPool.ready: a worker thread did not start within 30 s");
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** Threads that run shards (the caller and the workers). */
  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Runs `task` on every shard with the given row counts (a multiple of 4 each) and, for training,
   * the loss scale; returns the shards' loss sums (training) in shard order.
   */
  run(task: typeof TASK.train | typeof TASK.infer, rows: readonly number[], scale = 0): Float64Array {
    const { shards, shardBase, shardBytes, exports } = this.program;
    const { i32 } = this;
    // Publish the run, then open the claims, then wake the workers.
    const run = (this.runId = (this.runId + 1) | 0);
    for (let j = 0; j < shards; j++) i32[this.at(AT.rows) + j] = rows[j]!;
    this.f32[this.at(AT.scale)] = scale;
    Atomics.store(i32, this.at(AT.task), task);
    Atomics.store(i32, this.at(AT.run), run);
    Atomics.store(i32, this.at(AT.next), 0);
    if (this.workers.length > 0) {
      Atomics.add(i32, this.at(AT.seq), 1);
      Atomics.notify(i32, this.at(AT.seq));
    }
    const losses = new Float64Array(shards);
    const mine = new Uint8Array(shards);
    for (;;) {
      const j = Atomics.add(i32, this.at(AT.next), 1);
      if (j >= shards) break;
      mine[j] = 1;
      const base = shardBase + j * shardBytes;
      if (task === TASK.train) losses[j] = exports.train_shard(base, rows[j]!, this.f32[this.at(AT.scale)]!);
      else exports.infer_shard(base, rows[j]!);
    }
    const lossAt = (this.program.control + CONTROL.loss) >> 3;
    for (let j = 0; j < shards; j++) {
      if (mine[j] === 1) continue;
      this.await(this.at(AT.done) + j, run);
      if (task === TASK.train) losses[j] = this.f64[lossAt + j]!;
      this.workerRuns++;
    }
    if (Atomics.load(i32, this.at(AT.error)) !== 0)
      throw new Error("ShardPool.run: a worker thread failed while running a shard");
    return losses;
  }

  /** Waits until i32 slot `slot` holds `want` (spinning first, then Atomics.wait where allowed). */
  private await(slot: number, want: number): void {
    for (let spin = 0; spin < 20_000; spin++) if (Atomics.load(this.i32, slot) === want) return;
    const deadline = Date.now() + 120_000;
    for (;;) {
      const now = Atomics.load(this.i32, slot);
      if (now === want) return;
      if (this.blocking) Atomics.wait(this.i32, slot, now, 1000);
      if (Date.now() > deadline)
        throw new Error("ShardPool.run: a worker thread did not answer within 120 s");
    }
  }

  /** Stops the workers. */
  dispose(): void {
    if (this.workers.length === 0) return;
    Atomics.store(this.i32, this.at(AT.task), TASK.quit);
    Atomics.add(this.i32, this.at(AT.seq), 1);
    Atomics.notify(this.i32, this.at(AT.seq));
    for (const worker of this.workers) worker.terminate();
    this.workers.length = 0;
  }
}
