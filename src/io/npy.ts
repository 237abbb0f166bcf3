/**
 * NumPy `.npy` files as bytes (browser-safe; the Node file wrappers are in npyFile.ts).
 *
 * Layout (numpy/lib/format.py, NEP 1): magic "\x93NUMPY", major, minor version byte; header length
 * (uint16 LE for v1.0, uint32 LE for v2.0 and v3.0); the header, a Python dict literal
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }` (latin-1; UTF-8 in v3.0) padded with
 * spaces and one final "\n" so that magic + length + header is a multiple of 64 bytes; then the raw
 * elements in C order.
 */
import type { FloatArray } from "../array.js";
import { type ElementKind, type ElementType, readElements, writeElements } from "./binary.js";
import { checkNdShape, type NdArray, shapeSize, where } from "./ndarray.js";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const ARRAY_ALIGN = 64;
const GROWTH_AXIS_MAX_DIGITS = 21;

/** A parsed `.npy` file: the array, plus the dtype string and format version it was stored with. */
export interface NpyArray extends NdArray {
  /** The header's `descr`, e.g. "<f4", ">f8", "|u1". */
  readonly descr: string;
  /** Format version [major, minor]: [1, 0], [2, 0] or [3, 0]. */
  readonly version: readonly [number, number];
}

// ---------------------------------------------------------------------------------------------
// A Python-literal reader for the header dict (str, int, bool, None, tuple, list, dict).

type PyValue = string | number | boolean | null | PyValue[] | { tuple: PyValue[] } | Map<string, PyValue>;

/** Deepest container nesting read in a header (a real one nests 2 deep: the dict and the shape tuple). */
export const NPY_MAX_HEADER_DEPTH = 8;
/** Largest header read, in bytes (numpy's own np.load refuses more than 10 000 by default). */
export const NPY_MAX_HEADER_BYTES = 1 << 20;
/** Most dimensions of a shape (numpy's NPY_MAXDIMS). */
export const NPY_MAX_DIMS = 64;

const SCALAR = /True|False|None|[+-]?\d+L?/y;

function parsePyLiteral(text: string, fail: (msg: string) => never): PyValue {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const value = (depth: number): PyValue => {
    ws();
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail("unterminated string in the header");
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    if (c === "{" || c === "(" || c === "[") {
      // Checked before descending, so a hostile header cannot exhaust the stack.
      if (depth >= NPY_MAX_HEADER_DEPTH)
        fail(`the header nests deeper than ${NPY_MAX_HEADER_DEPTH} levels; a .npy header is a flat dict`);
    }
    if (c === "{") {
      i++;
      const m = new Map<string, PyValue>();
      for (;;) {
        ws();
        if (text[i] === "}") {
          i++;
          return m;
        }
        const k = value(depth + 1);
        if (typeof k !== "string") fail("header dict has a non-string key");
        ws();
        if (text[i] !== ":") fail(`expected ':' after key '${k}' in the header`);
        i++;
        m.set(k, value(depth + 1));
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== "}") fail("expected ',' or '}' in the header dict");
      }
    }
    if (c === "(" || c === "[") {
      const close = c === "(" ? ")" : "]";
      i++;
      const items: PyValue[] = [];
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          return c === "(" ? { tuple: items } : items;
        }
        items.push(value(depth + 1));
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== close) fail(`expected ',' or '${close}' in the header`);
      }
    }
    SCALAR.lastIndex = i;
    const m = SCALAR.exec(text);
    if (m === null) fail(`cannot read the header at "${text.slice(i, i + 20)}"`);
    i += m[0].length;
    if (m[0] === "True") return true;
    if (m[0] === "False") return false;
    if (m[0] === "None") return null;
    return Number.parseInt(m[0], 10);
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail(`unexpected text after the header dict: "${text.slice(i, i + 20)}"`);
  return v;
}

