/**
 * The `--data` option: a dataset name (moons, checkerboard, …, digits) or a data file (.csv, .npy,
 * .idx, optionally .gz), loaded through the library's dataset registry and file readers.
 */
import type { FloatArray, Quantization } from "difflux";
import { DATASET_NAMES, datasetInfo } from "difflux/node";
import { UsageError, withContext } from "./errors.js";
import { inputFileProblem } from "./files.js";

/** The 2-D toy datasets of the library's dataset registry. */
export const TOY_DATASETS = DATASET_NAMES.filter((name) => datasetInfo(name).dim === 2);

/** The dataset names the library knows, for help texts. */
export const DATASET_HELP = `${TOY_DATASETS.join(", ")} (2-D toys), ${DATASET_NAMES.filter(
  (name) => !TOY_DATASETS.includes(name),
)
  .map((name) => {
    const shape = datasetInfo(name).imageShape;
    return `${name} (${shape === null ? `${datasetInfo(name).dim}-D` : `${shape[0]}×${shape[1]} images`})`;
  })
  .join(", ")}, or a .csv/.npy/.idx file`;

/** A loaded data split, batch-major. */
export interface LoadedData {
  /** The dataset name, or the file path. */
  readonly source: string;
  readonly data: FloatArray;
  readonly n: number;
  readonly dim: number;
  /** [height, width] for image data (digits), else null. */
  readonly imageShape: readonly [number, number] | null;
  /** True for a named dataset (train and held-out splits exist), false for a file. */
  readonly named: boolean;
  /** How discrete data (digits) is quantized, as the dataset states it; null for continuous data and files. */
  readonly quantization: Quantization | null;
}

/** Options of `loadData`. */
export interface LoadDataOptions {
  readonly split?: "train" | "heldout";
  /** Number of points: toys draw this many; digits and files keep the first n (at most all; all by default). */
  readonly n?: number;
  readonly seed?: number;
}

/**
 * Loads `--data`: a dataset name through `loadDataset`, anything else as a file through
 * `loadDataFile`. Errors name the option, the problem and the fix.
 */
export async function loadData(spec: string, options: LoadDataOptions = {}): Promise<LoadedData> {
  const lib = await import("difflux/node");
  if (lib.isDatasetName(spec)) {
    const split = options.split ?? "train";
    const size = lib.datasetInfo(spec).size?.[split];
    const n = size === undefined || options.n === undefined ? options.n : Math.min(options.n, size);
    const d = withContext("--data", () =>
      lib.loadDataset(spec, { split, n, seed: options.seed, dtype: "float64" }),
    );
    return {
      source: spec,
      data: d.data,
      n: d.shape[0],
      dim: d.shape[1],
      imageShape: d.imageShape,
      named: true,
      quantization: d.quantization,
    };
  }
  const problem = inputFileProblem(spec);
  if (problem !== null) {
    throw new UsageError(
      /no such file/.test(problem)
        ? `--data: ${JSON.stringify(spec)} is neither a dataset nor an existing file — use ${lib.DATASET_NAMES.join(", ")}, or a .csv/.npy/.idx file`
        : `--data: ${problem}`,
    );
  }
  const f = withContext("--data", () => lib.loadDataFile(spec, { dtype: "float64" }));
  const [rows, dim] = f.shape;
  if (rows < 1 || dim < 1)
    throw new UsageError(
      `--data: ${spec} holds no points (shape [${f.fileShape.join(", ")}]) — pass a file with one point per row`,
    );
  for (let i = 0; i < f.data.length; i++) {
    if (!Number.isFinite(f.data[i]!)) {
      throw new UsageError(
        `--data: ${spec} has a non-finite value at row ${Math.floor(i / dim)}, column ${i % dim} — remove or fill missing values`,
      );
    }
  }
  const n = options.n === undefined ? rows : Math.min(options.n, rows);
  return {
    source: spec,
    data: n === rows ? f.data : f.data.slice(0, n * dim),
    n,
    dim,
    imageShape: null,
    named: false,
    quantization: null,
  };
}
