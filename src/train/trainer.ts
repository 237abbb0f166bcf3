/**
 * The training session and loop. `TrainSession` holds a run on the engine — the parameters and the
 * optimizer state between steps — and advances it with the pure step of step.ts; `train` runs the
 * loop: for k = state.step … steps − 1, batch = batchSource(k, rng), one step, `onStep`, and a
 * checkpoint every `checkpoint.every` steps and at the end.
 * Determinism: the same seed, config and batch source give bit-identical weights, and a run resumed
 * from a checkpoint continues exactly as if it had never stopped.
 */
import type { FloatArray } from "../array.js";
import { Rng, type RngState } from "../random/rng.js";
import { type Engine, jaxEngine } from "./engine.js";
import type { MlpKernel } from "./kernels/kernel.js";
import { type Batch, checkBatch } from "./loss.js";
import { checkMlpConfig, type MlpConfig } from "./mlp.js";
import { checkOptimizerConfig, type OptimizerConfig } from "./optim.js";
import {
  type AdaptiveTraining,
  checkAdaptiveTraining,
  checkTrainState,
  initTrainState,
  type TrainState,
} from "./state.js";
import {
  adaptiveBatch,
  disposeState,
  downloadState,
  nextAdaptive,
  type StepOutput,
  type TrainStep,
  trainStep,
  uploadState,
} from "./step.js";
import type { DType } from "./tensor.js";

/** Produces the batch for step `step` (0-based), drawing all randomness from `rng`. */
export type BatchSource = (step: number, rng: Rng) => Batch;

/** Options of `TrainSession`. */
export interface TrainSessionOptions {
  /**
   * Also return each row's unweighted loss ‖net(xₜᵢ, tᵢ) − targetᵢ‖²/dim, from the step's forward
   * pass (default false: the step computes and downloads nothing extra).
   */
  readonly rowLosses?: boolean;
  /** Learn adaptive loss weights (the state must hold them: `initTrainState(…, adaptive)`); implies rowLosses. */
  readonly adaptive?: AdaptiveTraining | null;
}

/** What one `TrainSession.run` step reports (the step's output without the device state). */
export type StepResult = Omit<StepOutput, "params" | "optState">;

/** How a session advances: the pure step on engine tensors, or the engine's fused kernels. */
interface Runner {
  readonly count: number;
  run(batch: Batch): StepResult;
  state(): TrainState;
  dispose(): void;
}

/** The pure step of step.ts on tensors held by the engine. */
function engineRunner(engine: Engine, stepFn: TrainStep, state: TrainState): Runner {
  let { params, optState } = uploadState(engine, stepFn, state);
  return {
    get count() {
      return optState.count;
    },
    run(batch) {
      const { params: p, optState: o, ...result } = stepFn.update(params, optState, batch);
      disposeState(params, optState);
      params = p;
      optState = o;
      return result;
    },
    state: () => downloadState(engine, params, optState),
    dispose() {
      disposeState(params, optState);
      params = [];
      optState = { ...optState, m: [], v: [], ema: optState.ema === null ? null : [] };
      stepFn.dispose();
    },
  };
}

/**
 * The same step on the engine's fused float32 kernels (engine.mlp), which hold the parameters and
 * the optimizer state in their own memory; the step count and the adaptive weights stay on the host.
 */
function kernelRunner(
  kernel: MlpKernel,
  model: MlpConfig,
  state: TrainState,
  adaptive: AdaptiveTraining | null,
  rowLosses: boolean,
): Runner {
  const fn = "TrainSession.run";
  kernel.setState({ params: state.params, m: state.moments.m, v: state.moments.v, ema: state.ema });
  let count = state.step;
  let learned = state.adaptive ?? null;
  return {
    get count() {
      return count;
    },
    run(source) {
      const batch = adaptiveBatch(fn, source, model, learned);
      const rows = checkBatch(fn, batch, model);
      if (!kernel.fits(rows)) kernel.reserve(rows);
      const r = kernel.step(batch, count, rowLosses || adaptive !== null);
      learned = nextAdaptive(fn, adaptive, learned, batch, r.rowLosses, count);
      count++;
      return { ...r, batch };
    },
    state() {
      const { params, m, v, ema } = kernel.getState();
      return { step: count, params, moments: { m, v }, ema, adaptive: learned };
    },
    dispose: () => kernel.dispose(),
  };
}

/**
 * A training run held on the engine: the parameters and optimizer state live on the device between
 * steps (the adaptive weights, if any, on the host). `run(batch)` advances them by one pure step
 * (step.ts) and frees the previous ones; `state()` copies the state to the host. In float32, when the
 * engine has fused kernels (`engine.mlp`), the kernels run the same step and hold the state.
 */
export class TrainSession {
  private readonly runner: Runner;

