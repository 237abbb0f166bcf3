/**
 * Minibatches from a dataset for the trainer: each step draws `batchSize` rows uniformly with
 * replacement from the trainer's generator, then builds the regression batch with `trainingBatch`
 * (the objective module), all from the same generator — so resuming from a checkpoint reproduces
 * the uninterrupted run. With a preconditioned parameterisation the regression batch is then mapped
 * to the raw network's (`preconditionBatch`: input cIn·xₜ, target F*, weight w·cOut², time input τ).
 * With `labels` (one class per data row) the batch carries each drawn row's label, replaced by −1
 * (the null class) with probability `labelDropout` (one uniform per row, drawn right after the row):
 * one network then learns p(x | c) and p(x), the two branches classifier-free guidance combines
 * (Ho & Salimans 2022, §3.2: joint training with unconditional probability p_uncond).
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
  /** Class label of every data row (integers ≥ 0), for a class-conditional network. */
  readonly labels?: Int32Array;
  /** Probability p ∈ [0, 1) that a row's label is dropped to −1 (default 0; needs `labels`). */
  readonly labelDropout?: number;
};

/** Throws naming `fn` unless p is a label-dropout probability in [0, 1). */
export function checkLabelDropout(fn: string, p: unknown): void {
  if (typeof p !== "number" || !(p >= 0 && p < 1)) {
    throw new RangeError(
      `${fn}: labelDropout must be a probability in [0, 1) (e.g. 0.1; 1 would never show a label), got ${String(p)}`,
    );
  }
}

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
  const {
    batchSize,
    dim,
    parameterization = { kind: "direct" },
    labels,
    labelDropout = 0,
    ...batchOptions
  } = options;
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
  checkLabelDropout(fn, labelDropout);
  if (labels !== undefined) {
    if (!(labels instanceof Int32Array) || labels.length !== rows) {
      throw new TypeError(
        `${fn}: labels must be an Int32Array with one label per data row (${rows}), got ${labels instanceof Int32Array ? `length ${labels.length}` : typeof labels}`,
      );
    }
    const bad = labels.findIndex((y) => y < 0);
    if (bad >= 0)
      throw new RangeError(`${fn}: labels[${bad}] = ${labels[bad]}; data labels are integers ≥ 0`);
  } else if (labelDropout !== 0) {
    throw new RangeError(`${fn}: labelDropout = ${labelDropout} needs labels; pass the data's labels`);
  }
  const preconditioned = parameterization.kind === "preconditioned";
  return (_step, rng) => {
    // A preconditioned batch is built in float64 (the times, the targets and the coefficients at
    // them); float32 times would round t → 1 near the data end, where cOut changes fastest. The
    // trainer rounds the network's inputs to its dtype afterwards.
    const batch = preconditioned ? new Float64Array(batchSize * dim) : like(data, batchSize * dim);
    const batchLabels = labels === undefined ? undefined : new Int32Array(batchSize);
    for (let i = 0; i < batchSize; i++) {
      const r = rng.integer(rows);
      batch.set(data.subarray(r * dim, r * dim + dim), i * dim);
      if (batchLabels !== undefined) batchLabels[i] = rng.uniform() < labelDropout ? -1 : labels![r]!;
    }
    const b = trainingBatch(path, batch, { ...batchOptions, dim, rng });
    const withLabels = batchLabels === undefined ? {} : { labels: batchLabels };
    if (parameterization.kind === "direct")
      return { xt: b.xt, t: b.t, target: b.target, weight: b.weight, ...withLabels };
    const pre = preconditionBatch(b, path as GaussianPath, {
      dim,
      kind: batchOptions.kind,
      sigmaData: parameterization.sigmaData,
      timeInput: "level",
      ...(batchOptions.g2 === undefined ? {} : { g2: batchOptions.g2 }),
    });
    return { ...pre, ...withLabels };
  };
}
