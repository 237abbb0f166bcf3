/**
 * Numeric CSV text (browser-safe; the Node file wrappers are in csvFile.ts).
 *
 * One row per line, the same number of values on every line, an optional header row of column
 * names. The delimiter is detected (tab, else semicolon, else comma) unless given. Lines that are
 * blank or start with '#' (np.savetxt's header/comment prefix) are skipped. Values are decimal numbers
 * with '.' as the decimal point, or nan / inf / -inf (any case). Double quotes around a field are
 * removed. CRLF line ends and a UTF-8 byte-order mark are accepted.
 */
import type { FloatArray } from "../array.js";
import { asMatrixShape, checkNdShape, type NdArray, where } from "./ndarray.js";

/** A column delimiter. */
export type CsvDelimiter = "," | ";" | "\t";

/** Options for `parseCsv`. */
export interface ParseCsvOptions {
  /**
   * Column delimiter; when omitted, `detectCsvDelimiter` of the second content line (the first data
   * line when there is a header), or of the only line.
   */
  readonly delimiter?: CsvDelimiter;
  /**
   * Whether the first content line is a header row: "auto" (default) = yes when none of its fields
   * is a number (so a data row with one bad value is reported, not mistaken for a header).
   */
  readonly header?: boolean | "auto";
  /** Element type of the result (default "float64"). */
  readonly dtype?: "float32" | "float64";
  /** A file name put in error messages. */
  readonly source?: string;
}

/** A parsed CSV table: `rows × cols` values (shape [rows, cols]), the header and the delimiter used. */
export interface CsvTable extends NdArray {
  readonly shape: readonly [number, number];
  /** Column names from the header row, or null when there is none. */
  readonly header: readonly string[] | null;
  readonly delimiter: CsvDelimiter;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses one CSV field as a number, or returns undefined when it is not one. Accepts decimal and
 * exponent notation, and nan / inf / infinity with an optional sign, in any case.
 */
export function parseCsvNumber(field: string): number | undefined {
  let s = field.trim();
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) s = s.slice(1, -1).trim();
  if (NUMBER.test(s)) return Number(s);
  const lower = s.toLowerCase();
  if (lower === "nan" || lower === "+nan" || lower === "-nan") return Number.NaN;
  if (lower === "inf" || lower === "+inf" || lower === "infinity" || lower === "+infinity")
    return Number.POSITIVE_INFINITY;
  if (lower === "-inf" || lower === "-infinity") return Number.NEGATIVE_INFINITY;
  return undefined;
}

/**
 * Whether `field` would be a number if its characters were ASCII: NFKC folds full-width digits and
 * signs ("１２．５" → "12.5"), any other Unicode decimal digit counts as a digit, and U+2212 as '-'.
 * Such a field is neither read as a number nor taken as a header name (`parseCsv` reports it).
 */
export function looksLikeNonAsciiNumber(field: string): boolean {
  if (parseCsvNumber(field) !== undefined || !/[^\p{ASCII}]/u.test(field)) return false;
  const folded = field
    .normalize("NFKC")
    .replace(/\u2212/g, "-")
    .replace(/\p{Nd}/gu, "0");
  return parseCsvNumber(folded) !== undefined;
}

const NON_ASCII_HINT = "write numbers with the ASCII digits 0–9, '-' and '.'";

/** The delimiter of a line: tab if it has one, else semicolon if it has one, else comma. */
export function detectCsvDelimiter(line: string): CsvDelimiter {
  if (line.includes("\t")) return "\t";
  if (line.includes(";")) return ";";
  return ",";
}

