/**
 * Numeric CSV files on disk (Node only). The format itself is in csv.ts (browser-safe).
 */
import type { FloatArray } from "../array.js";
import { writeFileAtomic } from "./atomic.js";
import { type CsvTable, type FormatCsvOptions, formatCsv, type ParseCsvOptions, parseCsv } from "./csv.js";
import { gunzipIfNeeded, readFileBytes } from "./fileBytes.js";
import { relabelErrors } from "./relabel.js";

/**
 * Reads a numeric CSV file (UTF-8; gzip-compressed ones too) — see `parseCsv` for the format and
 * options. Errors name the function, the file, the line and the column, e.g.
 * "readCsv: data.csv: line 7, column 2: 'abc' is not a number".
 */
export function readCsv(path: string, options: Omit<ParseCsvOptions, "source"> = {}): CsvTable {
  const bytes = gunzipIfNeeded("readCsv", path, readFileBytes("readCsv", path));
  const text = new TextDecoder("utf-8").decode(bytes);
  return relabelErrors("parseCsv", "readCsv", () => parseCsv(text, { ...options, source: path }));
}

/**
 * Writes `data` as numeric CSV (see `formatCsv`: rows = shape[0], exact round trip), atomically
 * (temp file + rename: on failure nothing is left at `path`).
 */
export function writeCsv(
  path: string,
  data: FloatArray,
  shape: readonly number[] = [data.length],
  options: FormatCsvOptions & { readonly mkdir?: boolean } = {},
): void {
  const text = relabelErrors(
    "formatCsv",
    "writeCsv",
    () => formatCsv(data, shape, options),
    ` (writing ${path})`,
  );
  writeFileAtomic(path, text, { mkdir: options.mkdir ?? false });
}
