/**
 * The training loop and the trained network as a `Model`.
 *
 * The trainer is agnostic of the objective: a batch source hands it (xₜ, t, target, weight) — e.g.
 * from the objectives' `trainingBatch` — and it minimizes the weighted mean squared error
 *   L(θ) = (1/B) Σᵢ wᵢ · ‖net_θ(xₜᵢ, tᵢ) − targetᵢ‖² / dim
 * with Adam/AdamW (optim.ts) inside one compiled step on the autodiff engine (engine.ts).
 * On request the step also returns each row's unweighted loss ℓᵢ = ‖net_θ(xₜᵢ, tᵢ) − targetᵢ‖²/dim
 * from the same forward pass (`rowLosses`), and with `adaptive` the trainer learns adaptive loss
 * weights from them (loss/adaptive.ts): the row weights become wᵢ·K·softmax(θ)_{k(tᵢ)}, and after the
 * step θ ← θ − η·∂J/∂θ on the step's (t, ℓ) (EDM2's uncertainty weighting, Karras et al. 2024).
 * Determinism: the same seed, config and batch source give bit-identical weights, and a run resumed
 * from a checkpoint continues exactly as if it had never stopped.
 */
import type { FloatArray, Shape } from "../array.js";
import { checkShape } from "../array.js";
import type { Kind } from "../convert/kernel.js";
import { type AdaptiveWeighting, adaptiveWeighting, updateAdaptiveWeighting } from "../loss/adaptive.js";
import type { Model } from "../model/model.js";
import type { GaussianPath } from "../path/path.js";
import { Rng, type RngState } from "../random/rng.js";
import { constantDual, dualOps } from "./dual.js";
import { type CompiledFn, type DeviceTensor, type Engine, jaxEngine } from "./engine.js";
import type { MlpKernel } from "./kernels/kernel.js";
import {
  checkMlpConfig,
  featureWidth,
  initMlpParams,
  type MlpConfig,
  mlpForward,
  mlpFeatures,
  mlpParamSpecs,
} from "./mlp.js";
import {
  type AdamMoments,
  adamScalars,
  adamUpdate,
  checkOptimizerConfig,
  clipByGlobalNorm,
  emaUpdate,
  globalNorm,
  type OptimizerConfig,
} from "./optim.js";
import {
  cloneTensors,
  type DType,
  type DiffOps,
  type HostTensor,
  hostOps,
  type TensorOps,
  zerosTensor,
} from "./tensor.js";

/** One training batch: rows of xₜ with their canonical time, regression target and loss weight. */
export interface Batch {
  /** Noisy inputs, batch × dim. */
  readonly xt: FloatArray;
  /** Canonical time per row (t = 0 noise, t = 1 data), length batch. */
  readonly t: FloatArray;
  /** Regression target of the chosen kind, batch × dim. */
  readonly target: FloatArray;
  /** Per-row loss weight, length batch. */
  readonly weight: FloatArray;
}

/** Produces the batch for step `step` (0-based), drawing all randomness from `rng`. */
export type BatchSource = (step: number, rng: Rng) => Batch;

/** Everything that changes during training (host arrays; checkpoints store it). */
export interface TrainState {
  /** Number of completed optimizer steps. */
  readonly step: number;
  readonly params: HostTensor[];
  readonly moments: AdamMoments<HostTensor>;
  /** EMA of the weights, null when the optimizer has no emaDecay. */
  readonly ema: HostTensor[] | null;
  /** The learned loss weighting (θ after `step` updates), null when the run has no `adaptive` config. */
  readonly adaptive: AdaptiveWeighting | null;
}

/**
 * Learned adaptive loss weights during training (loss/adaptive.ts): K time bins, and the step size η
 * of the update θ ← θ − η·∂J/∂θ made after every optimizer step with that step's row losses.
 * At the fixed point θ_k = −log ℓ̄_k, so the weights are ∝ 1/(mean unweighted loss of the bin).
 */
