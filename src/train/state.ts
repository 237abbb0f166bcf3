/**
 * The training state and its validation: what changes during training (step, parameters, Adam
 * moments, EMA weights, learned adaptive loss weights) as host arrays, how a fresh one is made, and
 * the check that a state fits a model, optimizer, dtype and adaptive config (used before training,
 * when saving and when loading checkpoints).
 */
import { type AdaptiveWeighting, adaptiveWeighting } from "../loss/adaptive.js";
import type { Rng } from "../random/rng.js";
import { initMlpParams, type MlpConfig, mlpParamSpecs } from "./mlp.js";
import type { AdamMoments, OptimizerConfig } from "./optim.js";
import { cloneTensors, type DType, type HostTensor, zerosTensor } from "./tensor.js";

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

/** The state's tensor groups by name, in checkpoint order (the EMA group is null without an EMA). */
function tensorGroups(state: TrainState): [string, readonly HostTensor[] | null][] {
  return [
    ["params", state.params],
    ["moments.m", state.moments.m],
    ["moments.v", state.moments.v],
    ["ema", state.ema],
  ];
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
  const groups = tensorGroups(state);
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

/**
 * Throws naming `fn`, the tensor and the index of the first non-finite number in `state` (weights,
 * moments, EMA): such a state is never written, and a file holding one is
 * rejected.
 */
export function checkFiniteState(fn: string, state: TrainState): void {
  const groups = tensorGroups(state);
  for (const [group, tensors] of groups) {
    for (const [i, t] of (tensors ?? []).entries()) {
      const bad = t.data.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) {
        throw new RangeError(
          `${fn}: ${group}[${i}] has the non-finite value ${t.data[bad]} at index ${bad}; training diverged — no checkpoint holds non-finite weights (resume from an earlier one with a lower learning rate)`,
        );
      }
    }
  }
}
