/**
 * Minibatches from a dataset for the trainer: each step draws `batchSize` rows uniformly with
 * replacement from the trainer's generator, then builds the regression batch with `trainingBatch`
 * (the objective module), all from the same generator — so resuming from a checkpoint reproduces
 * the uninterrupted run. With a preconditioned parameterisation the regression batch is then mapped
 * to the raw network's (`preconditionBatch`: input cIn·xₜ, target F*, weight w·cOut², time input τ).
 */
import { type FloatArray, like } from "../array.js";
import { type TrainingBatchOptions, trainingBatch } from "../loss/batch.js";
import { preconditionBatch } from "../loss/edm.js";
import { isInterpolant, type TrainingPath } from "../loss/trainingPath.js";
import type { GaussianPath } from "../path/path.js";
import { checkParameterization, type NetworkParameterization } from "./network.js";
import type { BatchSource } from "./trainer.js";

/** Options of `datasetBatches`: the trainingBatch options without `rng`, plus the batch size. */
export type DatasetBatchesOptions = Omit<TrainingBatchOptions, "rng" | "dim"> & {
  /** Rows per step. */
  readonly batchSize: number;
  /** Numbers per row (the dataset is batch-major, rows × dim). */
  readonly dim: number;
  /** How the trained network's output becomes the prediction (default direct; see `networkModel`). */
  readonly parameterization?: NetworkParameterization;
};

/**
 * A BatchSource over `data` (rows × dim): rows drawn with `rng.integer(rows)`, then
 * `trainingBatch(path, rows, { ...options, rng })`. The batch has the data's element type.
 */
export function datasetBatches(
  path: TrainingPath,
  data: FloatArray,
  options: DatasetBatchesOptions,
): BatchSource {
  const fn = "datasetBatches";
  const { batchSize, dim, parameterization = { kind: "direct" }, ...batchOptions } = options;
  checkParameterization(fn, parameterization);
  if (
    parameterization.kind === "preconditioned" &&
    (isInterpolant(path) || path.slice(path.tMax).level === undefined)
  ) {
    throw new TypeError(
      `${fn}: a preconditioned network needs a path with scalar noise levels (an affine path), but "${path.name}" is ${isInterpolant(path) ? "an interpolant" : "a bridge"}; use parameterization { kind: "direct" }`,
    );
  }
  if (!Number.isInteger(dim) || dim < 1)
    throw new RangeError(`${fn}: dim must be a positive integer, got ${dim}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`${fn}: batchSize must be a positive integer, got ${batchSize}`);
  }
  if (data.length === 0 || data.length % dim !== 0) {
    throw new RangeError(`${fn}: data has length ${data.length}, not a positive multiple of dim = ${dim}`);
  }
  const rows = data.length / dim;
  const preconditioned = parameterization.kind === "preconditioned";
  return (_step, rng) => {
    // A preconditioned batch is built in float64 (the times, the targets and the coefficients at
    // them); float32 times would round t → 1 near the data end, where cOut changes fastest. The
    // trainer rounds the network's inputs to its dtype afterwards.
    const batch = preconditioned ? new Float64Array(batchSize * dim) : like(data, batchSize * dim);
    for (let i = 0; i < batchSize; i++) {
      const r = rng.integer(rows);
      batch.set(data.subarray(r * dim, r * dim + dim), i * dim);
    }
    const b = trainingBatch(path, batch, { ...batchOptions, dim, rng });
    if (parameterization.kind === "direct") return { xt: b.xt, t: b.t, target: b.target, weight: b.weight };
    return preconditionBatch(b, path as GaussianPath, {
      dim,
      kind: batchOptions.kind,
      sigmaData: parameterization.sigmaData,
      timeInput: "level",
      ...(batchOptions.g2 === undefined ? {} : { g2: batchOptions.g2 }),
    });
  };
}
