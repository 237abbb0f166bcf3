/**
 * Training data from a file, by extension (Node only): CSV, NumPy `.npy`, IDX (MNIST /
 * Fashion-MNIST), each optionally gzip-compressed (`.gz`).
 */
import { basename } from "node:path";
import type { FloatArray } from "../../array.js";
import { readCsv } from "../../io/csvFile.js";
import { readIdx } from "../../io/idxFile.js";
import { asMatrixShape } from "../../io/ndarray.js";
import { readNpy } from "../../io/npyFile.js";
import { relabelErrors } from "../../io/relabel.js";

/** The file formats `loadDataFile` reads. */
export type DataFileFormat = "csv" | "npy" | "idx";

/**
 * The format of a data file from its name (case-insensitive, a trailing `.gz` ignored): `.csv`,
 * `.tsv`, `.txt` → csv; `.npy` → npy; `.idx`, `*-ubyte` (MNIST's `train-images-idx3-ubyte`,
 * `t10k-labels.idx1-ubyte`) → idx. Throws a RangeError naming the file and the known extensions.
 */
export function dataFileFormat(path: string): DataFileFormat {
  const name = basename(path).toLowerCase().replace(/\.gz$/, "");
  if (/\.(csv|tsv|txt)$/.test(name)) return "csv";
  if (name.endsWith(".npy")) return "npy";
  if (name.endsWith(".idx") || name.endsWith("-ubyte")) return "idx";
  throw new RangeError(
    `loadDataFile: cannot tell the format of ${path} from its name; use .csv/.tsv/.txt, .npy, .idx or MNIST's *-idx3-ubyte (each optionally .gz)`,
  );
}

/** A data file as a batch: n × dim (shape [n, dim]), the shape stored in the file, and the format. */
export interface DataFile {
  readonly data: FloatArray;
  /** [n, dim]: the first axis is the batch, the others are flattened (an IDX [n, 28, 28] is n × 784). */
  readonly shape: readonly [number, number];
  /** The shape as stored ([rows, cols] for CSV). */
  readonly fileShape: readonly number[];
  readonly format: DataFileFormat;
  /** CSV column names when the file has a header row, else null. */
  readonly header: readonly string[] | null;
}

/**
 * Reads a data file by extension (see `dataFileFormat`) as an n × dim batch, converted to `dtype`
 * when given (else the type read: float64 for CSV, float32/float64 as stored for .npy, see
 * `parseIdx` for IDX). Errors name `loadDataFile`, the file and the problem.
 */
export function loadDataFile(
  path: string,
  options: { readonly dtype?: "float32" | "float64" } = {},
): DataFile {
  const fn = "loadDataFile";
  const format = dataFileFormat(path);
  const read = relabelErrors(`read${format === "csv" ? "Csv" : format === "npy" ? "Npy" : "Idx"}`, fn, () =>
    format === "csv"
      ? readCsv(path, { dtype: options.dtype })
      : format === "npy"
        ? readNpy(path)
        : readIdx(path, { dtype: options.dtype }),
  );
  let data: FloatArray = read.data;
  if (options.dtype === "float32" && !(data instanceof Float32Array)) data = Float32Array.from(data);
  if (options.dtype === "float64" && !(data instanceof Float64Array)) data = Float64Array.from(data);
  const { batch, dim } = asMatrixShape(fn, read.shape);
  const header = "header" in read ? (read.header as readonly string[] | null) : null;
  return { data, shape: [batch, dim], fileShape: read.shape, format, header };
}
