/**
 * Datasets by name, for the CLI and the trainer (Node only, because "digits" reads the vendored
 * file): the 2-D toys of toys.ts and the 8×8 digits of digits.ts, each with a training and a
 * held-out split.
 */
import type { FloatArray } from "../../array.js";
import type { Quantization } from "../../likelihood/bitsPerDim.js";
import type { DigitsScale } from "./digits.js";
import {
  DIGITS_COUNT,
  DIGITS_HELDOUT,
  DIGITS_IMAGE_SHAPE,
  DIGITS_PIXELS,
  digitsQuantization,
} from "./digits.js";
import { loadDigits } from "./digitsFile.js";
import { type Split, sampleToy, TOY_NAMES, type ToyName, toyDescription } from "./toys.js";

/** A dataset name: one of the toys or "digits". */
export type DatasetName = ToyName | "digits";

/** Every dataset name, toys first. */
export const DATASET_NAMES: readonly DatasetName[] = [...TOY_NAMES, "digits"];

/** Default number of points drawn from a toy per split when `n` is not given. */
export const DEFAULT_TOY_SIZE: Readonly<Record<Split, number>> = { train: 10000, heldout: 2000 };

/**
 * What a dataset is: its dimension, size per split (null = unlimited generator), image shape and, for
 * discrete data, how its values are quantized.
 */
export interface DatasetInfo {
  readonly name: DatasetName;
  readonly dim: number;
  readonly description: string;
  /** Points per split for a finite dataset; null for a generator (any n). */
  readonly size: Readonly<Record<Split, number>> | null;
  /** [height, width] for image data, else null. */
  readonly imageShape: readonly [number, number] | null;
  /**
   * For discrete data (digits), the quantization of its values at the scale asked for (bits/dim of
   * such data: `discreteLogLikelihood`); null for continuous data (the toys).
   */
  readonly quantization: Quantization | null;
}

/** True when `name` is a dataset name (as opposed to, say, a file path). */
export function isDatasetName(name: string): name is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(name);
}

function checkName(fn: string, name: string): asserts name is DatasetName {
  if (!isDatasetName(name)) {
    throw new RangeError(
      `${fn}: unknown dataset '${name}'; use one of ${DATASET_NAMES.join(", ")}, or pass a .csv, .npy or .idx file`,
    );
  }
}

/**
 * The description of a dataset (see `DatasetInfo`); `scale` is the digits pixel scaling whose
 * quantization is reported (default "symmetric", as `loadDataset`). Throws a RangeError listing the
 * names for an unknown one.
 */
export function datasetInfo(name: string, options: { scale?: DigitsScale } = {}): DatasetInfo {
  checkName("datasetInfo", name);
  if (name === "digits") {
    return {
      name,
      dim: DIGITS_PIXELS,
      description:
        "8×8 handwritten digits (UCI, 1,797 images, CC BY 4.0), pixels scaled to [−1, 1] by default",
      size: { train: DIGITS_COUNT - DIGITS_HELDOUT, heldout: DIGITS_HELDOUT },
      imageShape: DIGITS_IMAGE_SHAPE,
      quantization: digitsQuantization(options.scale ?? "symmetric"),
    };
  }
  return {
    name,
    dim: 2,
    description: toyDescription(name),
    size: null,
    imageShape: null,
    quantization: null,
  };
}

/** Options for `loadDataset`. */
export interface LoadDatasetOptions {
  /** Default "train". */
  readonly split?: Split;
  /** Number of points: default `DEFAULT_TOY_SIZE[split]` for a toy, the whole split for digits. */
  readonly n?: number;
  /** Seed of a toy's samples (default 0); ignored by digits, whose split is fixed. */
  readonly seed?: number;
  /** Element type (default "float64"). */
  readonly dtype?: "float32" | "float64";
  /** Digits pixel scaling (default "symmetric", [−1, 1]); ignored by toys. */
  readonly scale?: DigitsScale;
}

/**
 * A loaded dataset split: n × dim points (shape [n, dim]) and, for digits, labels, image shape and
 * the quantization of the scale loaded (null for the continuous toys).
 */
export interface Dataset {
  readonly name: DatasetName;
  readonly data: FloatArray;
  readonly shape: readonly [number, number];
  readonly labels: Uint8Array | null;
  readonly imageShape: readonly [number, number] | null;
  readonly quantization: Quantization | null;
}

/**
 * Loads a split of a named dataset. Toys: `sampleToy(name, n, { seed, split })` — per-sample streams,
 * train and held-out disjoint. Digits: the first n of the fixed split (`loadDigits`). Throws a
 * RangeError naming an unknown dataset (listing the known ones) or a bad option.
 */
export function loadDataset(name: string, options: LoadDatasetOptions = {}): Dataset {
  const fn = "loadDataset";
  checkName(fn, name);
  const split = options.split ?? "train";
  if (split !== "train" && split !== "heldout")
    throw new RangeError(`${fn}: split must be "train" or "heldout", got ${String(split)}`);
  if (name === "digits") {
    const d = loadDigits({ split, n: options.n, dtype: options.dtype, scale: options.scale ?? "symmetric" });
    return {
      name,
      data: d.data,
      shape: d.shape,
      labels: d.labels,
      imageShape: d.imageShape,
      quantization: d.quantization,
    };
  }
  const n = options.n ?? DEFAULT_TOY_SIZE[split];
  const data = sampleToy(name, n, { seed: options.seed ?? 0, split, dtype: options.dtype });
  return { name, data, shape: [n, 2], labels: null, imageShape: null, quantization: null };
}
