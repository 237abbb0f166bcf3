/**
 * One training step as a pure function, in the optax/diffrax style: the step reads its state and
 * returns the next one, with no hidden counter —
 *   update(params, optState, batch) → { params, optState, loss, gradNorm, lr, rowLosses, batch }.
 * Inside one compiled program on the autodiff engine (engine.ts) it computes the weighted MSE of the
 * batch and its gradient (loss.ts), clips the gradient by global norm, makes one Adam/AdamW update
 * and the EMA update (optim.ts). The per-step scalars (learning rate, Adam's bias corrections) are
 * float64 functions of `optState.count`, computed on the host. With adaptive loss weights the batch's
 * weights become wᵢ·w_θ(tᵢ) and, after the step, θ ← θ − η·∂J/∂θ on the step's row losses
 * (loss/adaptive.ts; EDM2's uncertainty weighting, Karras et al. 2024).
 *
 * Ownership: `update` borrows its inputs and returns new device tensors; the caller disposes the old
 * ones (`disposeOptState`). The compiled programs are cached per batch size (a memo, not state).
 */
import type { FloatArray } from "../array.js";
import { type AdaptiveWeighting, updateAdaptiveWeighting } from "../loss/adaptive.js";
import type { CompiledFn, DeviceTensor, Engine } from "./engine.js";
import { type Batch, batchTensors, checkBatch, lossAndGrad, lossRowLossesAndGrad } from "./loss.js";
import { checkMlpConfig, type MlpConfig } from "./mlp.js";
import {
  adamScalars,
  adamUpdate,
  checkOptimizerConfig,
  clipByGlobalNorm,
  emaDecayAt,
  emaUpdate,
  globalNorm,
  type OptimizerConfig,
} from "./optim.js";
import { type AdaptiveTraining, checkAdaptiveTraining, checkTrainState, type TrainState } from "./state.js";
import type { DiffOps, DType, HostTensor } from "./tensor.js";

/** The optimizer's state (optax's `opt_state`): everything but the parameters that a step changes. */
export interface OptState<T> {
  /** Completed optimizer steps k; the learning-rate schedule and Adam's bias corrections read it. */
  readonly count: number;
  /** Adam's first moments, one per parameter. */
  readonly m: readonly T[];
  /** Adam's second moments, one per parameter. */
  readonly v: readonly T[];
  /** EMA of the weights, null when the optimizer has no emaDecay. */
  readonly ema: readonly T[] | null;
  /** The learned loss weighting, null when the run has no adaptive config (host-side in any case). */
  readonly adaptive: AdaptiveWeighting | null;
}

/** What `update` returns: the next parameters and optimizer state, and what the step measured. */
export interface StepOutput {
  readonly params: DeviceTensor[];
  readonly optState: OptState<DeviceTensor>;
  /** Training loss of the batch (with the weights used), before the update. */
  readonly loss: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** Global L2 norm of the updated parameters (non-finite when the update overflowed). */
  readonly paramNorm: number;
  /** Learning rate used by the step. */
  readonly lr: number;
  /** ℓᵢ = ‖net(xₜᵢ, tᵢ) − targetᵢ‖²/dim before the update (the state's dtype), or null when not requested. */
  readonly rowLosses: FloatArray | null;
  /** The batch the step trained on: the given batch, its weights times the adaptive weights if any. */
  readonly batch: Batch;
}

/** Options of `trainStep`. */
export interface TrainStepOptions {
  /** float32 (default) or float64; the state must have this dtype. */
  readonly dtype?: DType;
  /** Learn adaptive loss weights (the optState must hold them); implies rowLosses. */
  readonly adaptive?: AdaptiveTraining | null;
  /** Also return each row's unweighted loss from the step's forward pass (default false). */
  readonly rowLosses?: boolean;
}

