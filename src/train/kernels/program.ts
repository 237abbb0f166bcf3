/**
 * The WebAssembly program of one MLP (mlp.ts's network) in float32: its memory layout and its
 * generated functions — the forward pass, the loss and the hand-derived backward pass of a shard of
 * rows, the sum of the shards' gradients and one Adam/AdamW (+ EMA) update of all parameters.
 *
 * Forward, for layers l = 0 … L (L = depth; H₀ = the feature rows X):
 *   Z_l = H_l·W_lᵀ + b_l,   H_{l+1} = φ(Z_l) (l < L),   out = Z_L.
 * Loss of a batch of B rows (the trainer's weighted MSE), with c = 2/(B·dim):
 *   L = (1/(B·dim)) Σᵢ wᵢ‖outᵢ − yᵢ‖²,   ∂L/∂out = G_L = c·w ⊙ (out − y).
 * Backward, for l = L … 0 (G_l = ∂L/∂Z_l):
 *   ∂L/∂W_l = G_lᵀ·H_l,   ∂L/∂b_l = Σᵢ G_l[i, :],   G_{l−1} = (G_l·W_l) ⊙ φ′(Z_{l−1}).
 * Source: Rumelhart, Hinton & Williams 1986 (backpropagation); the layer algebra as in
 * Goodfellow, Bengio & Courville 2016, §6.5.
 *
 * Shards: a batch is split into `shards` blocks of rows, each block's gradient is computed on its own
 * (possibly on another thread) and the blocks' gradients are summed in a fixed order, so the result
 * does not depend on how many threads ran them. Every size is padded to a multiple of 4 with zeros
 * (rows of weight 0, hidden units and output columns whose weights are 0 and stay 0).
 */
import { type FunctionBuilder, ModuleBuilder } from "../../math/wasm.js";
import type { MlpConfig } from "../mlp.js";
import { featureWidth } from "../mlp.js";
import type { OptimizerConfig } from "../optim.js";
import { auxArrays, emitActivation, emitActivationGrad, Scratch } from "./activation.js";
import { type Epilogue, emitAddress, emitGemm, emitPackB, storeTile, type Tile } from "./gemm.js";

const PAGE = 65_536;

/** n rounded up to a multiple of 4. */
export const pad4 = (n: number): number => Math.ceil(n / 4) * 4;

/** Byte offsets of one shard's arrays, relative to the shard's base. */
export interface ShardLayout {
  /** Feature rows X [cap, F]. */
  readonly x: number;
  /** Targets [cap, dim] (not padded). */
  readonly y: number;
  /** Row weights [cap]. */
  readonly w: number;
  /** Hidden outputs H_l [cap, width], l = 1 … L (index l − 1); training only. */
  readonly h: readonly number[];
  /** Saved values of each hidden layer for its backward pass (auxArrays order), index l − 1. */
  readonly aux: readonly (readonly number[])[];
  /** Network output [cap, dimP]. */
  readonly out: number;
  /** ∂L/∂out [cap, dimP] (training). */
  readonly gOut: number;
  /** Two [cap, width] buffers: G_l during backward, or the ping-pong of the inference pass. */
  readonly g: readonly [number, number];
  /** Packed H_l for ∂L/∂W_l, a chunk of rows at a time (training): [ROW_CHUNK, max input width]. */
  readonly packH: number;
  /** A chunk of G_l packed in 4-column panels, the A of ∂L/∂W_l (training): [ROW_CHUNK, width]. */
  readonly packG: number;
  /** Per-row unweighted losses ℓᵢ (training). */
  readonly rowLoss: number;
  /** This shard's gradient, flat like the parameters (training). */
  readonly grads: number;
  /** Bytes per shard (a multiple of 64). */
  readonly bytes: number;
}