function unquote(field: string): string {
  const s = field.trim();
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

/**
 * Parses numeric CSV text into a rows × cols table.
 *
 * Errors (Error, naming `parseCsv`, the source when given, and the 1-based line and column):
 * a bad value ("line 7, column 2: 'abc' is not a number"), an empty field, a row with a different
 * number of values than the first, a header with a different number of names than the data rows,
 * and no rows at all (a header alone gives a 0 × names table). A header that looks numeric can only be declared with `header: true`;
 * in "auto" mode a first line holding a number in non-ASCII characters (full-width digits such as
 * "１２") is an error rather than a guessed header (`looksLikeNonAsciiNumber`).
 */
export function parseCsv(text: string, options: ParseCsvOptions = {}): CsvTable {
  const fn = "parseCsv";
  const at = where(fn, options.source);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n|\r/);
  const content: number[] = [];
  for (let k = 0; k < lines.length; k++) {
    const t = lines[k]!.trim();
    if (t !== "" && !t.startsWith("#")) content.push(k);
  }
  if (content.length === 0) throw new Error(`${at}no data: the text has no rows (only blank or '#' lines)`);
  const delimiter = options.delimiter ?? detectCsvDelimiter(lines[content[content.length > 1 ? 1 : 0]!]!);
  const split = (k: number) => lines[k]!.split(delimiter);
  const first = split(content[0]!);
  const headerOpt = options.header ?? "auto";
  const hasHeader = headerOpt === "auto" ? first.every((f) => parseCsvNumber(f) === undefined) : headerOpt;
  if (headerOpt === "auto" && hasHeader) {
    const c = first.findIndex(looksLikeNonAsciiNumber);
    if (c >= 0) {
      throw new Error(
        `${at}line ${content[0]! + 1}, column ${c + 1}: '${first[c]!.trim()}' looks like a number in non-ASCII characters (e.g. full-width digits), so the line is neither data nor clearly a header; ${NON_ASCII_HINT}, or pass header: true if it is a header`,
      );
    }
  }
  const header = hasHeader ? first.map(unquote) : null;
  const rows = content.slice(hasHeader ? 1 : 0);
  if (rows.length === 0) {
    const empty = options.dtype === "float32" ? new Float32Array(0) : new Float64Array(0);
    return { data: empty, shape: [0, header!.length], header, delimiter };
  }
  const cols = split(rows[0]!).length;
  if (header !== null && header.length !== cols) {
    throw new Error(
      `${at}the header (line ${content[0]! + 1}) has ${header.length} names but line ${rows[0]! + 1} has ${cols} values; ` +
        `use the same delimiter ('${delimiter === "\t" ? "\\t" : delimiter}') in both`,
    );
  }
  const data =
    options.dtype === "float32" ? new Float32Array(rows.length * cols) : new Float64Array(rows.length * cols);
  rows.forEach((k, r) => {
    const fields = split(k);
    if (fields.length !== cols) {
      throw new Error(
        `${at}line ${k + 1} has ${fields.length} values but line ${rows[0]! + 1} has ${cols}; every row needs the same number`,
      );
    }
    for (let c = 0; c < cols; c++) {
      const v = parseCsvNumber(fields[c]!);
      if (v === undefined) {
        const f = fields[c]!.trim();
        const hint =
          f === ""
            ? "an empty value; fill it in or remove the row"
            : looksLikeNonAsciiNumber(f)
              ? `'${f}' is not a number in ASCII characters; ${NON_ASCII_HINT}`
              : `'${f}' is not a number`;
        const comma = delimiter === ";" && /^[+-]?\d*,\d+$/.test(f) ? " (use '.' as the decimal point)" : "";
        throw new Error(`${at}line ${k + 1}, column ${c + 1}: ${hint}${comma}`);
      }
      data[r * cols + c] = v;
    }
  });
  return { data, shape: [rows.length, cols], header, delimiter };
}

/** Options for `formatCsv`. */
export interface FormatCsvOptions {
  /** Column names written as the first line (their count must equal the columns). */
  readonly header?: readonly string[];
  /** Column delimiter (default ","). */
  readonly delimiter?: CsvDelimiter;
}

/**
 * The shortest decimal string that reads back as exactly `x`: `String(x)` for float64; for float32
 * the fewest significant digits p ∈ 1…9 with fround(Number(x.toPrecision(p))) = x. −0 is "-0",
 * NaN "nan", ±∞ "inf" / "-inf" (as np.savetxt writes them).
 */
export function formatCsvNumber(x: number, float32: boolean): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  if (Object.is(x, -0)) return "-0";
  if (!float32) return String(x);
  for (let p = 1; p < 9; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) return String(Number(s));
  }
  return String(Number(x.toPrecision(9)));
}

/**
 * Formats an array as numeric CSV: rows = shape[0], cols = ∏ shape[1:] (shape defaults to
 * `[data.length]`, one column). Every value is written with the fewest digits that read back
 * exactly (see `formatCsvNumber`), so `parseCsv(formatCsv(a))` returns `a` bit for bit
 * (NaN/±inf as nan/inf). Lines end with "\n". Throws a RangeError when the shape or header does not fit.
 */
export function formatCsv(
  data: FloatArray,
  shape: readonly number[] = [data.length],
  options: FormatCsvOptions = {},
): string {
  const fn = "formatCsv";
  checkNdShape(fn, data, shape);
  const { batch: rows, dim: cols } = asMatrixShape(fn, shape);
  const d = options.delimiter ?? ",";
  const f32 = data instanceof Float32Array;
  const out: string[] = [];
  if (options.header !== undefined) {
    if (options.header.length !== cols) {
      throw new RangeError(
        `${fn}: header has ${options.header.length} names but the data has ${cols} columns; pass one name per column`,
      );
    }
    out.push(`${options.header.join(d)}\n`);
  }
  for (let r = 0; r < rows; r++) {
    const line: string[] = [];
    for (let c = 0; c < cols; c++) line.push(formatCsvNumber(data[r * cols + c]!, f32));
    out.push(`${line.join(d)}\n`);
  }
  return out.join("");
}