  /** Uploads `state` (checked against the configs) to `engine`. */
  constructor(
    engine: Engine,
    readonly model: MlpConfig,
    readonly optimizer: OptimizerConfig,
    state: TrainState,
    readonly dtype: DType = "float32",
    options: TrainSessionOptions = {},
  ) {
    const adaptive = options.adaptive ?? null;
    const stepFn = trainStep(engine, model, optimizer, {
      dtype,
      adaptive,
      rowLosses: options.rowLosses === true,
    });
    const kernel = dtype === "float32" ? (engine.mlp?.(model, optimizer) ?? null) : null;
    if (kernel === null) {
      this.runner = engineRunner(engine, stepFn, state); // uploadState checks the state
    } else {
      stepFn.dispose();
      checkTrainState("TrainSession", state, model, optimizer, dtype, adaptive);
      this.runner = kernelRunner(kernel, model, state, adaptive, options.rowLosses === true);
    }
  }

  /** Number of completed steps. */
  get step(): number {
    return this.runner.count;
  }

  /**
   * One optimizer step on `batch` (with adaptive weights: on weights wᵢ·w_θ(tᵢ), then the θ update on
   * the step's row losses); returns the loss before the step, the gradient norm, the lr used and,
   * when requested, the row losses.
   */
  run(batch: Batch): StepResult {
    return this.runner.run(batch);
  }

  /** A host copy of the current state. */
  state(): TrainState {
    return this.runner.state();
  }

  /** Frees the device state and the compiled steps. */
  dispose(): void {
    this.runner.dispose();
  }
}

/** What `onStep` receives after every step. */
export interface StepInfo {
  /** Steps completed (1 after the first step). */
  readonly step: number;
  /** Training loss of the batch, before the update. */
  readonly loss: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** Global L2 norm of the parameters after the step. */
  readonly paramNorm: number;
  /** Learning rate used by the step. */
  readonly lr: number;
  /** A host copy of the state after the step (copies the weights off the engine; call sparingly). */
  readonly state: () => TrainState;
  /**
   * ℓᵢ = ‖net(xₜᵢ, tᵢ) − targetᵢ‖²/dim of every row, before the update, from the step's forward pass.
   * Computed only when `train` has `rowLosses: true` or `adaptive`; otherwise this throws saying so.
   */
  readonly rowLosses: () => FloatArray;
  /** The batch the step trained on (its weights include the adaptive weights, if any). */
  readonly batch: Batch;
}

/** Options of `train`. */
export interface TrainOptions {
  readonly model: MlpConfig;
  readonly optimizer: OptimizerConfig;
  /** Train until this many steps are complete (counting steps of a resumed run). */
  readonly steps: number;
  readonly batchSource: BatchSource;
  /** Seed of a fresh run: parameters from Philox stream 1, batches from stream 0. Default 0. */
  readonly seed?: number;
  /** float32 (default) or float64. */
  readonly dtype?: DType;
  /**
   * Learn adaptive loss weights (`adaptiveTraining`): each batch's weights are multiplied by
   * w_θ(t) = K·softmax(θ)_{k(t)} and θ is updated after every step (step.ts). The batch source
   * should then weight uniformly (its weights are kept as a factor). The bins are over the batch's
   * t, the network's time input: τ = α/(α + σ) for a preconditioned batch (t on rectified flow).
   * Saved in checkpoints.
   */
  readonly adaptive?: AdaptiveTraining | null;
  /** Make the compiled step also output the row losses, for `StepInfo.rowLosses()` (default false). */
  readonly rowLosses?: boolean;
  /**
   * Continue from a saved state and RNG state (e.g. `loadCheckpoint`); `seed` is then ignored. With
   * `lossHistory` (the loss of steps 1 … state.step, as checkpoints store it) the snapshots and the
   * result carry the whole run's history.
   */
  readonly resume?: {
    readonly state: TrainState;
    readonly rng: RngState;
    readonly lossHistory?: Float64Array | null;
  };
  /** What is trained, for error messages (e.g. "vp / noise, min-snr"); default "this run". */
  readonly recipe?: string;
  /** Called (and awaited) after every step; return false (or a promise of false) to stop early. */
  readonly onStep?: (info: StepInfo) => unknown;
  /**
   * Call `save` with a snapshot every `every` steps and at the end (e.g. `checkpointSaver(dir, meta)`
   * from checkpoint.ts, which writes a checkpoint directory; kept out of this module so it stays free
   * of Node's file system).
   */
  readonly checkpoint?: { readonly every: number; readonly save: (snapshot: TrainSnapshot) => void };
  /** Autodiff engine; default the jax-js wasm engine. */
  readonly engine?: Engine;
}

