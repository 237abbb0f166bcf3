/**
 * The MLP's training step and forward pass on the generated WebAssembly program (program.ts), in
 * float32, with its state (parameters, Adam moments, EMA) kept in the program's memory between
 * steps. One step: the batch's feature rows are written straight into the shards' buffers
 * (mlpFeatures), the shards run forward, loss and backward (on the pool's threads), their gradients
 * are summed in shard order, then one Adam/AdamW (+ EMA) update and the repacking of the weights
 * run on the calling thread. Results depend on the number of shards (fixed, default 2), never on the
 * number of threads.
 *
 * Availability: needs WebAssembly with SIMD; `createMlpKernel` resolves to null otherwise (or when
 * compilation is refused, e.g. by a content security policy), and the caller uses another engine.
 */
import type { FloatArray } from "../../array.js";
import {
  globalWasm,
  hasRelaxedSimd,
  type WasmApi,
  type WasmMemory,
  type WasmModule,
} from "../../math/wasm.js";
import { featureWidth, type MlpConfig, mlpFeatures, mlpParamSpecs } from "../mlp.js";
import { adamScalars, emaDecayAt, type OptimizerConfig } from "../optim.js";
import type { HostTensor } from "../tensor.js";
import { type MlpLayout, mlpLayout, mlpModule, pad4 } from "./program.js";
import { defaultThreads, ShardPool, TASK } from "./threads.js";

/** Options of `createMlpKernel`. */
export interface MlpKernelOptions {
  /** Row blocks a batch is split into (1 … 16; default 2); the results depend on it. */
  readonly shards?: number;
  /** Threads that run the shards (the caller and threads − 1 workers; default: the cores, at most 2). */
  readonly threads?: number;
  /** Rows per shard to allocate at first (grown on demand; default 256). */
  readonly rows?: number;
  /** The WebAssembly implementation (default: the global one; null: none, for tests). */
  readonly wasm?: WasmApi | null;
  /**
   * Matrix products with fused multiply-adds (relaxed SIMD's `f32x4.relaxed_madd`; ≈ 1.4× faster
   * products on x86 with FMA3): default where the platform takes relaxed SIMD (`hasRelaxedSimd`).
   * Results then differ from `fma: false` in the last bits (each a·b + c rounded once), and from
   * machines whose hardware does not fuse; on one machine they stay independent of batch split
   * and thread count. `true` where relaxed SIMD is missing is an error.
   */
  readonly fma?: boolean;
}

/** The rows, targets and weights of one training batch (the trainer's Batch). */
export interface KernelBatch {
  readonly xt: FloatArray;
  readonly t: FloatArray;
  readonly target: FloatArray;
  readonly weight: FloatArray;
  /** Class labels per row for a class-conditional network (−1 = none); absent: every row −1. */
  readonly labels?: Int32Array;
}

/** What a training step measured. */
export interface KernelStepResult {
  /** (1/(B·dim)) Σᵢ wᵢ‖net(xₜᵢ, tᵢ) − targetᵢ‖², before the update. */
  readonly loss: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** Global norm of the parameters after the update. */
  readonly paramNorm: number;
  /** Learning rate of the step. */
  readonly lr: number;
  /** ℓᵢ = ‖net(xₜᵢ, tᵢ) − targetᵢ‖²/dim per row (float32), when asked for. */
  readonly rowLosses: Float32Array | null;
}

/** The state a kernel holds, as host tensors in mlp.ts's layout (shapes of mlpParamSpecs). */
export interface KernelState {
  readonly params: HostTensor[];
  readonly m: HostTensor[];
  readonly v: HostTensor[];
  readonly ema: HostTensor[] | null;
}

interface Exports {
  pack(): void;
  infer_shard(base: number, rows: number): void;
  train_shard(base: number, rows: number, scale: number): number;
  reduce(): number;
  adam(
    shrink: number,
    stepSize: number,
    invSqrtBc2: number,
    decay: number,
    ema: number,
    emaRest: number,
  ): number;
}

/** Compiles a program's bytes (its memory shared or not). */
type CompileFn = (bytes: Uint8Array, shared: boolean) => WasmModule;

/** One compiled program with its memory, instance and thread pool. */
interface Compiled {
  readonly layout: MlpLayout;
  readonly memory: WasmMemory;
  readonly exports: Exports;
  readonly pool: ShardPool;
  readonly heap: Float32Array;
}

