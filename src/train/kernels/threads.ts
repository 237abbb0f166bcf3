/**
 * Runs the shards of a program (program.ts) on worker threads that share its WebAssembly memory:
 * thread 0 is the caller, threads 1 … T−1 are workers; thread t runs shards t, t + T, t + 2T, ….
 * Each worker instantiates the same compiled module on the shared memory and sleeps in
 * Atomics.wait on its own slot of the control block until the caller bumps the slot's sequence
 * number; it then runs its shards and publishes the number back. The caller runs its own shards
 * meanwhile and waits (spinning first, then Atomics.wait where the platform allows it) for the rest.
 * A worker that is not ready yet (startup is asynchronous) is simply not used: the caller runs its
 * shards, and the result is the same because shards never depend on which thread ran them.
 *
 * Platforms: Node's worker_threads (an eval'd script) or a browser Worker from a Blob URL; both need
 * SharedArrayBuffer (in browsers: a cross-origin-isolated page). Where either is missing, or a
 * content security policy forbids the worker, the pool has no workers and everything runs on the
 * caller's thread.
 */
import type { WasmMemory, WasmModule } from "../../math/wasm.js";
import { CONTROL } from "./program.js";

/** i32 slots per worker in the control block, and their meaning. */
const SLOT = { seq: 0, done: 1, task: 2, error: 3, ready: 4, size: 8 } as const;
/** Tasks. */
export const TASK = { train: 1, infer: 2, quit: 3 } as const;
/** i32 index (in the control block) of the per-shard row counts and of the f32 loss scale. */
const ROWS_SLOT = CONTROL.rows >> 2;
const SCALE_SLOT = CONTROL.scale >> 2;
/** Most threads (the caller and 7 workers: 8 slots of 8 i32 before the loss sums). */
export const MAX_THREADS = 8;

/** The worker's source: plain JS, no imports, the same text for Node and browsers. */
const WORKER_SOURCE = `
"use strict";
const start = (msg) => {
  const { module, memory, control, worker, threads, shards, shardBase, shardBytes, lossAt } = msg;
  const { exports } = new WebAssembly.Instance(module, { env: { memory } });
  const i32 = new Int32Array(memory.buffer);
  const f32 = new Float32Array(memory.buffer);
  const f64 = new Float64Array(memory.buffer);
  const c = control >> 2;
  const slot = c + ${SLOT.size} * worker;
  // Read the sequence number before announcing readiness: the caller bumps it only after that.
  let seen = Atomics.load(i32, slot + ${SLOT.seq});
  Atomics.store(i32, slot + ${SLOT.ready}, 1);
  for (;;) {
    Atomics.wait(i32, slot + ${SLOT.seq}, seen);
    seen = Atomics.load(i32, slot + ${SLOT.seq});
    const task = i32[slot + ${SLOT.task}];
    if (task === ${TASK.quit}) return;
    let error = 0;
    try {
      for (let j = worker; j < shards; j += threads) {
        const rows = i32[c + ${ROWS_SLOT} + j];
        const base = shardBase + j * shardBytes;
        if (task === ${TASK.train}) f64[(lossAt >> 3) + j] = exports.train_shard(base, rows, f32[c + ${SCALE_SLOT}]);
        else exports.infer_shard(base, rows);
      }
    } catch (e) {
      error = 1;
    }
    i32[slot + ${SLOT.error}] = error;
    Atomics.store(i32, slot + ${SLOT.done}, seen);
    Atomics.notify(i32, slot + ${SLOT.done});
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
  private readonly workers: WorkerHandle[];
  private readonly seq: number[];
  private readonly blocking = canBlock();

  private constructor(
    private readonly program: PoolProgram,
    workers: WorkerHandle[],
  ) {
    this.workers = workers;
    this.seq = workers.map(() => 0);
    this.i32 = new Int32Array(program.memory.buffer);
    this.f32 = new Float32Array(program.memory.buffer);
    this.f64 = new Float64Array(program.memory.buffer);
  }

  /**
   * A pool of `threads` threads in all (the caller and threads − 1 workers); fewer workers where
   * the platform has none or the memory is not shared.
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
        threads: workers.length + 1,
        shards: program.shards,
        shardBase: program.shardBase,
        shardBytes: program.shardBytes,
        lossAt: program.control + CONTROL.loss,
      });
    });
    return pool;
  }

  /** Shard runs done by workers so far. */
  workerRuns = 0;

  /** Resolves when every worker has instantiated the module (polled every 2 ms, for at most 30 s). */
  async ready(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (this.workers.some((_, i) => Atomics.load(this.i32, this.slot(i + 1) + SLOT.ready) !== 1)) {
      if (Date.now() > deadline)
        throw new Error("ShardPool.ready: a worker thread did not start within 30 s");
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** Threads that run shards (the caller and the workers). */
  get threads(): number {
    return this.workers.length + 1;
  }

  private slot(worker: number): number {
    return (this.program.control >> 2) + SLOT.size * worker;
  }

  /**
   * Runs `task` on every shard with the given row counts (a multiple of 4 each) and, for training,
   * the loss scale; returns the shards' loss sums (training) in shard order.
   */
  run(task: typeof TASK.train | typeof TASK.infer, rows: readonly number[], scale = 0): Float64Array {
    const { shards, shardBase, shardBytes, exports } = this.program;
    const c = this.program.control >> 2;
    for (let j = 0; j < shards; j++) this.i32[c + ROWS_SLOT + j] = rows[j]!;
    this.f32[c + SCALE_SLOT] = scale;
    const T = this.threads;
    // Start the workers that are ready; the others' shards fall back to this thread.
    const started: boolean[] = this.workers.map((_, i) => {
      const slot = this.slot(i + 1);
      if (Atomics.load(this.i32, slot + SLOT.ready) !== 1) return false;
      this.i32[slot + SLOT.task] = task;
      this.seq[i] = (this.seq[i]! + 1) | 0;
      Atomics.store(this.i32, slot + SLOT.seq, this.seq[i]!);
      Atomics.notify(this.i32, slot + SLOT.seq);
      return true;
    });
    const losses = new Float64Array(shards);
    const runShard = (j: number) => {
      const base = shardBase + j * shardBytes;
      if (task === TASK.train) losses[j] = exports.train_shard(base, rows[j]!, this.f32[c + SCALE_SLOT]!);
      else exports.infer_shard(base, rows[j]!);
    };
    for (let j = 0; j < shards; j += T) runShard(j);
    for (let w = 1; w < T; w++) {
      if (!started[w - 1]) {
        for (let j = w; j < shards; j += T) runShard(j);
        continue;
      }
      this.await(w);
      if (this.i32[this.slot(w) + SLOT.error] !== 0)
        throw new Error("ShardPool.run: a worker thread failed while running its shards");
      const lossAt = (this.program.control + CONTROL.loss) >> 3;
      for (let j = w; j < shards; j += T) {
        if (task === TASK.train) losses[j] = this.f64[lossAt + j]!;
        this.workerRuns++;
      }
    }
    return losses;
  }

  /** Waits until worker w has published its current sequence number. */
  private await(w: number): void {
    const slot = this.slot(w) + SLOT.done;
    const want = this.seq[w - 1]!;
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
    this.workers.forEach((worker, i) => {
      const slot = this.slot(i + 1);
      this.i32[slot + SLOT.task] = TASK.quit;
      Atomics.store(this.i32, slot + SLOT.seq, (this.seq[i]! + 1) | 0);
      Atomics.notify(this.i32, slot + SLOT.seq);
      worker.terminate();
    });
    this.workers.length = 0;
  }
}