function parseDescr(descr: string, fail: (msg: string) => never): ElementType {
  const m = /^([<>|=])([fiub])(\d+)$/.exec(descr);
  const ok =
    m !== null &&
    ({ f: [4, 8], i: [1, 2, 4, 8], u: [1, 2, 4, 8], b: [1] } as const)[m[2] as ElementKind].some(
      (b) => b === Number(m[3]),
    );
  if (!ok || m === null) {
    const hint = descr.endsWith("f2")
      ? "float16 is not supported; save with a.astype(np.float32)"
      : "supported: float32/float64 (<f4, <f8, >f4, >f8), int/uint of 1–8 bytes and bool; save with a.astype(np.float64)";
    fail(`dtype '${descr}' is not supported — ${hint}`);
  }
  // '|' (byte order not applicable, 1-byte types) and '=' (native; numpy writes '<' or '>') read as little.
  return { kind: m[2] as ElementKind, bytes: Number(m[3]), littleEndian: m[1] !== ">" };
}

/**
 * Parses the bytes of a `.npy` file (format v1.0, v2.0, v3.0; C order).
 *
 * float32 → Float32Array, float64 → Float64Array; int8…int64, uint8…uint64 and bool → Float64Array
 * (int64 beyond ±2⁵³ rounds to the nearest double). Both byte orders. `source` (a file name) is put in
 * error messages.
 *
 * Throws an Error naming the source and the problem for: wrong magic, unknown version, a malformed
 * or truncated header (longer than NPY_MAX_HEADER_BYTES, nested deeper than NPY_MAX_HEADER_DEPTH, more
 * than NPY_MAX_DIMS dimensions), an unsupported dtype (float16, complex, strings, structured), Fortran order
 * ("re-save with np.ascontiguousarray"), and data shorter or longer than the shape needs.
 * Source: numpy/lib/format.py (NEP 1).
 */