/**
 * Compiles the program for `layout` (asynchronously when `async` and the platform offers it) and
 * instantiates it with its memory and thread pool; null when WebAssembly SIMD is unavailable or
 * compilation is refused. With threads > 1 the memory is shared (retried unshared, one thread, where
 * shared memory is refused, e.g. a page that is not cross-origin isolated).
 */
function instantiate(
  wasm: WasmApi,
  layout: MlpLayout,
  optimizer: OptimizerConfig | null,
  threads: number,
  fma: boolean,
  module: CompileFn,
): Compiled | null {
  const wantShared = threads > 1 && typeof SharedArrayBuffer !== "undefined";
  for (const shared of wantShared ? [true, false] : [false]) {
    try {
      const bytes = mlpModule(layout, optimizer, shared, fma);
      if (!wasm.validate(bytes)) return null;
      const compiled = module(bytes, shared);
      const memory = shared
        ? new wasm.Memory({ initial: layout.pages, maximum: layout.pages, shared: true })
        : new wasm.Memory({ initial: layout.pages });
      const exports = new wasm.Instance(compiled, { env: { memory } }).exports as unknown as Exports;
      const pool = ShardPool.create(
        {
          module: compiled,
          memory,
          control: layout.control,
          shards: layout.shards,
          shardBase: layout.shardBase,
          shardBytes: layout.shard.bytes,
          exports,
        },
        shared ? threads : 1,
      );
      return { layout, memory, exports, pool, heap: new Float32Array(memory.buffer) };
    } catch {
      // Shared memory refused: retry unshared; anything else: unavailable.
      if (!shared) return null;
    }
  }
  return null;
}

/** Rows of each shard for a batch of `batch` rows: [real rows, padded rows (≥ 4, multiple of 4)]. */
export function shardRows(batch: number, shards: number): { start: number; real: number; rows: number }[] {
  const per = pad4(Math.ceil(batch / shards));
  return Array.from({ length: shards }, (_, s) => {
    const start = Math.min(batch, s * per);
    const real = Math.min(batch, start + per) - start;
    return { start, real, rows: Math.max(4, pad4(real)) };
  });
}

/** Copies host tensors (mlp.ts shapes) into the flat padded vector at byte offset `at`. */
function writeTensors(
  layout: MlpLayout,
  heap: Float32Array,
  at: number,
  tensors: readonly HostTensor[],
): void {
  const { sizes } = layout;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [nIn, nOut] = [sizes[l]!, sizes[l + 1]!];
    const w = tensors[2 * l]!;
    const b = tensors[2 * l + 1]!;
    const [rows, cols] = w.shape as [number, number];
    const wAt = at / 4 + layout.weightAt[l]!;
    heap.fill(0, wAt, wAt + nOut * nIn);
    for (let r = 0; r < rows; r++) heap.set(w.data.subarray(r * cols, (r + 1) * cols), wAt + r * nIn);
    const bAt = at / 4 + layout.biasAt[l]!;
    heap.fill(0, bAt, bAt + nOut);
    heap.set(b.data, bAt);
  }
}

/** Reads the flat padded vector at byte offset `at` back into host tensors of mlp.ts's shapes. */
function readTensors(layout: MlpLayout, heap: Float32Array, at: number): HostTensor[] {
  const { sizes } = layout;
  return mlpParamSpecs(layout.config).map(({ shape }, i) => {
    const l = i >> 1;
    const nIn = sizes[l]!;
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (i % 2 === 0) {
      const [rows, cols] = shape as [number, number];
      const wAt = at / 4 + layout.weightAt[l]!;
      for (let r = 0; r < rows; r++) data.set(heap.subarray(wAt + r * nIn, wAt + r * nIn + cols), r * cols);
    } else {
      const bAt = at / 4 + layout.biasAt[l]!;
      data.set(heap.subarray(bAt, bAt + data.length));
    }
    return { shape: [...shape], data };
  });
}

/**
 * The MLP's float32 training step (and forward pass) on WebAssembly SIMD kernels (file header).
 * Create with `createMlpKernel`; `dispose()` stops its worker threads.
 */
export class MlpKernel {
  private compiled: Compiled;
  private packed = false;

