/**
 * Numeric CSV files on disk (Node only). The format itself is in csv.ts (browser-safe).
 */
import type { FloatArray } from "../array.js";
import { type CsvTable, type FormatCsvOptions, formatCsv, type ParseCsvOptions, parseCsv } from "./csv.js";
import { readDecoded, writeEncoded } from "./fileBytes.js";

/**
 * Reads a numeric CSV file (UTF-8; gzip-compressed ones too) — see `parseCsv` for the format and
 * options. Errors name the function, the file, the line and the column, e.g.
 * "readCsv: data.csv: line 7, column 2: 'abc' is not a number".
 */
export function readCsv(path: string, options: Omit<ParseCsvOptions, "source"> = {}): CsvTable {
  return readDecoded("readCsv", "parseCsv", path, (bytes) =>
    parseCsv(new TextDecoder("utf-8").decode(bytes), { ...options, source: path }),
  );
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
  writeEncoded("writeCsv", "formatCsv", path, () => formatCsv(data, shape, options), options.mkdir);
}