/** A compiled training step (file header) for one model, optimizer and dtype. */
export interface TrainStep {
  readonly model: MlpConfig;
  readonly optimizer: OptimizerConfig;
  readonly dtype: DType;
  readonly adaptive: AdaptiveTraining | null;
  /** One optimizer step on `batch`; pure: the same inputs give bit-identical outputs. */
  update(params: readonly DeviceTensor[], optState: OptState<DeviceTensor>, batch: Batch): StepOutput;
  /** Frees the compiled programs. */
  dispose(): void;
}

/**
 * The compiled program. Groups in: [params, m, v, ema, [features, target, weight],
 * [stepSize, invSqrtBc2, decay, emaDecay, 1 − emaDecay]]; out: [params, m, v, ema, [loss, gradNorm, paramNorm]] (gradNorm
 * before clipping), with `rowLosses` [loss, gradNorm, paramNorm, ℓ] (ℓ of shape [batch], from the
 * same forward pass).
 */
function stepProgram(model: MlpConfig, optimizer: OptimizerConfig, batch: number, rowLosses: boolean) {
  return <T>(ops: DiffOps<T>, groups: T[][]): T[][] => {
    const [params, m, v, ema, [features, target, weight], [stepSize, invSqrtBc2, decay, emaDecay, emaRest]] =
      groups as [T[], T[], T[], T[], T[], T[]];
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
    const nextEma = optimizer.emaDecay === null ? [] : emaUpdate(ops, ema, next.params, emaDecay!, emaRest!);
    const paramNorm = globalNorm(ops, next.params);
    return [
      next.params,
      [...next.moments.m],
      [...next.moments.v],
      nextEma,
      rows === null ? [loss, norm, paramNorm] : [loss, norm, paramNorm, rows],
    ];
  };
}

/**
 * The pure training step of `model` with `optimizer` on `engine` (file header). Checks the configs
 * once; `update` checks each batch and names the offending array.
 */
export function trainStep(
  engine: Engine,
  model: MlpConfig,
  optimizer: OptimizerConfig,
  options: TrainStepOptions = {},
): TrainStep {
  checkMlpConfig(model);
  checkOptimizerConfig(optimizer);
  const dtype = options.dtype ?? "float32";
  const adaptive = options.adaptive ?? null;
  if (adaptive !== null) checkAdaptiveTraining("trainStep", adaptive);
  const rowLosses = options.rowLosses === true || adaptive !== null;
  const compiled = new Map<number, CompiledFn>();
  const fn = "TrainSession.run";
  return {
    model,
    optimizer,
    dtype,
    adaptive,
    update(params, optState, source) {
      const learned = optState.adaptive;
      if ((learned === null) !== (adaptive === null)) {
        throw new RangeError(
          `${fn}: the optimizer state ${learned === null ? "has no" : "has"} adaptive weights but the step was made ${adaptive === null ? "without" : "with"} an adaptive config; build both from the same run`,
        );
      }
      const batch = adaptiveBatch(fn, source, model, learned);
      const inputs = batchTensors(fn, model, batch, dtype).map((t) => engine.upload(t));
      const rows = inputs[2]!.shape[0]!;
      let program = compiled.get(rows);
      if (program === undefined) {
        program = engine.compile(stepProgram(model, optimizer, rows, rowLosses));
        compiled.set(rows, program);
      }
      const s = adamScalars(optimizer, optState.count);
      const beta = optimizer.emaDecay === null ? 0 : emaDecayAt(optimizer, optState.count);
      const scalars = [s.stepSize, s.invSqrtBc2, s.decay, beta, 1 - beta].map((x) => engine.scalar(x, dtype));
      const [nextParams, m, v, ema, outputs] = program([
        params,
        optState.m,
        optState.v,
        optState.ema ?? [],
        inputs,
        scalars,
      ]) as [DeviceTensor[], DeviceTensor[], DeviceTensor[], DeviceTensor[], DeviceTensor[]];
      for (const t of [...inputs, ...scalars]) t.dispose();
      const [loss, gradNorm, paramNorm, rowTensor] = outputs.map((t) => {
        const host = engine.download(t).data;
        t.dispose();
        return host;
      });
      const rowLossesOut = rowTensor ?? null;
      const nextLearned = nextAdaptive(fn, adaptive, learned, batch, rowLossesOut, optState.count);
      return {
        params: nextParams,
        optState: {
          count: optState.count + 1,
          m,
          v,
          ema: optState.ema === null ? null : ema,
          adaptive: nextLearned,
        },
        loss: loss![0]!,
        gradNorm: gradNorm![0]!,
        paramNorm: paramNorm![0]!,
        lr: s.lr,
        rowLosses: rowLossesOut,
        batch,
      };
    },
    dispose() {
      for (const program of compiled.values()) program.dispose();
      compiled.clear();
    },
  };
}