export interface AdaptiveTraining {
  /** Number of equal bins K of canonical time. */
  readonly bins: number;
  /** η, the gradient-descent step size on θ. */
  readonly learningRate: number;
}

/**
 * A checked `AdaptiveTraining` config: bins K (default 32) and learning rate η (default 1).
 * Near the fixed point the update is δθ_k ← (1 − η·p_k)·δθ_k, p_k the bin's share of the batch
 * (1/K for uniform times): stable for η·p_k < 2, time constant ≈ 1/(η·p_k) steps (K/η), and the
 * stationary jitter of θ_k is ≈ √(η/(2B)) for batch size B. Source: Karras et al. 2024 (EDM2), §B.
 */
export function adaptiveTraining(options: { bins?: number; learningRate?: number } = {}): AdaptiveTraining {
  const config = { bins: options.bins ?? 32, learningRate: options.learningRate ?? 1 };
  checkAdaptiveTraining("adaptiveTraining", config);
  return config;
}

/** Throws an error naming `fn` when `config` is not { bins: integer ≥ 1, learningRate: finite > 0 }. */
export function checkAdaptiveTraining(fn: string, config: AdaptiveTraining): void {
  if (config === null || typeof config !== "object")
    throw new TypeError(`${fn}: adaptive must be { bins, learningRate } (adaptiveTraining({ bins: 32 }))`);
  if (!Number.isInteger(config.bins) || config.bins < 1)
    throw new RangeError(`${fn}: adaptive bins must be a positive integer (e.g. 32), got ${config.bins}`);
  if (
    typeof config.learningRate !== "number" ||
    !(config.learningRate > 0) ||
    !Number.isFinite(config.learningRate)
  )
    throw new RangeError(
      `${fn}: adaptive learningRate must be a finite number > 0 (e.g. 1), got ${String(config.learningRate)}`,
    );
}

/**
 * A fresh training state: seeded parameters (`initMlpParams`), zero moments, EMA = the parameters,
 * and with `adaptive` uniform loss weights (θ = 0).
 */
export function initTrainState(
  model: MlpConfig,
  optimizer: OptimizerConfig,
  rng: Rng,
  dtype: DType = "float32",
  adaptive: AdaptiveTraining | null = null,
): TrainState {
  if (adaptive !== null) checkAdaptiveTraining("initTrainState", adaptive);
  const params = initMlpParams(model, rng, dtype);
  const zeros = () => params.map((p) => zerosTensor(p.shape, dtype));
  return {
    step: 0,
    params,
    moments: { m: zeros(), v: zeros() },
    ema: optimizer.emaDecay === null ? null : cloneTensors(params),
    adaptive: adaptive === null ? null : adaptiveWeighting({ bins: adaptive.bins }),
  };
}

/**
 * Throws an error naming `fn` and the first tensor of `state` that does not fit `model`, `optimizer`,
 * `dtype` and `adaptive` (missing, wrong shape or dtype, EMA present without emaDecay or missing with
 * it, adaptive weights present without an adaptive config, missing with one, or with other bins).
 */