/** The memory layout of a program. */
export interface MlpLayout {
  readonly config: MlpConfig;
  /** Padded layer sizes [F, widthP, …, widthP, dimP] (length depth + 2). */
  readonly sizes: readonly number[];
  /** Element offset of W_l and b_l inside the flat parameter vector. */
  readonly weightAt: readonly number[];
  readonly biasAt: readonly number[];
  /** Length of the flat parameter vector (a multiple of 4). */
  readonly paramCount: number;
  readonly shards: number;
  /** Rows per shard the buffers hold (a multiple of 4). */
  readonly cap: number;
  readonly training: boolean;
  /** Byte offsets of the flat parameters, Adam moments, EMA (training). */
  readonly params: number;
  readonly m: number;
  readonly v: number;
  readonly ema: number;
  /** Byte offsets of the packed Wᵀ (forward) and W (backward, l ≥ 1) of each layer. */
  readonly packF: readonly number[];
  readonly packB: readonly number[];
  /** Byte offset of the control block (CONTROL_BYTES: thread signalling, scalar results). */
  readonly control: number;
  /** Byte offset of shard 0; shard s starts at shardBase + s·shard.bytes. */
  readonly shardBase: number;
  readonly shard: ShardLayout;
  /** Total bytes, rounded up to whole 64 KiB pages. */
  readonly bytes: number;
  readonly pages: number;
}

/** Lays out the program's memory for `config`, `shards` shards of up to `cap` rows each. */
export function mlpLayout(config: MlpConfig, shards: number, cap: number, training: boolean): MlpLayout {
  if (!(Number.isInteger(shards) && shards >= 1 && shards <= MAX_SHARDS))
    throw new RangeError(`mlpLayout: shards must be an integer in [1, ${MAX_SHARDS}], got ${shards}`);
  if (!(Number.isInteger(cap) && cap >= 4 && cap % 4 === 0))
    throw new RangeError(`mlpLayout: cap must be a positive multiple of 4, got ${cap}`);
  const sizes = [
    featureWidth(config),
    ...Array.from({ length: config.depth }, () => pad4(config.width)),
    pad4(config.dim),
  ];
  const weightAt: number[] = [];
  const biasAt: number[] = [];
  let count = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    weightAt.push(count);
    count += sizes[l + 1]! * sizes[l]!;
    biasAt.push(count);
    count += sizes[l + 1]!;
  }
  let at = 0;
  const take = (bytes: number) => {
    const start = at;
    at += Math.ceil(bytes / 64) * 64;
    return start;
  };
  const control = take(CONTROL_BYTES);
  const params = take(4 * count);
  const m = training ? take(4 * count) : -1;
  const v = training ? take(4 * count) : -1;
  const ema = training ? take(4 * count) : -1;
  const packF = sizes.slice(0, -1).map((s, l) => take(4 * s * sizes[l + 1]!));
  const packB = sizes.slice(0, -1).map((s, l) => (training && l >= 1 ? take(4 * s * sizes[l + 1]!) : -1));
  const shardBase = at;
  // One shard's arrays, relative to its base.
  at = 0;
  const width = sizes[1]!;
  const dimP = sizes[sizes.length - 1]!;
  const x = take(4 * cap * sizes[0]!);
  const y = take(4 * cap * config.dim);
  const w = take(4 * cap);
  const h = training ? Array.from({ length: config.depth }, () => take(4 * cap * width)) : [];
  const aux = training
    ? Array.from({ length: config.depth }, () =>
        auxArrays(config.activation).map(() => take(4 * cap * width)),
      )
    : [];
  const out = take(4 * cap * dimP);
  const gOut = training ? take(4 * cap * dimP) : -1;
  const g: [number, number] = [take(4 * cap * width), take(4 * cap * width)];
  const chunkRows = Math.min(cap, ROW_CHUNK);
  const packH = training ? take(4 * chunkRows * Math.max(...sizes.slice(0, -1))) : -1;
  const packG = training ? take(4 * chunkRows * width) : -1;
  const rowLoss = training ? take(4 * cap) : -1;
  const grads = training ? take(4 * count) : -1;
  const shard: ShardLayout = { x, y, w, h, aux, out, gOut, g, packH, packG, rowLoss, grads, bytes: at };
  const bytes = shardBase + shards * shard.bytes;
  const pages = Math.ceil(bytes / PAGE);
  return {
    config,
    sizes,
    weightAt,
    biasAt,
    paramCount: count,
    shards,
    cap,
    training,
    params,
    m,
    v,
    ema,
    packF,
    packB,
    control,
    shardBase,
    shard,
    bytes: pages * PAGE,
    pages,
  };
}