/** Everything `train` can resume from: the configs, the state and the RNG state. */
export interface TrainSnapshot {
  readonly model: MlpConfig;
  readonly optimizer: OptimizerConfig;
  readonly dtype: DType;
  /** The adaptive-weight config, null when the run has none. */
  readonly adaptive: AdaptiveTraining | null;
  readonly state: TrainState;
  readonly rng: RngState;
  /**
   * The loss of every step 1 … state.step (taken before each update), saved with the state so the
   * history survives any interruption; null when a run was resumed without its history.
   */
  readonly lossHistory?: Float64Array | null;
}

/** Result of `train`: the final state, the RNG state to resume from, and the loss of every step run. */
export interface TrainResult {
  readonly state: TrainState;
  readonly rng: RngState;
  /** The loss of every step this call ran. */
  readonly losses: Float64Array;
  /** The loss of every step 1 … state.step, null when the run was resumed without its history. */
  readonly lossHistory: Float64Array | null;
}

/** Which quantity of a step stopped being finite. */
export type DivergedQuantity = "loss" | "gradient" | "weights";

/**
 * Thrown by `train` when a step's loss, gradient norm or updated weights are not finite: training
 * stops at once, before the state is saved, so the last checkpoint holds the last finite weights.
 * The message names the step, the recipe and the likely cause.
 */
export class TrainingDivergedError extends Error {
  override readonly name = "TrainingDivergedError";
  constructor(
    message: string,
    /** The step (1-based) whose result was not finite. */
    readonly step: number,
    readonly quantity: DivergedQuantity,
    /** The non-finite value (loss, gradient norm or weight norm). */
    readonly value: number,
    /** The likely cause, in words. */
    readonly likelyCause: string,
  ) {
    super(message);
  }
}

/** max |x| of an array (NaN if any entry is NaN) and the row of the largest entry. */
function largest(a: FloatArray, dim: number): { value: number; row: number } {
  let value = 0;
  let row = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Math.abs(a[i]!);
    if (!(x <= value)) {
      value = x;
      row = Math.floor(i / dim);
      if (Number.isNaN(x)) break;
    }
  }
  return { value, row };
}

/**
 * The error for a step whose loss, gradient norm or weights are not finite, with the likely cause:
 * a batch with non-finite or extreme targets/weights (an unbounded weighting, or inputs/targets the
 * network parameterisation does not scale), a learning rate that overflowed the update, or a
 * gradient that grew over the previous steps (learning rate too high, clipping off).
 */
function divergence(
  recipe: string,
  step: number,
  result: { loss: number; gradNorm: number; paramNorm: number; batch: Batch },
  optimizer: OptimizerConfig,
  recentGradNorms: readonly number[],
): TrainingDivergedError {
  const { loss, gradNorm, paramNorm, batch } = result;
  const quantity: DivergedQuantity = !Number.isFinite(loss)
    ? "loss"
    : !Number.isFinite(gradNorm)
      ? "gradient"
      : "weights";
  const value = quantity === "loss" ? loss : quantity === "gradient" ? gradNorm : paramNorm;
  const dim = batch.t.length > 0 ? batch.target.length / batch.t.length : 1;
  const target = largest(batch.target, dim);
  const input = largest(batch.xt, dim);
  const weight = largest(batch.weight, 1);
  const sorted = [...recentGradNorms].sort((a, b) => a - b);
  const median = sorted.length > 0 ? sorted[Math.floor(sorted.length / 2)]! : Number.NaN;
  const last = recentGradNorms.at(-1) ?? Number.NaN;
  let cause: string;
  if (!Number.isFinite(target.value) || !Number.isFinite(input.value) || !Number.isFinite(weight.value)) {
    cause = `the batch itself is not finite (max |xₜ| ${input.value}, |target| ${target.value}, weight ${weight.value}): the data, the loss weighting or the time density produce non-finite values — check them`;
  } else if (quantity === "weights") {
    cause = `the update blew up the weights with a finite loss and gradient: the learning rate ${optimizer.lr} is too large — lower it`;
  } else if (Number.isFinite(last) && median > 0 && last > 100 * median) {
    cause = `the gradient norm grew from ${median.toPrecision(3)} to ${last.toPrecision(3)} over the last ${recentGradNorms.length} steps: the learning rate ${optimizer.lr} is too high${optimizer.clipNorm === null ? " and gradients are not clipped" : ""} — lower it${optimizer.clipNorm === null ? " or set clipNorm" : ""}`;
  } else if (weight.value > 1e6 || target.value > 1e4 || input.value > 1e4) {
    cause = `the batch has extreme values (max weight ${weight.value.toPrecision(3)} at t = ${batch.t[weight.row]}, max |target| ${target.value.toPrecision(3)} at t = ${batch.t[target.row]}, max |xₜ| ${input.value.toPrecision(3)}): a weighting unbounded near an end of the path, or inputs/targets the network does not scale — precondition the network, standardize the data, or bound the weighting`;
  } else {
    cause = `the loss overflowed float32 (max weight ${weight.value.toPrecision(3)}, max |target| ${target.value.toPrecision(3)}, gradient norm ${last.toPrecision(3)} the step before): lower the learning rate, clip gradients, or precondition the network`;
  }
  const what =
    quantity === "loss"
      ? `the loss is ${value}`
      : quantity === "gradient"
        ? `the gradient norm is ${value}`
        : `the norm of the updated weights is ${value} (a weight is not finite, or too large for the norm to fit the dtype)`;
  return new TrainingDivergedError(
    `train: ${what} at step ${step} of ${recipe}; training stopped and the last checkpoint is kept. Likely cause: ${cause}`,
    step,
    quantity,
    value,
    cause,
  );
}