  private constructor(
    private readonly wasm: WasmApi,
    readonly config: MlpConfig,
    readonly optimizer: OptimizerConfig | null,
    private readonly threads: number,
    /** True when the matrix products use fused multiply-adds (`MlpKernelOptions.fma`). */
    readonly fma: boolean,
    compiled: Compiled,
  ) {
    this.compiled = compiled;
  }

  /** @internal */
  static create(
    wasm: WasmApi,
    config: MlpConfig,
    optimizer: OptimizerConfig | null,
    options: MlpKernelOptions,
    module: CompileFn,
  ): MlpKernel | null {
    const shards = options.shards ?? 2;
    const threads = options.threads ?? defaultThreads();
    const rows = pad4(options.rows ?? 256);
    const fma = kernelFma("createMlpKernel", wasm, options);
    const layout = mlpLayout(config, shards, rows, optimizer !== null);
    const compiled = instantiate(wasm, layout, optimizer, threads, fma, module);
    return compiled === null ? null : new MlpKernel(wasm, config, optimizer, threads, fma, compiled);
  }

  /** Threads that run the shards (the caller and its workers, ready or not). */
  get threadCount(): number {
    return this.compiled.pool.threads;
  }

  /** Resolves when every worker thread has started (before that, the caller runs their shards). */
  ready(): Promise<void> {
    return this.compiled.pool.ready();
  }

  /** Shard runs done by worker threads so far (the rest ran on the caller's thread). */
  get workerRuns(): number {
    return this.compiled.pool.workerRuns;
  }

  /** Shards a batch is split into. */
  get shards(): number {
    return this.compiled.layout.shards;
  }

  /**
   * Makes room for batches of `batch` rows: recompiles (synchronously) with larger buffers and keeps
   * the state. Throws where synchronous compilation is refused (a browser's main thread limits it).
   */
  reserve(batch: number): void {
    const { layout } = this.compiled;
    const need = shardRows(batch, layout.shards)[0]!.rows;
    if (need <= layout.cap) return;
    const next = instantiate(
      this.wasm,
      mlpLayout(this.config, layout.shards, need, layout.training),
      this.optimizer,
      this.threads,
      this.fma,
      (bytes) => new this.wasm.Module(bytes),
    );
    if (next === null) throw new Error("MlpKernel.reserve: the larger program failed to compile");
    // Parameters, moments and EMA sit between the control block (the pools' own) and the shards,
    // at the same offsets in both layouts.
    const [from, to] = [layout.params / 4, layout.shardBase / 4];
    next.heap.set(this.compiled.heap.subarray(from, to), from);
    this.compiled.pool.dispose();
    this.compiled = next;
    this.packed = false;
  }

  /** True when `batch` rows fit without `reserve`. */
  fits(batch: number): boolean {
    return shardRows(batch, this.compiled.layout.shards)[0]!.rows <= this.compiled.layout.cap;
  }

  /** Loads parameters (and, for training, moments and EMA) in mlp.ts's layout. */
  setState(state: {
    params: readonly HostTensor[];
    m?: readonly HostTensor[];
    v?: readonly HostTensor[];
    ema?: readonly HostTensor[] | null;
  }): void {
    const { layout, heap } = this.compiled;
    writeTensors(layout, heap, layout.params, state.params);
    if (layout.training) {
      if (state.m === undefined || state.v === undefined)
        throw new TypeError("MlpKernel.setState: a training kernel needs the Adam moments m and v");
      writeTensors(layout, heap, layout.m, state.m);
      writeTensors(layout, heap, layout.v, state.v);
      writeTensors(layout, heap, layout.ema, state.ema ?? state.params);
    }
    this.packed = false;
  }

  /** The current state as host tensors (copies). */
  getState(): KernelState {
    const { layout, heap } = this.compiled;
    const read = (at: number) => readTensors(layout, heap, at);
    return {
      params: read(layout.params),
      m: layout.training ? read(layout.m) : [],
      v: layout.training ? read(layout.v) : [],
      ema: layout.training && this.optimizer?.emaDecay != null ? read(layout.ema) : null,
    };
  }