export function checkTrainState(
  fn: string,
  state: TrainState,
  model: MlpConfig,
  optimizer: OptimizerConfig,
  dtype: DType,
  adaptive: AdaptiveTraining | null = null,
): void {
  const specs = mlpParamSpecs(model);
  if (!Number.isInteger(state.step) || state.step < 0)
    throw new RangeError(`${fn}: state.step must be an integer ≥ 0, got ${state.step}`);
  const learned = state.adaptive ?? null;
  if (adaptive === null && learned !== null) {
    throw new RangeError(
      `${fn}: the state has adaptive loss weights (${learned.bins} bins) but the run has no adaptive config; pass adaptive: { bins: ${learned.bins}, learningRate } or drop state.adaptive`,
    );
  }
  if (adaptive !== null) {
    checkAdaptiveTraining(fn, adaptive);
    if (learned === null) {
      throw new RangeError(
        `${fn}: the run learns adaptive loss weights but the state has none; start from initTrainState(…, adaptive) or resume a run that had them`,
      );
    }
    if (learned.bins !== adaptive.bins || learned.logWeights.length !== adaptive.bins) {
      throw new RangeError(
        `${fn}: the state's adaptive weights have ${learned.logWeights.length} bins but the run asks for ${adaptive.bins}; use bins = ${learned.logWeights.length}`,
      );
    }
  }
  const groups: [string, readonly HostTensor[] | null][] = [
    ["params", state.params],
    ["moments.m", state.moments.m],
    ["moments.v", state.moments.v],
    ["ema", state.ema],
  ];
  for (const [group, tensors] of groups) {
    if (tensors === null) {
      if (optimizer.emaDecay !== null)
        throw new RangeError(
          `${fn}: the state has no EMA weights but the optimizer has emaDecay ${optimizer.emaDecay}`,
        );
      continue;
    }
    if (group === "ema" && optimizer.emaDecay === null) {
      throw new RangeError(
        `${fn}: the state has EMA weights but the optimizer has emaDecay null; set emaDecay or drop state.ema`,
      );
    }
    if (tensors.length !== specs.length) {
      throw new RangeError(
        `${fn}: ${group} has ${tensors.length} tensors but the MLP has ${specs.length} (${specs.map((s) => s.name).join(", ")})`,
      );
    }
    specs.forEach((spec, i) => {
      const t = tensors[i]!;
      const isDtype = dtype === "float32" ? t.data instanceof Float32Array : t.data instanceof Float64Array;
      if (!isDtype) {
        throw new TypeError(
          `${fn}: ${group} ${spec.name} is not ${dtype}; train with the dtype the state was saved in, or convert the state`,
        );
      }
      if (
        t.shape.length !== spec.shape.length ||
        t.shape.some((s, k) => s !== spec.shape[k]) ||
        t.data.length !== t.shape.reduce((a, b) => a * b, 1)
      ) {
        throw new RangeError(
          `${fn}: ${group} ${spec.name} has shape [${t.shape.join(", ")}] but the MLP needs [${spec.shape.join(", ")}]`,
        );
      }
    });
  }
}

/** ‖predᵢ − targetᵢ‖² per row, shape [B], for pred and target of shape [B, dim]. */
function rowSquaredErrors<T>(ops: TensorOps<T>, prediction: T, target: T): T {
  const r = ops.sub(prediction, target);
  return ops.sum(ops.mul(r, r), 1);
}

/** (1/B) Σᵢ wᵢ·sᵢ/dim from the row squared errors sᵢ (shape [B]): a scalar tensor. */
function weightedRowMean<T>(ops: TensorOps<T>, squared: T, weight: T, shape: Shape): T {
  return ops.mul(ops.sum(ops.mul(squared, weight)), 1 / (shape.batch * shape.dim));
}

/**
 * Weighted mean squared error L = (1/B) Σᵢ wᵢ·‖predᵢ − targetᵢ‖²/dim for pred, target of shape
 * [B, dim] and weight of shape [B] (a scalar tensor).
 */
export function weightedMse<T>(ops: TensorOps<T>, prediction: T, target: T, weight: T, shape: Shape): T {
  return weightedRowMean(ops, rowSquaredErrors(ops, prediction, target), weight, shape);
}

/** One batch as tensors: feature rows [batch, featureWidth], targets [batch, dim], weights [batch]. */
export interface LossInputs<T> {
  readonly features: T;
  readonly target: T;
  readonly weight: T;
  readonly batch: number;
}

/** The training loss of the MLP on one batch: weightedMse(net(features), target, weight). */
export function trainingLoss<T>(
  ops: TensorOps<T>,
  model: MlpConfig,
  params: readonly T[],
  inputs: LossInputs<T>,
): T {
  const { features, target, weight, batch } = inputs;
  return weightedMse(ops, mlpForward(ops, model, params, features), target, weight, {
    batch,
    dim: model.dim,
  });
}