/**
 * Trains the MLP: for k = state.step … steps − 1, batch = batchSource(k, rng), one Adam/AdamW step on
 * the weighted MSE. Bit-for-bit deterministic; resuming from a checkpoint reproduces the
 * uninterrupted run. A step whose loss, gradient norm or weights are not finite throws a
 * `TrainingDivergedError` before anything is saved.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const { model, optimizer, steps, batchSource, onStep, checkpoint } = options;
  const dtype = options.dtype ?? "float32";
  const adaptive = options.adaptive ?? null;
  checkMlpConfig(model);
  checkOptimizerConfig(optimizer);
  if (adaptive !== null) checkAdaptiveTraining("train", adaptive);
  if (!Number.isInteger(steps) || steps < 0)
    throw new RangeError(`train: steps must be an integer ≥ 0, got ${steps}`);
  if (typeof batchSource !== "function")
    throw new TypeError("train: batchSource must be a function (step, rng) → { xt, t, target, weight }");
  if (checkpoint !== undefined && !(Number.isInteger(checkpoint.every) && checkpoint.every >= 1)) {
    throw new RangeError(`train: checkpoint.every must be an integer ≥ 1, got ${checkpoint.every}`);
  }
  if (checkpoint !== undefined && typeof checkpoint.save !== "function") {
    throw new TypeError("train: checkpoint.save must be a function (e.g. checkpointSaver(dir, meta))");
  }
  const engine = options.engine ?? (await jaxEngine());
  let rng: Rng;
  let state: TrainState;
  if (options.resume !== undefined) {
    rng = Rng.fromState(options.resume.rng);
    state = options.resume.state;
    checkTrainState("train: resume", state, model, optimizer, dtype, adaptive);
  } else {
    const seed = options.seed ?? 0;
    rng = new Rng(seed, 0);
    state = initTrainState(model, optimizer, new Rng(seed, 1), dtype, adaptive);
  }
  if (state.step > steps)
    throw new RangeError(
      `train: the resumed state is at step ${state.step}, past steps = ${steps}; raise steps`,
    );
  const session = new TrainSession(engine, model, optimizer, state, dtype, {
    adaptive,
    rowLosses: options.rowLosses === true,
  });
  const losses: number[] = [];
  const resumed = options.resume?.lossHistory ?? null;
  const earlier =
    options.resume === undefined
      ? []
      : resumed !== null && resumed.length === state.step
        ? [...resumed]
        : null;
  const history = () => (earlier === null ? null : Float64Array.from([...earlier, ...losses]));
  const save = () =>
    checkpoint?.save({
      model,
      optimizer,
      dtype,
      adaptive,
      state: session.state(),
      rng: rng.getState(),
      lossHistory: history(),
    });
  const recipe = options.recipe ?? "this run";
  const recentGradNorms: number[] = [];
  try {
    while (session.step < steps) {
      const { rowLosses, ...info } = session.run(batchSource(session.step, rng));
      if (
        !(Number.isFinite(info.loss) && Number.isFinite(info.gradNorm) && Number.isFinite(info.paramNorm))
      ) {
        throw divergence(recipe, session.step, info, optimizer, recentGradNorms);
      }
      recentGradNorms.push(info.gradNorm);
      if (recentGradNorms.length > 50) recentGradNorms.shift();
      losses.push(info.loss);
      if (checkpoint !== undefined && session.step % checkpoint.every === 0 && session.step < steps) save();
      const step: StepInfo = {
        step: session.step,
        ...info,
        state: () => session.state(),
        rowLosses: () => {
          if (rowLosses === null) {
            throw new Error(
              "StepInfo.rowLosses: this run does not compute row losses; pass rowLosses: true (or adaptive) to train",
            );
          }
          return rowLosses;
        },
      };
      if (onStep !== undefined && (await onStep(step)) === false) break;
    }
    save();
    return {
      state: session.state(),
      rng: rng.getState(),
      losses: Float64Array.from(losses),
      lossHistory: history(),
    };
  } finally {
    session.dispose();
  }
}
