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
import { type DeviceTensor, type Engine, jaxEngine } from "./engine.js";
import type { Batch } from "./loss.js";
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
  disposeState,
  downloadState,
  type OptState,
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

/**
 * A training run held on the engine: the parameters and optimizer state live on the device between
 * steps (the adaptive weights, if any, on the host). `run(batch)` advances them by one pure step
 * (step.ts) and frees the previous ones; `state()` copies the state to the host.
 */
export class TrainSession {
  private readonly stepFn: TrainStep;
  private params: DeviceTensor[];
  private optState: OptState<DeviceTensor>;

  /** Uploads `state` (checked against the configs) to `engine`. */
  constructor(
    private readonly engine: Engine,
    readonly model: MlpConfig,
    readonly optimizer: OptimizerConfig,
    state: TrainState,
    readonly dtype: DType = "float32",
    options: TrainSessionOptions = {},
  ) {
    this.stepFn = trainStep(engine, model, optimizer, {
      dtype,
      adaptive: options.adaptive ?? null,
      rowLosses: options.rowLosses === true,
    });
    ({ params: this.params, optState: this.optState } = uploadState(engine, this.stepFn, state));
  }

  /** Number of completed steps. */
  get step(): number {
    return this.optState.count;
  }

  /**
   * One optimizer step on `batch` (with adaptive weights: on weights wᵢ·w_θ(tᵢ), then the θ update on
   * the step's row losses); returns the loss before the step, the gradient norm, the lr used and,
   * when requested, the row losses.
   */
  run(batch: Batch): StepResult {
    const { params, optState, ...result } = this.stepFn.update(this.params, this.optState, batch);
    disposeState(this.params, this.optState);
    this.params = params;
    this.optState = optState;
    return result;
  }

  /** A host copy of the current state. */
  state(): TrainState {
    return downloadState(this.engine, this.params, this.optState);
  }

  /** Frees the device state and the compiled steps. */
  dispose(): void {
    disposeState(this.params, this.optState);
    this.params = [];
    this.optState = { ...this.optState, m: [], v: [], ema: this.optState.ema === null ? null : [] };
    this.stepFn.dispose();
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
   * w_θ(t) = K·softmax(θ)_{k(t)} and θ is updated after every step (file header). The batch source
   * should then weight uniformly (its weights are kept as a factor). Saved in checkpoints.
   */
  readonly adaptive?: AdaptiveTraining | null;
  /** Make the compiled step also output the row losses, for `StepInfo.rowLosses()` (default false). */
  readonly rowLosses?: boolean;
  /** Continue from a saved state and RNG state (e.g. `loadCheckpoint`); `seed` is then ignored. */
  readonly resume?: { readonly state: TrainState; readonly rng: RngState };
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
}

/** Result of `train`: the final state, the RNG state to resume from, and the loss of every step run. */
export interface TrainResult {
  readonly state: TrainState;
  readonly rng: RngState;
  readonly losses: Float64Array;
}

/**
 * Trains the MLP: for k = state.step … steps − 1, batch = batchSource(k, rng), one Adam/AdamW step on
 * the weighted MSE. Bit-for-bit deterministic; resuming from a checkpoint reproduces the
 * uninterrupted run.
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
  const save = () =>
    checkpoint?.save({ model, optimizer, dtype, adaptive, state: session.state(), rng: rng.getState() });
  try {
    while (session.step < steps) {
      const { rowLosses, ...info } = session.run(batchSource(session.step, rng));
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
    return { state: session.state(), rng: rng.getState(), losses: Float64Array.from(losses) };
  } finally {
    session.dispose();
  }
}