/** The training loss and its gradient with respect to every parameter (what each step differentiates). */
export function lossAndGrad<T>(
  ops: DiffOps<T>,
  model: MlpConfig,
  params: readonly T[],
  inputs: LossInputs<T>,
): [T, T[]] {
  return ops.valueAndGrad((p) => trainingLoss(ops, model, p, inputs), params);
}

/**
 * `lossAndGrad` plus each row's unweighted loss ℓᵢ = ‖net(featuresᵢ) − targetᵢ‖²/dim (shape [B]),
 * taken from the same forward pass as an auxiliary output; loss and gradient are the same
 * operations as in `lossAndGrad`, so they are bit-identical to it.
 */
export function lossRowLossesAndGrad<T>(
  ops: DiffOps<T>,
  model: MlpConfig,
  params: readonly T[],
  inputs: LossInputs<T>,
): [loss: T, grads: T[], rowLosses: T] {
  const { features, target, weight, batch } = inputs;
  const [loss, grads, [rows]] = ops.valueAndGradWithAux((p) => {
    const squared = rowSquaredErrors(ops, mlpForward(ops, model, p, features), target);
    return [
      weightedRowMean(ops, squared, weight, { batch, dim: model.dim }),
      [ops.mul(squared, 1 / model.dim)],
    ];
  }, params);
  return [loss, grads, rows!];
}

/**
 * The engine inputs for a batch: [features (rows × featureWidth), target (rows × dim), weight (rows)]
 * in `dtype`, after checking the batch's arrays and lengths.
 */
export function batchTensors(fn: string, model: MlpConfig, batch: Batch, dtype: DType): HostTensor[] {
  const rows = checkBatch(fn, batch, model);
  const width = featureWidth(model);
  const out = dtype === "float32" ? new Float32Array(rows * width) : new Float64Array(rows * width);
  const features = mlpFeatures(model, batch.xt, batch.t, { batch: rows, dim: model.dim }, out);
  return [
    { shape: [rows, width], data: features },
    { shape: [rows, model.dim], data: asDtype(batch.target, dtype) },
    { shape: [rows], data: asDtype(batch.weight, dtype) },
  ];
}

/**
 * The loss of `params` on `batch` and its gradient, computed on `engine` (no update); the dtype is
 * that of the params. Used for gradient checks and evaluation.
 */
export function lossAndGradient(
  engine: Engine,
  model: MlpConfig,
  params: readonly HostTensor[],
  batch: Batch,
): { loss: number; grads: HostTensor[] } {
  checkMlpConfig(model);
  const dtype: DType = params[0]?.data instanceof Float64Array ? "float64" : "float32";
  const inputs = batchTensors("lossAndGradient", model, batch, dtype);
  const rows = inputs[2]!.shape[0]!;
  const fn = engine.compile(<T>(ops: DiffOps<T>, [p, [f, y, w]]: T[][]) => {
    const [loss, grads] = lossAndGrad(ops, model, p!, { features: f!, target: y!, weight: w!, batch: rows });
    return [[loss], grads];
  });
  const device = [params.map((t) => engine.upload(t)), inputs.map((t) => engine.upload(t))];
  const [[loss], grads] = fn(device) as [[DeviceTensor], DeviceTensor[]];
  const result = { loss: engine.download(loss).data[0]!, grads: grads.map((g) => engine.download(g)) };
  for (const t of [...device.flat(), loss, ...grads]) t.dispose();
  fn.dispose();
  return result;
}

/**
 * The compiled training step. Groups in: [params, m, v, ema, [features, target, weight],
 * [stepSize, invSqrtBc2, decay]]; out: [params, m, v, ema, [loss, gradNorm]] (gradNorm before
 * clipping), with `rowLosses` [loss, gradNorm, ℓ] (ℓ of shape [batch], from the same forward pass).
 */
