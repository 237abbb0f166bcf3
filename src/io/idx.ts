/**
 * IDX files — the format of MNIST and Fashion-MNIST — as bytes (browser-safe; the Node file wrappers,
 * which also gunzip `*.gz`, are in idxFile.ts).
 *
 * Layout (LeCun et al., "THE MNIST DATABASE", file formats section): two zero bytes, a dtype code
 * (0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double), the number of dimensions,
 * then each dimension as a big-endian uint32, then the elements in C order, big-endian.
 */
import type { FloatArray } from "../array.js";
import { type ElementType, readElements, writeElements } from "./binary.js";
import { checkNdShape, type NdArray, shapeSize, where } from "./ndarray.js";

/** The element types of IDX files. */
export type IdxDtype = "ubyte" | "byte" | "short" | "int" | "float" | "double";

interface IdxType extends ElementType {
  readonly name: IdxDtype;
  readonly code: number;
  readonly min: number;
  readonly max: number;
}

const TYPES: readonly IdxType[] = [
  { name: "ubyte", code: 0x08, kind: "u", bytes: 1, littleEndian: false, min: 0, max: 255 },
  { name: "byte", code: 0x09, kind: "i", bytes: 1, littleEndian: false, min: -128, max: 127 },
  { name: "short", code: 0x0b, kind: "i", bytes: 2, littleEndian: false, min: -32768, max: 32767 },
  { name: "int", code: 0x0c, kind: "i", bytes: 4, littleEndian: false, min: -2147483648, max: 2147483647 },
  {
    name: "float",
    code: 0x0d,
    kind: "f",
    bytes: 4,
    littleEndian: false,
    min: Number.NEGATIVE_INFINITY,
    max: Number.POSITIVE_INFINITY,
  },
  {
    name: "double",
    code: 0x0e,
    kind: "f",
    bytes: 8,
    littleEndian: false,
    min: Number.NEGATIVE_INFINITY,
    max: Number.POSITIVE_INFINITY,
  },
];

/** A parsed IDX file: the array and its stored element type. */
export interface IdxArray extends NdArray {
  readonly dtype: IdxDtype;
}

/** Options for `parseIdx`. */
export interface ParseIdxOptions {
  /**
   * Element type of the result. Default: "float64" for int and double files, "float32" for the rest
   * (ubyte, byte, short and float values are exact in float32, and MNIST's 47 M pixels take half the
   * memory).
   */
  readonly dtype?: "float32" | "float64";
  /** A file name put in error messages. */
  readonly source?: string;
}

/**
 * Parses the bytes of an IDX file into a flat C-order array with its shape (e.g. MNIST training
 * images: shape [60000, 28, 28], values 0…255).
 *
 * Throws an Error naming the source and the problem for: gzip data ("decompress first; readIdx does
 * it"), a magic whose first two bytes are not zero, an unknown dtype code, a truncated header or
 * data, and bytes left over after the data.
 */
export function parseIdx(bytes: Uint8Array, options: ParseIdxOptions = {}): IdxArray {
  const fn = "parseIdx";
  const fail = (msg: string): never => {
    throw new Error(`${where(fn, options.source)}${msg}`);
  };
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    fail(
      "the data is gzip-compressed; decompress it first (readIdx in Node does this, or DecompressionStream in a browser)",
    );
  }
  if (bytes.length < 4) fail(`not an IDX file: ${bytes.length} bytes is shorter than the 4-byte magic`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(
      `not an IDX file: the magic must start with two zero bytes, got 0x${hex(bytes[0]!)} 0x${hex(bytes[1]!)}`,
    );
  }
  const type = TYPES.find((t) => t.code === bytes[2]);
  if (type === undefined) {
    fail(
      `unknown IDX dtype code 0x${hex(bytes[2]!)} (known: 0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double)`,
    );
  }
  const { name, bytes: size } = type!;
  const ndim = bytes[3]!;
  const dataOffset = 4 + 4 * ndim;
  if (bytes.length < dataOffset)
    fail(`truncated: the header declares ${ndim} dimensions but the file ends inside them`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let k = 0; k < ndim; k++) shape.push(view.getUint32(4 + 4 * k, false));
  const n = shapeSize(fn, shape);
  const need = n * size;
  const have = bytes.length - dataOffset;
  if (have < need)
    fail(
      `truncated: shape [${shape.join(", ")}] of ${name} needs ${need} data bytes but only ${have} follow the header`,
    );
  if (have > need)
    fail(
      `${have - need} unexpected bytes after the data of shape [${shape.join(", ")}] ${name}; the file is corrupt`,
    );
  const wide =
    options.dtype === undefined ? name === "int" || name === "double" : options.dtype === "float64";
  const out = readElements(bytes, dataOffset, type!, wide ? new Float64Array(n) : new Float32Array(n));
  return { data: out, shape, dtype: name };
}

function hex(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, "0");
}

/** Options for `encodeIdx`. */
export interface EncodeIdxOptions {
  /** Stored element type; default "float" for a Float32Array, "double" for a Float64Array. */
  readonly dtype?: IdxDtype;
}

/**
 * Encodes a flat C-order array (shape defaults to `[data.length]`, at most 255 dimensions, each
 * < 2³²) as the bytes of an IDX file. For the integer dtypes every value must be an integer in the
 * type's range (RangeError naming the first one that is not; e.g. MNIST pixels fit "ubyte").
 */
export function encodeIdx(
  data: FloatArray,
  shape: readonly number[] = [data.length],
  options: EncodeIdxOptions = {},
): Uint8Array {
  const fn = "encodeIdx";
  checkNdShape(fn, data, shape);
  if (shape.length > 255 || shape.some((d) => d > 0xffffffff)) {
    throw new RangeError(
      `${fn}: shape [${shape.join(", ")}] does not fit IDX (at most 255 dimensions, each < 2^32)`,
    );
  }
  const name = options.dtype ?? (data instanceof Float32Array ? "float" : "double");
  const type = TYPES.find((t) => t.name === name);
  if (type === undefined)
    throw new RangeError(`${fn}: unknown dtype '${name}'; use one of ${TYPES.map((t) => t.name).join(", ")}`);
  const integer = name !== "float" && name !== "double";
  for (let k = 0; k < data.length; k++) {
    const v = data[k]!;
    if (integer && !(Number.isInteger(v) && v >= type.min && v <= type.max)) {
      throw new RangeError(
        `${fn}: data[${k}] = ${v} is not a ${name} (an integer in ${type.min}…${type.max}); choose dtype 'float' or 'double'`,
      );
    }
  }
  const o = 4 + 4 * shape.length;
  const out = new Uint8Array(o + data.length * type.bytes);
  const view = new DataView(out.buffer);
  out[2] = type.code;
  out[3] = shape.length;
  for (let k = 0; k < shape.length; k++) view.setUint32(4 + 4 * k, shape[k]!, false);
  writeElements(out, o, type, data);
  return out;
}