  /** Writes the batch's feature rows (and targets, weights) into the shards; returns the row split. */
  private writeBatch(
    xt: FloatArray,
    t: FloatArray | number,
    batch: number,
    target: FloatArray | null,
    weight: FloatArray | null,
    labels?: Int32Array,
  ) {
    const { layout, heap } = this.compiled;
    const { config } = this;
    const { shard, shardBase } = layout;
    const F = featureWidth(config);
    const dim = config.dim;
    const split = shardRows(batch, layout.shards);
    split.forEach(({ start, real, rows }, s) => {
      const base = (shardBase + s * shard.bytes) / 4;
      const x = heap.subarray(base + shard.x / 4, base + shard.x / 4 + rows * F);
      mlpFeatures(
        config,
        xt.subarray(start * dim, (start + real) * dim),
        typeof t === "number" ? t : t.subarray(start, start + real),
        { batch: real, dim },
        x.subarray(0, real * F),
        labels?.subarray(start, start + real),
      );
      x.fill(0, real * F);
      if (target !== null && weight !== null) {
        const y = base + shard.y / 4;
        heap.set(target.subarray(start * dim, (start + real) * dim), y);
        heap.fill(0, y + real * dim, y + rows * dim);
        const w = base + shard.w / 4;
        heap.set(weight.subarray(start, start + real), w);
        heap.fill(0, w + real, w + rows);
      }
    });
    return split;
  }

  private ensurePacked(): void {
    if (!this.packed) {
      this.compiled.exports.pack();
      this.packed = true;
    }
  }

  /** Runs the shards' forward, loss and backward and sums their gradients; returns the split and loss. */
  private lossAndGrad(batch: KernelBatch) {
    const { layout, exports, pool } = this.compiled;
    if (this.optimizer === null || !layout.training)
      throw new TypeError("MlpKernel: this kernel was created for inference only; pass an optimizer");
    const rows = batch.t.length;
    if (!this.fits(rows))
      throw new RangeError(`MlpKernel: ${rows} rows do not fit; call reserve(${rows}) first`);
    const dim = this.config.dim;
    this.ensurePacked();
    const split = this.writeBatch(batch.xt, batch.t, rows, batch.target, batch.weight, batch.labels);
    const losses = pool.run(
      TASK.train,
      split.map((s) => s.rows),
      2 / (rows * dim),
    );
    let lossSum = 0;
    for (const l of losses) lossSum += l;
    const gradNorm = Math.sqrt(exports.reduce());
    return { split, rows, loss: lossSum / (rows * dim), gradNorm };
  }

  /** The loss of the current parameters on `batch` and its gradient (no update), in mlp.ts's layout. */
  gradient(batch: KernelBatch): { loss: number; gradNorm: number; grads: HostTensor[] } {
    const { loss, gradNorm } = this.lossAndGrad(batch);
    const { layout, heap } = this.compiled;
    return { loss, gradNorm, grads: readTensors(layout, heap, layout.shardBase + layout.shard.grads) };
  }

  /**
   * One optimizer step (step index `step`, 0-based) on `batch`; the batch must fit (`fits`).
   * Returns the loss before the update, the gradient norm, the updated parameters' norm and the lr.
   */
  step(batch: KernelBatch, step: number, rowLosses = false): KernelStepResult {
    const { split, rows, loss, gradNorm } = this.lossAndGrad(batch);
    const optimizer = this.optimizer!;
    const { layout, exports, heap } = this.compiled;
    const s = adamScalars(optimizer, step);
    const shrink = optimizer.clipNorm === null ? 1 : Math.max((gradNorm + 1e-6) / optimizer.clipNorm, 1);
    // The EMA decay β_k (warm-up included) and 1 − β_k in float64, as optim.ts's emaUpdate takes them.
    const beta = optimizer.emaDecay === null ? 0 : emaDecayAt(optimizer, step);
    const paramNorm = Math.sqrt(exports.adam(shrink, s.stepSize, s.invSqrtBc2, s.decay, beta, 1 - beta));
    this.packed = false;
    let rowLoss: Float32Array | null = null;
    if (rowLosses) {
      rowLoss = new Float32Array(rows);
      split.forEach(({ start, real }, j) => {
        const at = (layout.shardBase + j * layout.shard.bytes + layout.shard.rowLoss) / 4;
        rowLoss!.set(heap.subarray(at, at + real), start);
      });
    }
    return { loss, gradNorm, paramNorm, lr: s.lr, rowLosses: rowLoss };
  }