function trainStepFn(model: MlpConfig, optimizer: OptimizerConfig, batch: number, rowLosses: boolean) {
  return <T>(ops: DiffOps<T>, groups: T[][]): T[][] => {
    const [params, m, v, ema, [features, target, weight], [stepSize, invSqrtBc2, decay]] = groups as [
      T[],
      T[],
      T[],
      T[],
      T[],
      T[],
    ];
    const inputs = { features: features!, target: target!, weight: weight!, batch };
    const [loss, grads, rows] = rowLosses
      ? lossRowLossesAndGrad(ops, model, params, inputs)
      : [...lossAndGrad(ops, model, params, inputs), null];
    const norm = globalNorm(ops, grads);
    const clipped =
      optimizer.clipNorm === null ? grads : clipByGlobalNorm(ops, grads, norm, optimizer.clipNorm);
    const next = adamUpdate(
      ops,
      optimizer,
      params,
      clipped,
      { m, v },
      { stepSize: stepSize!, invSqrtBc2: invSqrtBc2!, decay: decay! },
    );
    const nextEma = optimizer.emaDecay === null ? [] : emaUpdate(ops, ema, next.params, optimizer.emaDecay);
    return [
      next.params,
      [...next.moments.m],
      [...next.moments.v],
      nextEma,
      rows === null ? [loss, norm] : [loss, norm, rows],
    ];
  };
}

function asDtype(a: FloatArray, dtype: DType): FloatArray {
  if (dtype === "float32") return a instanceof Float32Array ? a : Float32Array.from(a);
  return a instanceof Float64Array ? a : Float64Array.from(a);
}

function checkBatch(fn: string, batch: Batch, model: MlpConfig): number {
  if (batch === null || typeof batch !== "object")
    throw new TypeError(`${fn}: the batch source must return { xt, t, target, weight }`);
  for (const key of ["xt", "t", "target", "weight"] as const) {
    const a = batch[key];
    if (!(a instanceof Float32Array || a instanceof Float64Array)) {
      throw new TypeError(`${fn}: batch.${key} must be a Float32Array or Float64Array`);
    }
  }
  const rows = batch.t.length;
  if (rows < 1) throw new RangeError(`${fn}: batch.t is empty; a batch needs at least one row`);
  checkShape(fn, "batch.xt", batch.xt, { batch: rows, dim: model.dim });
  checkShape(fn, "batch.target", batch.target, { batch: rows, dim: model.dim });
  checkShape(fn, "batch.weight", batch.weight, { batch: rows, dim: 1 });
  return rows;
}

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

/** What one `TrainSession.run` step reports. */
export interface StepResult {
  /** Training loss of the batch (with the weights used), before the update. */
  readonly loss: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** Learning rate used by the step. */
  readonly lr: number;
  /** ℓᵢ = ‖net(xₜᵢ, tᵢ) − targetᵢ‖²/dim before the update (the state's dtype), or null when not requested. */
  readonly rowLosses: FloatArray | null;
  /** The batch the step trained on: the source's batch, its weights times the adaptive weights if any. */
  readonly batch: Batch;
}

/**
 * A training run held on the engine: the state lives on the device between steps (the adaptive
 * weights, if any, on the host). `run(batch)` performs one optimizer step; `state()` copies the
 * state to the host.
 */
export class TrainSession {
  private readonly compiled = new Map<number, CompiledFn>();
  /** The engine's fused float32 kernels (engine.mlp), which then hold the state instead of `device`. */
  private readonly kernel: MlpKernel | null;
  private device: { params: DeviceTensor[]; m: DeviceTensor[]; v: DeviceTensor[]; ema: DeviceTensor[] };
  private stepCount: number;
  private learned: AdaptiveWeighting | null;
  private readonly adaptive: AdaptiveTraining | null;
  private readonly rowLosses: boolean;