/** Most shards a program may have. */
export const MAX_SHARDS = 16;

/** Bytes of the control block. */
export const CONTROL_BYTES = 512;

/** Byte offsets inside the control block. */
export const CONTROL = {
  /** i32 slots of the thread pool (threads.ts): counters at 0–31, workers' ready flags at 32–63. */
  sync: 0,
  /** i32 per shard: the id of the run in which the shard last finished. */
  done: 128,
  /** f64 per shard: Σᵢ wᵢ‖outᵢ − yᵢ‖² of the shard's rows (train_shard's result). */
  loss: 256,
  /** f32: the loss scale c of the current task. */
  scale: 384,
  /** i32 per shard: its row count for the current task. */
  rows: 448,
} as const;

/** Sets local `dst` = local `base` + constant `offset` (a byte address). */
function address(f: FunctionBuilder, dst: number, base: number, offset: number): void {
  f.wat`local.get ${base} i32.const ${offset} i32.add local.set ${dst}`;
}

/**
 * The program's module: imports env.memory (shared when `shared`), exports
 *   pack()                                    packs every W_l for the forward (and backward) products
 *   infer_shard(base, rows)                   out = net(X) for one shard (forward only)
 *   train_shard(base, rows, c) → f64          forward, loss, backward of one shard; Σ wᵢ‖rᵢ‖²
 *   reduce() → f64                            shard 0's gradient += the others' (in order); Σ g²
 *   adam(shrink, stepSize, invSqrtBc2, decay, β, 1 − β) → f64   one optimizer (+ EMA) step; Σ p² after it
 * `rows` is a multiple of 4, at most the layout's cap; `base` is a shard's byte address. With `fma`
 * every matrix product accumulates with `f32x4.relaxed_madd` (the module then needs relaxed SIMD).
 */