/** The batch a step trains on: `source`, its weights times the learned weights w_θ(tᵢ) if any. */
export function adaptiveBatch(
  fn: string,
  source: Batch,
  model: MlpConfig,
  learned: AdaptiveWeighting | null,
): Batch {
  if (learned === null) return source;
  checkBatch(fn, source, model);
  return { ...source, weight: source.weight.map((w, i) => w * learned.weight(source.t[i]!)) };
}

/**
 * The learned weights after step `count` (0-based): θ ← θ − η·∂J/∂θ on the step's row losses
 * (unchanged without an adaptive config). Throws when a row loss is not finite (training diverged).
 */
export function nextAdaptive(
  fn: string,
  adaptive: AdaptiveTraining | null,
  learned: AdaptiveWeighting | null,
  batch: Batch,
  rowLosses: FloatArray | null,
  count: number,
): AdaptiveWeighting | null {
  if (learned === null || adaptive === null) return learned;
  const bad = rowLosses!.findIndex((l) => !Number.isFinite(l));
  if (bad >= 0) {
    throw new RangeError(
      `${fn}: row ${bad} has loss ${rowLosses![bad]} at step ${count + 1}, so the adaptive weights cannot be updated; training diverged — lower the learning rate or clip gradients`,
    );
  }
  return updateAdaptiveWeighting(learned, batch.t, rowLosses!, { learningRate: adaptive.learningRate });
}

/**
 * A host `TrainState` on the engine, as the (params, optState) pair `update` takes; checked against
 * `step`'s model, optimizer, dtype and adaptive config first. The caller owns the uploaded tensors.
 */
export function uploadState(
  engine: Engine,
  step: TrainStep,
  state: TrainState,
): { params: DeviceTensor[]; optState: OptState<DeviceTensor> } {
  checkTrainState("TrainSession", state, step.model, step.optimizer, step.dtype, step.adaptive);
  const up = (ts: readonly HostTensor[]) => ts.map((t) => engine.upload(t));
  return {
    params: up(state.params),
    optState: {
      count: state.step,
      m: up(state.moments.m),
      v: up(state.moments.v),
      ema: state.ema === null ? null : up(state.ema),
      adaptive: state.adaptive ?? null,
    },
  };
}

/** A host copy (`TrainState`) of parameters and optimizer state living on the engine (borrowed). */
export function downloadState(
  engine: Engine,
  params: readonly DeviceTensor[],
  optState: OptState<DeviceTensor>,
): TrainState {
  const down = (ts: readonly DeviceTensor[]) => ts.map((t) => engine.download(t));
  return {
    step: optState.count,
    params: down(params),
    moments: { m: down(optState.m), v: down(optState.v) },
    ema: optState.ema === null ? null : down(optState.ema),
    adaptive: optState.adaptive,
  };
}

/** Frees the device tensors of `params` and `optState`. */
export function disposeState(params: readonly DeviceTensor[], optState: OptState<DeviceTensor>): void {
  for (const t of [...params, ...optState.m, ...optState.v, ...(optState.ema ?? [])]) t.dispose();
}