  /**
   * net(xₜ, t) for `batch` rows at one time or one time per row (float32, batch × dim), with class
   * labels per row for a conditional network; must fit.
   */
  forward(xt: FloatArray, t: FloatArray | number, batch: number, labels?: Int32Array): Float32Array {
    const { layout, pool, heap } = this.compiled;
    if (!this.fits(batch))
      throw new RangeError(`MlpKernel.forward: ${batch} rows do not fit; call reserve(${batch}) first`);
    this.ensurePacked();
    const split = this.writeBatch(xt, t, batch, null, null, labels);
    pool.run(
      TASK.infer,
      split.map((s) => s.rows),
    );
    const dim = this.config.dim;
    const dimP = layout.sizes[layout.sizes.length - 1]!;
    const out = new Float32Array(batch * dim);
    split.forEach(({ start, real }, j) => {
      const at = (layout.shardBase + j * layout.shard.bytes + layout.shard.out) / 4;
      for (let i = 0; i < real; i++) {
        for (let d = 0; d < dim; d++) out[(start + i) * dim + d] = heap[at + i * dimP + d]!;
      }
    });
    return out;
  }

  /** Stops the worker threads; the kernel must not be used afterwards. */
  dispose(): void {
    this.compiled.pool.dispose();
  }
}

/**
 * Resolves `MlpKernelOptions.fma` against what `wasm` takes: the option when it can be had, else
 * whether relaxed SIMD is there; a non-boolean, or true without relaxed SIMD, is an error.
 */
export function kernelFma(fn: string, wasm: WasmApi, options: { readonly fma?: boolean }): boolean {
  if (options.fma !== undefined && typeof options.fma !== "boolean")
    throw new TypeError(`${fn}: fma must be true or false, got ${JSON.stringify(options.fma)}`);
  const available = hasRelaxedSimd(wasm);
  if (options.fma === true && !available)
    throw new TypeError(
      `${fn}: fma: true needs WebAssembly relaxed SIMD, which this platform refuses ` +
        "(Node ≥ 22 has it; on Node 20 call enableRelaxedSimd() from difflux/node first, or run node " +
        "--experimental-wasm-relaxed-simd), or pass fma: false",
    );
  return options.fma ?? available;
}

/**
 * A training kernel for `config` and `optimizer` (or, with optimizer null, a forward-only kernel),
 * compiled synchronously, or null where WebAssembly SIMD is unavailable or compilation is refused.
 * Load a state with `setState` first. Its worker threads start in the background (`ready()`).
 */
export function createMlpKernelSync(
  config: MlpConfig,
  optimizer: OptimizerConfig | null,
  options: MlpKernelOptions = {},
): MlpKernel | null {
  const wasm = options.wasm === undefined ? globalWasm() : options.wasm;
  if (wasm === null) return null;
  return MlpKernel.create(wasm, config, optimizer, options, (bytes) => new wasm.Module(bytes));
}

/**
 * `createMlpKernelSync`, compiled asynchronously where the platform offers it (a browser's main
 * thread refuses to compile large modules synchronously; `reserve` still compiles synchronously).
 */
export async function createMlpKernel(
  config: MlpConfig,
  optimizer: OptimizerConfig | null,
  options: MlpKernelOptions = {},
): Promise<MlpKernel | null> {
  const wasm = options.wasm === undefined ? globalWasm() : options.wasm;
  if (wasm === null) return null;
  const compile = wasm.compile?.bind(wasm);
  if (compile === undefined) return createMlpKernelSync(config, optimizer, options);
  // Compile the shared and the unshared variant ahead; instantiate picks the one it needs.
  const layout = mlpLayout(config, options.shards ?? 2, pad4(options.rows ?? 256), optimizer !== null);
  const fma = kernelFma("createMlpKernel", wasm, options);
  const resolved = { ...options, fma };
  const modules = new Map<boolean, WasmModule>();
  for (const shared of [true, false]) {
    const bytes = mlpModule(layout, optimizer, shared, fma);
    if (!wasm.validate(bytes)) return null;
    try {
      modules.set(shared, await compile(bytes));
    } catch {
      if (!shared) return null;
    }
  }
  return MlpKernel.create(wasm, config, optimizer, resolved, (_bytes, shared) => {
    const ready = modules.get(shared);
    if (ready === undefined) throw new Error("createMlpKernel: this variant did not compile");
    return ready;
  });
}