export function mlpModule(
  layout: MlpLayout,
  optimizer: OptimizerConfig | null,
  shared: boolean,
  fma = false,
): Uint8Array {
  const mod = new ModuleBuilder(
    shared ? { initial: layout.pages, maximum: layout.pages, shared: true } : { initial: layout.pages },
  );
  const { config, sizes, shard } = layout;
  const layers = sizes.length - 1;

  mod.func("pack", [], [], (f) => {
    const src = f.local("i32");
    const dst = f.local("i32");
    for (let l = 0; l < layers; l++) {
      const [k, n] = [sizes[l]!, sizes[l + 1]!];
      // Forward: B = W_lᵀ, element (k, j) = W_l[j, k].
      f.wat`i32.const ${layout.params + 4 * layout.weightAt[l]!} local.set ${src}
            i32.const ${layout.packF[l]!} local.set ${dst}`;
      emitPackB(f, { n, k, bRow: 1, bCol: k }, src, dst);
      if (layout.training && l >= 1) {
        // Backward: B = W_l [out, in], element (k, j) = W_l[k, j].
        f.wat`i32.const ${layout.packB[l]!} local.set ${dst}`;
        emitPackB(f, { n: k, k: n, bRow: k, bCol: 1 }, src, dst);
      }
    }
  });

  /** The forward pass of a shard; `train` keeps H_l and the activation's saved values. */
  /**
   * The forward pass of `rows` rows (an i32 local) of a shard: inputs from X's row `first` (an i32
   * local, or 0), output to out's row `first`; `train` keeps H_l and the activation's saved values,
   * otherwise the hidden layers ping-pong between the shard's two g buffers from their row 0.
   */
  const emitForward = (
    f: FunctionBuilder,
    base: number,
    rows: number,
    train: boolean,
    first: number | null,
  ) => {
    const [a, b, bias, c] = [f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32")];
    const s = new Scratch(f);
    const at = (dst: number, offset: number, ld: number) =>
      first === null ? address(f, dst, base, offset) : offsetAddress(f, dst, base, offset, first, ld);
    for (let l = 0; l < layers; l++) {
      const [k, n] = [sizes[l]!, sizes[l + 1]!];
      if (l === 0) at(a, shard.x, k);
      else address(f, a, base, train ? shard.h[l - 1]! : shard.g[(l - 1) % 2]!);
      f.wat`i32.const ${layout.packF[l]!} local.set ${b}
            i32.const ${layout.params + 4 * layout.biasAt[l]!} local.set ${bias}`;
      let epilogue: Epilogue;
      if (l + 1 === layers) {
        at(c, shard.out, n);
        epilogue = storeTile(c, n);
      } else {
        const hAt = train ? shard.h[l]! : shard.g[l % 2]!;
        const auxAt = train ? shard.aux[l]! : [];
        epilogue = activationEpilogue(config.activation, base, n, hAt, auxAt, s);
      }
      emitGemm(f, { m: { local: rows }, n, k, aRow: k, aCol: 1, fma }, { a, b, bias }, epilogue);
    }
  };

  // Inference runs ROW_CHUNK rows at a time through every layer, so the hidden layers' outputs stay
  // in L2 (a 2048-row shard's [rows, 256] outputs are 2 MiB each); each row's result is the same.
  mod.func("infer_shard", ["i32", "i32"], [], (f) => {
    const [base, rows] = [f.param(0), f.param(1)];
    const [first, count] = [f.local("i32"), f.local("i32")];
    f.forRange(first, 0, { local: rows }, ROW_CHUNK, () => {
      // count = min(ROW_CHUNK, rows − first)
      f.wat`local.get ${rows} local.get ${first} i32.sub local.tee ${count} i32.const ${ROW_CHUNK}
            local.get ${count} i32.const ${ROW_CHUNK} i32.lt_s select local.set ${count}`;
      emitForward(f, base, count, false, first);
    });
  });

  if (layout.training) {
    if (optimizer === null) throw new TypeError("mlpModule: a training program needs the optimizer config");
    mod.func("train_shard", ["i32", "i32", "f32"], ["f64"], (f) => {
      const [base, rows, scale] = [f.param(0), f.param(1), f.param(2)];
      emitForward(f, base, rows, true, null);
      const loss = emitLoss(f, layout, base, rows, scale);
      emitBackward(f, layout, base, rows, fma);
      f.wat`local.get ${loss}`;
    });
    mod.func("reduce", [], ["f64"], (f) => emitReduce(f, layout));
    mod.func("adam", ["f32", "f32", "f32", "f32", "f32", "f32"], ["f64"], (f) =>
      emitAdam(f, layout, optimizer),
    );
  }
  return mod.bytes();
}

/**
 * The epilogue of a hidden layer's forward product: h = φ(z) stored at hAt (row stride n, in the
 * shard at local `base`), and the activation's saved values at auxAt.
 */
function activationEpilogue(
  activation: MlpConfig["activation"],
  base: number,
  n: number,
  hAt: number,
  auxAt: readonly number[],
  s: Scratch,
): Epilogue {
  return (f: FunctionBuilder, tile: Tile) => {
    const at = f.local("i32");
    const h = f.local("v128");
    const aux = auxAt.map(() => f.local("v128"));
    emitAddress(f, at, base, tile, n);
    tile.acc.forEach((vectors, r) => {
      vectors.forEach((z, v) => {
        emitActivation(f, activation, z, h, auxAt.length > 0 ? aux : null, s);
        const offset = (r * n + 4 * v) * 4;
        f.wat`local.get ${at} local.get ${h} v128.store offset=${hAt + offset}`;
        auxAt.forEach((o, i) => {
          f.wat`local.get ${at} local.get ${aux[i]!} v128.store offset=${o + offset}`;
        });
      });
    });
  };
}

/**
 * The loss of a shard: for each row, r = out − y over the real columns, ℓᵢ = ‖r‖²/dim stored,
 * gOut = scale·wᵢ·r (0 in the padding columns); returns a local holding Σ wᵢ‖r‖² (f64).
 */
function emitLoss(f: FunctionBuilder, layout: MlpLayout, base: number, rows: number, scale: number): number {
  const { shard } = layout;
  const dim = layout.config.dim;
  const dimP = layout.sizes[layout.sizes.length - 1]!;
  const total = f.local("f64");
  const [i, out, y, row] = [f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32")];
  const [w, sum, r] = [f.local("f32"), f.local("f32"), f.local("f32")];
  f.forRange(i, 0, { local: rows }, 1, () => {
    // out = base + i·dimP·4, y = base + i·dim·4, row = base + i·4
    f.wat`local.get ${i} i32.const ${dimP * 4} i32.mul local.get ${base} i32.add local.set ${out}
          local.get ${i} i32.const ${dim * 4} i32.mul local.get ${base} i32.add local.set ${y}
          local.get ${i} i32.const 2 i32.shl local.get ${base} i32.add local.set ${row}
          local.get ${row} f32.load offset=${shard.w} local.set ${w}
          f32.const 0 local.set ${sum}`;
    for (let j = 0; j < dim; j++) {
      f.wat`local.get ${out} f32.load offset=${shard.out + 4 * j} local.get ${y} f32.load offset=${shard.y + 4 * j}
            f32.sub local.set ${r}
            local.get ${sum} local.get ${r} local.get ${r} f32.mul f32.add local.set ${sum}
            local.get ${out} local.get ${r} local.get ${w} local.get ${scale} f32.mul f32.mul
            f32.store offset=${shard.gOut + 4 * j}`;
    }
    for (let j = dim; j < dimP; j++)
      f.wat`local.get ${out} f32.const 0 f32.store offset=${shard.gOut + 4 * j}`;
    f.wat`local.get ${row} local.get ${sum} f32.const ${1 / dim} f32.mul f32.store offset=${shard.rowLoss}
          local.get ${total} local.get ${w} local.get ${sum} f32.mul f64.promote_f32 f64.add local.set ${total}`;
  });
  return total;
}

/** Rows per chunk of the weight-gradient products (packed H and G of 256 rows: 256 KiB each at width 256). */
export const ROW_CHUNK = 256;

/** Sets local `dst` = local `base` + offset + row·ld·4 (row: an i32 local; the row's byte address). */
function offsetAddress(
  f: FunctionBuilder,
  dst: number,
  base: number,
  offset: number,
  row: number,
  ld: number,
): void {
  f.wat`local.get ${row} i32.const ${ld * 4} i32.mul local.get ${base} i32.add i32.const ${offset} i32.add
        local.set ${dst}`;
}

/** Zeroes `count` floats (a multiple of 4) at local `base` + offset. */
function emitZero(f: FunctionBuilder, base: number, offset: number, count: number): void {
  const o = f.local("i32");
  f.forRange(o, 0, count * 4, 16, () => {
    f.wat`local.get ${o} local.get ${base} i32.add v128.const f32x4 0 v128.store offset=${offset}`;
  });
}

/** The backward pass of a shard into its gradient (shard.grads), from gOut. */
function emitBackward(f: FunctionBuilder, layout: MlpLayout, base: number, rows: number, fma: boolean): void {
  const { config, sizes, shard } = layout;
  const layers = sizes.length - 1;
  const [a, b, c, src] = [f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32")];
  const [start, chunk] = [f.local("i32"), f.local("i32")];
  for (let l = layers - 1; l >= 0; l--) {
    const [nIn, nOut] = [sizes[l]!, sizes[l + 1]!];
    const gAt = l === layers - 1 ? shard.gOut : shard.g[l % 2]!; // G_l [rows, nOut]
    const hAt = l === 0 ? shard.x : shard.h[l - 1]!; // H_l [rows, nIn]
    // ∂L/∂W_l = G_lᵀ·H_l: A = G_lᵀ packed in 4-column panels of G_l (read in place, A[r, k] =
    // G_l[k, r] would jump a row of G_l per k), B = H_l packed (k = rows). The packing of G_l also
    // sums its columns: ∂L/∂b_l = Σᵢ G_l[i, :]. Rows go in chunks of ROW_CHUNK (both packed operands
    // stay in L2), each chunk added to ∂L/∂W_l and ∂L/∂b_l, which start at 0.
    const [dw, db] = [shard.grads + 4 * layout.weightAt[l]!, shard.grads + 4 * layout.biasAt[l]!];
    emitZero(f, base, dw, nOut * nIn);
    emitZero(f, base, db, nOut);
    f.forRange(start, 0, { local: rows }, ROW_CHUNK, () => {
      // chunk = min(ROW_CHUNK, rows − start)
      f.wat`local.get ${rows} local.get ${start} i32.sub local.tee ${chunk} i32.const ${ROW_CHUNK}
            local.get ${chunk} i32.const ${ROW_CHUNK} i32.lt_s select local.set ${chunk}`;
      offsetAddress(f, src, base, hAt, start, nIn);
      address(f, b, base, shard.packH);
      emitPackB(f, { n: nIn, k: { local: chunk }, bRow: nIn, bCol: 1 }, src, b);
      offsetAddress(f, src, base, gAt, start, nOut);
      address(f, a, base, shard.packG);
      address(f, c, base, db);
      emitPackB(f, { n: nOut, k: { local: chunk }, bRow: nOut, bCol: 1, width: 4 }, src, a, c, true);
      address(f, c, base, dw);
      emitGemm(
        f,
        { m: nOut, n: nIn, k: { local: chunk }, aRow: 1, aCol: nOut, packedA: true, fma },
        { a, b, bias: null, accumulate: { c, ld: nIn } },
        storeTile(c, nIn),
      );
    });
    if (l === 0) continue;
    address(f, a, base, gAt);
    // G_{l−1} = (G_l·W_l) ⊙ φ′: A = G_l (aRow nOut), B = W_l packed [nOut, nIn].
    f.wat`i32.const ${layout.packB[l]!} local.set ${b}`;
    const dzAt = shard.g[(l - 1) % 2]!;
    emitGemm(
      f,
      { m: { local: rows }, n: nIn, k: nOut, aRow: nOut, aCol: 1, fma },
      { a, b, bias: null },
      gradEpilogue(config.activation, base, nIn, shard.h[l - 1]!, shard.aux[l - 1]!, dzAt),
    );
  }
}

/** The epilogue of G_l·W_l: times φ′ of layer l − 1 (from its saved h and aux), stored at dzAt. */
function gradEpilogue(
  activation: MlpConfig["activation"],
  base: number,
  n: number,
  hAt: number,
  auxAt: readonly number[],
  dzAt: number,
): Epilogue {
  return (f, tile) => {
    const at = f.local("i32");
    const h = f.local("v128");
    const dz = f.local("v128");
    const aux = auxAt.map(() => f.local("v128"));
    emitAddress(f, at, base, tile, n);
    tile.acc.forEach((vectors, r) => {
      vectors.forEach((dh, v) => {
        const offset = (r * n + 4 * v) * 4;
        f.wat`local.get ${at} v128.load offset=${hAt + offset} local.set ${h}`;
        auxAt.forEach((o, i) => {
          f.wat`local.get ${at} v128.load offset=${o + offset} local.set ${aux[i]!}`;
        });
        emitActivationGrad(f, activation, dh, h, aux, dz);
        f.wat`local.get ${at} local.get ${dz} v128.store offset=${dzAt + offset}`;
      });
    });
  };
}

/** Byte lanes of i8x16.shuffle moving float lanes 2, 3 down to 0, 1. */
const HIGH_PAIR = "8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15";

/** Adds the sum of the four lanes of x·x (f32x4 local x), in f64, to the f64x2 local acc. */
function emitSumSquares(f: FunctionBuilder, x: number, acc: number, tmp: number): void {
  f.wat`local.get ${x} local.get ${x} f32x4.mul local.set ${tmp}
        local.get ${acc} local.get ${tmp} f64x2.promote_low_f32x4 f64x2.add
        local.get ${tmp} local.get ${tmp} i8x16.shuffle ${HIGH_PAIR} f64x2.promote_low_f32x4 f64x2.add
        local.set ${acc}`;
}

/** Pushes the f64 sum of the two lanes of the f64x2 local acc. */
function emitLaneSum(f: FunctionBuilder, acc: number): void {
  f.wat`local.get ${acc} f64x2.extract_lane 0 local.get ${acc} f64x2.extract_lane 1 f64.add`;
}

/** reduce: grads(shard 0) += grads(shard s) for s = 1 … shards − 1, in order; returns Σ g². */
function emitReduce(f: FunctionBuilder, layout: MlpLayout): void {
  const p = f.local("i32");
  const [g, acc, tmp] = [f.local("v128"), f.local("v128"), f.local("v128")];
  const first = layout.shardBase + layout.shard.grads;
  f.forRange(p, 0, layout.paramCount * 4, 16, () => {
    f.wat`local.get ${p} v128.load offset=${first} local.set ${g}`;
    for (let s = 1; s < layout.shards; s++) {
      f.wat`local.get ${g} local.get ${p} v128.load offset=${first + s * layout.shard.bytes} f32x4.add local.set ${g}`;
    }
    f.wat`local.get ${p} local.get ${g} v128.store offset=${first}`;
    emitSumSquares(f, g, acc, tmp);
  });
  emitLaneSum(f, acc);
}

/**
 * adam(shrink, stepSize, invSqrtBc2, decay, d, 1 − d): with g = grads/shrink (clipping; shrink = 1 without),
 * optim.ts's adamUpdate and emaUpdate in float32, in its order of operations:
 *   g ← g + λp (adam);  p ← p − decay·p (adamw);  m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;
 *   p ← p − stepSize·m/(√v·invSqrtBc2 + ε);  ema ← d·ema + (1 − d)·p.
 * Returns Σ p² of the new parameters.
 */
function emitAdam(f: FunctionBuilder, layout: MlpLayout, optimizer: OptimizerConfig): void {
  const { beta1, beta2, eps, weightDecay, kind, clipNorm, emaDecay } = optimizer;
  const [shrink, stepSize, invSqrtBc2, decay, emaKeep, emaTake] = [0, 1, 2, 3, 4, 5].map((i) => {
    const l = f.local("v128");
    f.wat`local.get ${f.param(i)} f32x4.splat local.set ${l}`;
    return l;
  }) as [number, number, number, number, number, number];
  const o = f.local("i32");
  const [p, g, m, v, acc, tmp] = [0, 1, 2, 3, 4, 5].map(() => f.local("v128")) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const grads = layout.shardBase + layout.shard.grads;
  f.forRange(o, 0, layout.paramCount * 4, 16, () => {
    f.wat`local.get ${o} v128.load offset=${layout.params} local.set ${p}
          local.get ${o} v128.load offset=${grads} ${clipNorm === null ? "" : `local.get ${shrink} f32x4.div`}
          local.set ${g}`;
    if (weightDecay > 0 && kind === "adam") {
      f.wat`local.get ${g} local.get ${p} v128.const f32x4 ${weightDecay} f32x4.mul f32x4.add local.set ${g}`;
    }
    if (weightDecay > 0 && kind === "adamw") {
      f.wat`local.get ${p} local.get ${p} local.get ${decay} f32x4.mul f32x4.sub local.set ${p}`;
    }
    f.wat`local.get ${o} v128.load offset=${layout.m} v128.const f32x4 ${beta1} f32x4.mul
          local.get ${g} v128.const f32x4 ${1 - beta1} f32x4.mul f32x4.add local.set ${m}
          local.get ${o} v128.load offset=${layout.v} v128.const f32x4 ${beta2} f32x4.mul
          local.get ${g} local.get ${g} f32x4.mul v128.const f32x4 ${1 - beta2} f32x4.mul f32x4.add local.set ${v}
          ;; p ← p − (m·stepSize)/(√v·invSqrtBc2 + ε)
          local.get ${p} local.get ${m} local.get ${stepSize} f32x4.mul
          local.get ${v} f32x4.sqrt local.get ${invSqrtBc2} f32x4.mul v128.const f32x4 ${eps} f32x4.add
          f32x4.div f32x4.sub local.set ${p}
          local.get ${o} local.get ${p} v128.store offset=${layout.params}
          local.get ${o} local.get ${m} v128.store offset=${layout.m}
          local.get ${o} local.get ${v} v128.store offset=${layout.v}`;
    if (emaDecay !== null) {
      f.wat`local.get ${o} local.get ${o} v128.load offset=${layout.ema} local.get ${emaKeep} f32x4.mul
            local.get ${p} local.get ${emaTake} f32x4.mul f32x4.add v128.store offset=${layout.ema}`;
    }
    emitSumSquares(f, p, acc, tmp);
  });
  emitLaneSum(f, acc);
}
