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
  /** The class of every point (with `labels`), else null. */
  readonly labels: Int32Array | null;
  /** The number of classes C (labels are 0 … C−1), 0 without labels. */
  readonly classes: number;
}

/** Options of `loadData`. */
export interface LoadDataOptions {
  readonly split?: "train" | "heldout";
  /** Number of points: toys draw this many; digits and files keep the first n (at most all; all by default). */
  readonly n?: number;
  readonly seed?: number;
  /**
   * `--labels`: for a labelled dataset (digits) its label column, "label"; for a CSV file a column
   * (header name or 0-based index), which is then not a data column; for any file, a second file with
   * one label per row (.csv, .npy, .idx — e.g. Fashion-MNIST's train-labels-idx1-ubyte.gz).
   */
  readonly labels?: string;
}

/** Integer labels ≥ 0 from `values` (one per point), or a UsageError naming `source` and the row. */
function asLabels(values: ArrayLike<number>, source: string): { labels: Int32Array; classes: number } {
  const labels = new Int32Array(values.length);
  let classes = 0;
  for (let i = 0; i < values.length; i++) {
    const y = values[i]!;
    if (!Number.isInteger(y) || y < 0 || y > 1_000_000) {
      throw new UsageError(
        `--labels: ${source} has ${y} at row ${i}; labels must be class numbers 0, 1, 2, … (integers ≥ 0)`,
      );
    }
    labels[i] = y;
    classes = Math.max(classes, y + 1);
  }
  return { labels, classes };
}

/** The labels of `loaded` from `--labels` (see LoadDataOptions.labels); returns the data with them. */
async function withLabels(
  loaded: LoadedData & { header: readonly string[] | null },
  spec: string,
  datasetLabels: ArrayLike<number> | null,
): Promise<LoadedData & { header: readonly string[] | null }> {
  const lib = await import("difflux/node");
  if (loaded.named) {
    if (datasetLabels === null) {
      throw new UsageError(
        `--labels: the dataset ${loaded.source} has no labels — use a labelled dataset (digits) or a file with a label column`,
      );
    }
    if (spec !== "label")
      throw new UsageError(
        `--labels: the dataset ${loaded.source} has one label column, "label" — pass --labels label`,
      );
    return { ...loaded, ...asLabels(datasetLabels, loaded.source) };
  }
  if (inputFileProblem(spec) === null) {
    const f = withContext("--labels", () => lib.loadDataFile(spec, { dtype: "float64" }));
    if (f.shape[1] !== 1 || f.shape[0] < loaded.n) {
      throw new UsageError(
        `--labels: ${spec} must hold one label per data row (at least ${loaded.n} rows, 1 column), got shape [${f.fileShape.join(", ")}]`,
      );
    }
    return { ...loaded, ...asLabels(f.data.subarray(0, loaded.n), spec) };
  }
  // A column of the data file.
  const header = loaded.header;
  let column = header?.indexOf(spec) ?? -1;
  if (column < 0 && /^\d+$/.test(spec)) column = Number(spec);
  if (column < 0 || column >= loaded.dim) {
    throw new UsageError(
      `--labels: ${JSON.stringify(spec)} is neither a file nor a column of ${loaded.source} (${header === null ? `columns 0 … ${loaded.dim - 1}` : `columns ${header.join(", ")}`}) — name the label column, or pass a file with one label per row`,
    );
  }
  if (loaded.dim < 2)
    throw new UsageError(`--labels: ${loaded.source} has one column; the labels cannot be the only column`);
  const dim = loaded.dim - 1;
  const data = new Float64Array(loaded.n * dim);
  const values = new Float64Array(loaded.n);
  for (let i = 0; i < loaded.n; i++) {
    values[i] = loaded.data[i * loaded.dim + column]!;
    for (let j = 0, k = 0; j < loaded.dim; j++)
      if (j !== column) data[i * dim + k++] = loaded.data[i * loaded.dim + j]!;
  }
  return { ...loaded, data, dim, ...asLabels(values, `column ${JSON.stringify(spec)} of ${loaded.source}`) };
}

/**
 * Loads `--data`: a dataset name through `loadDataset`, anything else as a file through
 * `loadDataFile`. Errors name the option, the problem and the fix.
 */
export async function loadData(spec: string, options: LoadDataOptions = {}): Promise<LoadedData> {
  const { loaded, labels } = await loadPoints(spec, options);
  if (options.labels === undefined) return loaded;
  const { header: _, ...out } = await withLabels(loaded, options.labels, labels);
  return out;
}

/** The points of `--data` (a file's CSV header kept for --labels) and a dataset's own labels. */
async function loadPoints(
  spec: string,
  options: LoadDataOptions,
): Promise<{ loaded: LoadedData & { header: readonly string[] | null }; labels: ArrayLike<number> | null }> {
  const lib = await import("difflux/node");
  if (lib.isDatasetName(spec)) {
    const split = options.split ?? "train";
    const size = lib.datasetInfo(spec).size?.[split];
    const n = size === undefined || options.n === undefined ? options.n : Math.min(options.n, size);
    const d = withContext("--data", () =>
      lib.loadDataset(spec, { split, n, seed: options.seed, dtype: "float64" }),
    );
    return {
      loaded: {
        source: spec,
        data: d.data,
        n: d.shape[0],
        dim: d.shape[1],
        imageShape: d.imageShape,
        named: true,
        quantization: d.quantization,
        labels: null,
        classes: 0,
        header: null,
      },
      labels: d.labels,
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
    loaded: {
      source: spec,
      data: n === rows ? f.data : f.data.slice(0, n * dim),
      n,
      dim,
      imageShape: null,
      named: false,
      quantization: null,
      labels: null,
      classes: 0,
      header: f.header,
    },
    labels: null,
  };
}
