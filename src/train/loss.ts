/**
 * The training loss, written once in the tensor algebra (tensor.ts) so it runs traced on the autodiff
 * engine and on host arrays: the weighted mean squared error
 *   L(θ) = (1/B) Σᵢ wᵢ · ‖net_θ(xₜᵢ, tᵢ) − targetᵢ‖² / dim
 * of the MLP on one batch (xₜ, t, target, weight), its gradient, and on request each row's unweighted
 * loss ℓᵢ = ‖net_θ(xₜᵢ, tᵢ) − targetᵢ‖²/dim from the same forward pass.
 */
import type { FloatArray, Shape } from "../array.js";
import { checkShape } from "../array.js";
import type { Engine, DeviceTensor } from "./engine.js";
import { checkLabels, checkMlpConfig, featureWidth, type MlpConfig, mlpFeatures, mlpForward } from "./mlp.js";
import type { DType, DiffOps, HostTensor, TensorOps } from "./tensor.js";

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
  /**
   * Class label per row (−1 = no label, the null class) for a class-conditional network; absent: every
   * row unlabelled.
   */
  readonly labels?: Int32Array;
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
  const features = mlpFeatures(model, batch.xt, batch.t, { batch: rows, dim: model.dim }, out, batch.labels);
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

function asDtype(a: FloatArray, dtype: DType): FloatArray {
  if (dtype === "float32") return a instanceof Float32Array ? a : Float32Array.from(a);
  return a instanceof Float64Array ? a : Float64Array.from(a);
}

/**
 * Throws naming `fn` unless `batch` is { xt, t, target, weight, labels? } of matching lengths (labels
 * within the network's classes); returns its rows.
 */
export function checkBatch(fn: string, batch: Batch, model: MlpConfig): number {
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
  checkLabels(`${fn}: batch`, model, batch.labels, rows);
  return rows;
}