export function parseNpy(bytes: Uint8Array, source?: string): NpyArray {
  const fn = "parseNpy";
  const fail = (msg: string): never => {
    throw new Error(`${where(fn, source)}${msg}`);
  };
  if (bytes.length < 10 || MAGIC.some((b, k) => bytes[k] !== b)) {
    fail(
      `not a .npy file (it does not start with the magic "\\x93NUMPY"${bytes.length < 10 ? "; it is shorter than 10 bytes" : ""})`,
    );
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (!((major === 1 || major === 2 || major === 3) && minor === 0)) {
    fail(`unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  }
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) fail("truncated: the file ends inside the header length");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = 8 + lenBytes + headerLen;
  if (bytes.length < dataOffset) {
    fail(
      `truncated: the header needs ${headerLen} bytes but the file has only ${bytes.length - 8 - lenBytes} after the length`,
    );
  }
  if (headerLen > NPY_MAX_HEADER_BYTES) {
    fail(
      `the header length field says ${headerLen} bytes, more than the ${NPY_MAX_HEADER_BYTES} this reader accepts; the file is corrupt or not a plain array`,
    );
  }
  const headerBytes = bytes.subarray(8 + lenBytes, dataOffset);
  const header = major === 3 ? new TextDecoder("utf-8").decode(headerBytes) : latin1(headerBytes);
  const dict = parsePyLiteral(header, (msg) => fail(`malformed header: ${msg}`));
  if (!(dict instanceof Map)) fail("malformed header: it is not a dict");
  const d = dict as Map<string, PyValue>;
  for (const key of ["descr", "fortran_order", "shape"])
    if (!d.has(key)) fail(`malformed header: missing key '${key}'`);
  const descr = d.get("descr");
  if (typeof descr !== "string") {
    fail(
      "structured (record) dtypes are not supported; save a plain float array, e.g. np.save(f, a.astype(np.float64))",
    );
  }
  const dtype = parseDescr(descr as string, fail);
  if (d.get("fortran_order") === true) {
    fail(
      "the array is in Fortran (column-major) order; only C order is read — re-save it with np.save(f, np.ascontiguousarray(a))",
    );
  } else if (d.get("fortran_order") !== false)
    fail("malformed header: 'fortran_order' must be True or False");
  const shapeValue = d.get("shape");
  if (shapeValue === null || typeof shapeValue !== "object" || !("tuple" in shapeValue)) {
    fail("malformed header: 'shape' must be a tuple of integers");
  }
  const shape = (shapeValue as { tuple: PyValue[] }).tuple;
  if (shape.length > NPY_MAX_DIMS)
    fail(`malformed header: shape has ${shape.length} dimensions, more than numpy's ${NPY_MAX_DIMS}`);
  if (!shape.every((s) => typeof s === "number" && Number.isSafeInteger(s) && s >= 0)) {
    fail(`malformed header: shape (${shape.join(", ")}) must hold non-negative integers`);
  }
  const dims = shape as number[];
  const n = shapeSize(fn, dims);
  const need = n * dtype.bytes;
  const have = bytes.length - dataOffset;
  if (have < need) {
    fail(
      `truncated: shape (${dims.join(", ")}) of '${descr}' needs ${need} data bytes but only ${have} follow the header`,
    );
  }
  if (have > need) {
    fail(
      `${have - need} unexpected bytes after the data of shape (${dims.join(", ")}) '${descr}'; the file is corrupt or not a single .npy array`,
    );
  }
  return {
    data: readElements(
      bytes,
      dataOffset,
      dtype,
      dtype.kind === "f" && dtype.bytes === 4 ? new Float32Array(n) : new Float64Array(n),
    ),
    shape: dims,
    descr: descr as string,
    version: [major, minor],
  };
}

function latin1(b: Uint8Array): string {
  let s = "";
  for (let k = 0; k < b.length; k++) s += String.fromCharCode(b[k]!);
  return s;
}

/** Options for `encodeNpy`. */
export interface EncodeNpyOptions {
  /** Byte order of the stored elements (default "little", as numpy on every common machine). */
  readonly byteOrder?: "little" | "big";
}

/**
 * Encodes a flat C-order array as the bytes of a `.npy` file, exactly as `np.save` (numpy ≥ 1.22)
 * writes it: sorted-key header dict, 21 − len(repr(shape[0])) spare spaces, padding to a multiple of
 * 64 bytes; version 1.0 unless the header needs more than 65535 bytes (then 2.0).
 *
 * Float32Array → '<f4', Float64Array → '<f8' ('>' with byteOrder "big"). `shape` defaults to
 * `[data.length]`; ∏ shape must equal data.length (RangeError otherwise). Source: numpy/lib/format.py.
 */
export function encodeNpy(
  data: FloatArray,
  shape: readonly number[] = [data.length],
  options: EncodeNpyOptions = {},
): Uint8Array {
  const fn = "encodeNpy";
  if (!(data instanceof Float32Array || data instanceof Float64Array)) {
    throw new TypeError(
      `${fn}: data must be a Float32Array or Float64Array; convert with Float64Array.from(values)`,
    );
  }
  checkNdShape(fn, data, shape);
  const le = (options.byteOrder ?? "little") === "little";
  const size = data.BYTES_PER_ELEMENT;
  const descr = `${le ? "<" : ">"}f${size}`;
  const shapeRepr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  if (shape.length > 0) header += " ".repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length);
  let version = 1;
  let prefixLen = 10;
  let hlen = header.length + 1;
  let pad = ARRAY_ALIGN - ((prefixLen + hlen) % ARRAY_ALIGN);
  if (hlen + pad > 0xffff) {
    version = 2;
    prefixLen = 12;
    pad = ARRAY_ALIGN - ((prefixLen + hlen) % ARRAY_ALIGN);
  }
  hlen += pad;
  const out = new Uint8Array(prefixLen + hlen + data.length * size);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, hlen, true);
  else view.setUint32(8, hlen, true);
  const text = `${header}${" ".repeat(pad)}\n`;
  for (let k = 0; k < text.length; k++) out[prefixLen + k] = text.charCodeAt(k);
  writeElements(out, prefixLen + hlen, { kind: "f", bytes: size, littleEndian: le }, data);
  return out;
}