  /** Uploads `state` (checked against the configs) to `engine`. */
  constructor(
    private readonly engine: Engine,
    readonly model: MlpConfig,
    readonly optimizer: OptimizerConfig,
    state: TrainState,
    readonly dtype: DType = "float32",
    options: TrainSessionOptions = {},
  ) {
    checkMlpConfig(model);
    checkOptimizerConfig(optimizer);
    this.adaptive = options.adaptive ?? null;
    checkTrainState("TrainSession", state, model, optimizer, dtype, this.adaptive);
    this.rowLosses = options.rowLosses === true || this.adaptive !== null;
    this.kernel = dtype === "float32" ? (engine.mlp?.(model, optimizer) ?? null) : null;
    const up = (ts: readonly HostTensor[]) => (this.kernel !== null ? [] : ts.map((t) => engine.upload(t)));
    this.kernel?.setState({ params: state.params, m: state.moments.m, v: state.moments.v, ema: state.ema });
    this.device = {
      params: up(state.params),
      m: up(state.moments.m),
      v: up(state.moments.v),
      ema: up(state.ema ?? []),
    };
    this.stepCount = state.step;
    this.learned = state.adaptive ?? null;
  }

  /** Number of completed steps. */
  get step(): number {
    return this.stepCount;
  }

  /**
   * One optimizer step on `batch` (with adaptive weights: on weights wᵢ·w_θ(tᵢ), then the θ update on
   * the step's row losses); returns the loss before the step, the gradient norm, the lr used and,
   * when requested, the row losses.
   */
  run(source: Batch): StepResult {
    const fn = "TrainSession.run";
    const learned = this.learned;
    let batch = source;
    if (learned !== null) {
      checkBatch(fn, source, this.model);
      const weight = source.weight.map((w, i) => w * learned.weight(source.t[i]!));
      batch = { ...source, weight };
    }
    if (this.kernel !== null) return this.runKernel(this.kernel, batch);
    const inputs = batchTensors(fn, this.model, batch, this.dtype).map((t) => this.engine.upload(t));
    const rows = inputs[2]!.shape[0]!;
    let step = this.compiled.get(rows);
    if (step === undefined) {
      step = this.engine.compile(trainStepFn(this.model, this.optimizer, rows, this.rowLosses));
      this.compiled.set(rows, step);
    }
    const s = adamScalars(this.optimizer, this.stepCount);
    const scalars = [s.stepSize, s.invSqrtBc2, s.decay].map((x) => this.engine.scalar(x, this.dtype));
    const d = this.device;
    const [params, m, v, ema, outputs] = step([d.params, d.m, d.v, d.ema, inputs, scalars]) as [
      DeviceTensor[],
      DeviceTensor[],
      DeviceTensor[],
      DeviceTensor[],
      DeviceTensor[],
    ];
    for (const t of [...d.params, ...d.m, ...d.v, ...d.ema, ...inputs, ...scalars]) t.dispose();
    this.device = { params, m, v, ema };
    this.stepCount++;
    const [loss, norm, rowTensor] = outputs.map((t) => {
      const host = this.engine.download(t).data;
      t.dispose();
      return host;
    });
    const rowLosses = rowTensor ?? null;
    this.learnAdaptive(batch, rowLosses);
    return { loss: loss![0]!, gradNorm: norm![0]!, lr: s.lr, rowLosses, batch };
  }

  /** The θ update of the adaptive weights on the step's row losses (when the run learns them). */
  private learnAdaptive(batch: Batch, rowLosses: FloatArray | null): void {
    const learned = this.learned;
    if (learned === null || this.adaptive === null) return;
    const bad = rowLosses!.findIndex((l) => !Number.isFinite(l));
    if (bad >= 0) {
      throw new RangeError(
        `TrainSession.run: row ${bad} has loss ${rowLosses![bad]} at step ${this.stepCount}, so the adaptive weights cannot be updated; training diverged — lower the learning rate or clip gradients`,
      );
    }
    this.learned = updateAdaptiveWeighting(learned, batch.t, rowLosses!, {
      learningRate: this.adaptive.learningRate,
    });
  }

  /** `run` on the fused kernels: the same step, the state kept in the kernels' memory. */
  private runKernel(kernel: MlpKernel, batch: Batch): StepResult {
    const rows = checkBatch("TrainSession.run", batch, this.model);
    if (!kernel.fits(rows)) kernel.reserve(rows);
    const result = kernel.step(batch, this.stepCount, this.rowLosses);
    this.stepCount++;
    this.learnAdaptive(batch, result.rowLosses);
    return {
      loss: result.loss,
      gradNorm: result.gradNorm,
      lr: result.lr,
      rowLosses: result.rowLosses,
      batch,
    };
  }

  /** A host copy of the current state. */
  state(): TrainState {
    if (this.kernel !== null) {
      const { params, m, v, ema } = this.kernel.getState();
      return { step: this.stepCount, params, moments: { m, v }, ema, adaptive: this.learned };
    }
    const down = (ts: DeviceTensor[]) => ts.map((t) => this.engine.download(t));
    const d = this.device;
    return {
      step: this.stepCount,
      params: down(d.params),
      moments: { m: down(d.m), v: down(d.v) },
      ema: this.optimizer.emaDecay === null ? null : down(d.ema),
      adaptive: this.learned,
    };
  }

  /** Frees the device state and the compiled steps. */
  dispose(): void {
    this.kernel?.dispose();
    const d = this.device;
    for (const t of [...d.params, ...d.m, ...d.v, ...d.ema]) t.dispose();
    this.device = { params: [], m: [], v: [], ema: [] };
    for (const fn of this.compiled.values()) fn.dispose();
    this.compiled.clear();
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

/** Options of `networkModel`. */
export interface NetworkModelOptions {
  /**
   * Where the forward pass runs: "auto" (default) sends a batch to the engine when its work,
   * batch × multiply-adds per row, is at least ENGINE_MIN_MACS, else runs it on the host; "host" and
   * "engine" force one side.
   */
  readonly forward?: "auto" | "host" | "engine";
  /** The engine; default the jax-js engine, initialized on first use (predict then returns a promise until it is ready). */
  readonly engine?: Engine;
  /** g²(t) of the generative SDE; required when kind is "drift". */
  readonly g2?: (t: number) => number;
}

/**
 * Work (batch × multiply-adds per row) from which the engine's forward pass beats the host's.
 * Measured (bench/train.ts and width 32–256 MLPs): the engine costs ~0.1–0.3 ms per call, the host
 * ~1 ns per multiply-add, so they break even near 2¹⁶ multiply-adds.
 */
export const ENGINE_MIN_MACS = 65_536;

/**
 * A trained MLP as a `Model` of `kind` on `path`: predict(xₜ, t, shape) = net(xₜ, t) for every row
 * at the shared time t. Weights are copied; the result has the weights' dtype. `dispose()` frees the
 * engine copy of the weights. `jvp(xₜ, t, shape, v)` = (∂net/∂xₜ)·v per row, exact (forward-mode
 * dual numbers on the host in float64), which the likelihood uses for exact divergences.
 */
export function networkModel(
  params: readonly HostTensor[],
  config: MlpConfig,
  path: GaussianPath,
  kind: Kind,
  options: NetworkModelOptions = {},
): Model & {
  jvp(xt: Float64Array, t: number, shape: Shape, tangent: Float64Array): Float64Array;
  dispose(): void;
} {
  checkMlpConfig(config);
  const dtype: DType = params[0]?.data instanceof Float64Array ? "float64" : "float32";
  const weights = cloneTensors(params);
  const specs = mlpParamSpecs(config);
  if (
    weights.length !== specs.length ||
    specs.some((s, i) => s.shape.join(",") !== weights[i]!.shape.join(","))
  ) {
    throw new RangeError(
      `networkModel: params do not fit the config (expected ${specs.map((s) => `${s.name} [${s.shape.join(", ")}]`).join(", ")}); pass the params trained with this config`,
    );
  }
  const mode = options.forward ?? "auto";
  if (mode !== "auto" && mode !== "host" && mode !== "engine") {
    throw new TypeError(
      `networkModel: options.forward must be "auto", "host" or "engine", got ${JSON.stringify(mode)}`,
    );
  }
  const macsPerRow = specs
    .filter((s) => s.shape.length === 2)
    .reduce((n, s) => n + s.shape[0]! * s.shape[1]!, 0);
  const ops = hostOps(dtype);
  const width = featureWidth(config);
  let engine = options.engine;
  const ready = engine === undefined && mode !== "host" ? jaxEngine().then((e) => (engine = e)) : undefined;
  let device: DeviceTensor[] | undefined;
  let forward: CompiledFn | undefined;
  const onEngine = (e: Engine, features: FloatArray, batch: number): FloatArray => {
    device ??= weights.map((w) => e.upload(w));
    forward ??= e.compile(<T>(o: DiffOps<T>, [p, [f]]: T[][]) => [[mlpForward(o, config, p!, f!)]]);
    const input = e.upload({ shape: [batch, width], data: features });
    const [[out]] = forward([device, [input]]) as [[DeviceTensor]];
    input.dispose();
    const result = e.download(out).data;
    out.dispose();
    return result;
  };
  // The engine's fused float32 kernels (engine.mlp): created on first use; null when unavailable.
  let kernel: MlpKernel | null | undefined;
  const onKernel = (e: Engine, xt: Float64Array, t: number, batch: number): FloatArray | null => {
    if (dtype !== "float32" || e.mlp === undefined) return null;
    if (kernel === undefined) {
      kernel = e.mlp(config, null);
      kernel?.setState({ params: weights });
    }
    if (kernel === null) return null;
    if (!kernel.fits(batch)) kernel.reserve(batch);
    return kernel.forward(xt, t, batch);
  };
  const predict = (xt: Float64Array, t: number, shape: Shape): FloatArray | Promise<FloatArray> => {
    checkShape("networkModel.predict", "xt", xt, shape);
    const features = () => {
      const n = shape.batch * width;
      return mlpFeatures(
        config,
        xt,
        t,
        shape,
        dtype === "float32" ? new Float32Array(n) : new Float64Array(n),
      );
    };
    if (mode === "host" || (mode === "auto" && shape.batch * macsPerRow < ENGINE_MIN_MACS)) {
      return mlpForward(ops, config, weights, { shape: [shape.batch, width], data: features() }).data;
    }
    const run = (e: Engine) => onKernel(e, xt, t, shape.batch) ?? onEngine(e, features(), shape.batch);
    if (engine === undefined) return ready!.then(run);
    return run(engine);
  };
  const dualWeights = weights.map((w) => constantDual({ shape: w.shape, data: Float64Array.from(w.data) }));
  const dual = dualOps(hostOps("float64"));
  const jvp = (xt: Float64Array, t: number, shape: Shape, v: Float64Array): Float64Array => {
    checkShape("networkModel.jvp", "xt", xt, shape);
    checkShape("networkModel.jvp", "tangent", v, shape);
    const features = mlpFeatures(config, xt, t, shape, new Float64Array(shape.batch * width));
    // Tangent of the input features: v in the data columns; time features and padding are constant.
    const tangent = new Float64Array(shape.batch * width);
    for (let i = 0; i < shape.batch; i++)
      for (let j = 0; j < shape.dim; j++) tangent[i * width + j] = v[i * shape.dim + j]!;
    const out = mlpForward(dual, config, dualWeights, {
      value: { shape: [shape.batch, width], data: features },
      tangent: { shape: [shape.batch, width], data: tangent },
    });
    return (out.tangent?.data as Float64Array | undefined) ?? new Float64Array(xt.length);
  };
  const dispose = () => {
    kernel?.dispose();
    kernel = undefined;
    for (const d of device ?? []) d.dispose();
    device = undefined;
    forward?.dispose();
    forward = undefined;
  };
  if (kind === "drift") {
    const { g2 } = options;
    if (typeof g2 !== "function")
      throw new TypeError(
        'networkModel: kind "drift" needs options.g2, the g²(t) the drift was trained with',
      );
    return { kind, path, g2, predict, jvp, dispose };
  }
  return { kind, path, predict, jvp, dispose };
}
