/**
 * The safetensors format as bytes (browser-safe): F32 and F64 tensors, and F16 / BF16 tensors
 * (half precision, most published weights), which decode widened to Float32Array (exactly: every
 * half value is a float32) and encode rounded to nearest even (io/float16.ts).
 *
 * Layout (huggingface/safetensors, README "Format"): an unsigned 64-bit little-endian N; N bytes of
 * UTF-8 JSON `{"__metadata__": {string: string}, name: {"dtype": "F32", "shape": [..],
 * "data_offsets": [begin, end]}, …}` (padded with spaces; the reference writer pads so 8 + N is a
 * multiple of 8); then the byte buffer, each tensor's raw little-endian C-order elements at
 * [begin, end) relative to the buffer start. Offsets must tile the buffer exactly (no holes, no
 * overlap). The writer orders tensors as the reference one does: wider dtype first, then by name.
 */
import type { FloatArray } from "../array.js";
import { type ElementType, readElements, writeElements } from "./binary.js";
import { decodeBfloat16, decodeFloat16, encodeBfloat16, encodeFloat16 } from "./float16.js";
import { jsonDepthBeyond } from "./json.js";
import { checkNdShape, type NdArray, shapeSize, where } from "./ndarray.js";

/** The element types this module reads and writes (F16 / BF16 are held as Float32Array in memory). */
export type SafetensorsDType = "F32" | "F64" | "F16" | "BF16";

/** The storage types accepted by `encodeSafetensors`' `dtypes` option. */
export const SAFETENSORS_DTYPES: readonly SafetensorsDType[] = ["F64", "F32", "F16", "BF16"];

/** A decoded safetensors file: tensors by name (in file order) and the string metadata. */
export interface Safetensors {
  readonly tensors: Record<string, NdArray>;
  readonly metadata: Record<string, string>;
  /** The stored element type of each tensor (F16 / BF16 tensors decode to Float32Array). */
  readonly dtypes: Record<string, SafetensorsDType>;
}

/** Options of `encodeSafetensors`. */
export interface EncodeSafetensorsOptions {
  /**
   * Storage type per tensor name (default: F64 for a Float64Array, F32 for a Float32Array). F16 and
   * BF16 round each value to nearest even; values beyond F16's ±65504 become ±∞.
   */
  readonly dtypes?: Readonly<Record<string, SafetensorsDType>>;
}

const ELEMENT: Record<SafetensorsDType, ElementType> = {
  F32: { kind: "f", bytes: 4, littleEndian: true },
  F64: { kind: "f", bytes: 8, littleEndian: true },
  F16: { kind: "u", bytes: 2, littleEndian: true },
  BF16: { kind: "u", bytes: 2, littleEndian: true },
};
/**
 * Largest header read: 16 MiB (the reference reader allows 100 MB; a header holds ~100 bytes per
 * tensor, so 16 MiB is > 100 000 tensors, while JSON.parse of 100 MB of hostile nesting would take
 * gigabytes).
 */
export const SAFETENSORS_MAX_HEADER_BYTES = 16 * 2 ** 20;
/** Deepest nesting of the header JSON (a real one nests 3 deep: {name: {shape: […]}}). */
export const SAFETENSORS_MAX_HEADER_DEPTH = 8;

function dtypeOfArray(data: FloatArray): SafetensorsDType {
  return data instanceof Float64Array ? "F64" : "F32";
}

/**
 * Encodes tensors (Float32Array → F32, Float64Array → F64, or the storage type `options.dtypes` names)
 * and string metadata as safetensors bytes. Throws a RangeError naming the tensor when its data does
 * not fit its shape or its storage type is unknown.
 */
export function encodeSafetensors(
  tensors: Record<string, NdArray>,
  metadata: Record<string, string> = {},
  options: EncodeSafetensorsOptions = {},
): Uint8Array {
  const names = Object.keys(tensors);
  const stored = (name: string): SafetensorsDType =>
    options.dtypes?.[name] ?? dtypeOfArray(tensors[name]!.data);
  for (const name of names) {
    const t = tensors[name]!;
    if (!(t.data instanceof Float32Array || t.data instanceof Float64Array)) {
      throw new TypeError(`encodeSafetensors: tensor "${name}" must hold a Float32Array or Float64Array`);
    }
    checkNdShape(`encodeSafetensors: tensor "${name}"`, t.data, t.shape);
    if (name === "__metadata__" || name === "__proto__")
      throw new RangeError(`encodeSafetensors: "${name}" is reserved; rename the tensor`);
    if (!SAFETENSORS_DTYPES.includes(stored(name))) {
      throw new RangeError(
        `encodeSafetensors: options.dtypes["${name}"] is ${JSON.stringify(stored(name))}; use one of ${SAFETENSORS_DTYPES.join(", ")}`,
      );
    }
  }
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string")
      throw new TypeError(
        `encodeSafetensors: metadata["${k}"] must be a string (the format stores strings only)`,
      );
  }
  names.sort((a, b) => {
    const wa = ELEMENT[stored(a)].bytes;
    const wb = ELEMENT[stored(b)].bytes;
    return wa !== wb ? wb - wa : a < b ? -1 : a > b ? 1 : 0;
  });
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    const byteLength = t.data.length * ELEMENT[stored(name)].bytes;
    header[name] = { dtype: stored(name), shape: [...t.shape], data_offsets: [offset, offset + byteLength] };
    offset += byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const n = json.length + ((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + n + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let pos = 8 + n;
  for (const name of names) {
    const data = tensors[name]!.data;
    const dtype = stored(name);
    if (dtype === "F16" || dtype === "BF16") {
      const bits = dtype === "F16" ? encodeFloat16(data) : encodeBfloat16(data);
      const view = new DataView(out.buffer, pos, bits.byteLength);
      for (let k = 0; k < bits.length; k++) view.setUint16(2 * k, bits[k]!, true);
      pos += bits.byteLength;
      continue;
    }
    writeElements(out, pos, ELEMENT[dtype], data);
    pos += data.length * ELEMENT[dtype].bytes;
  }
  return out;
}

/**
 * Decodes safetensors bytes: F32 and F64 tensors as stored, F16 and BF16 widened to Float32Array
 * (`dtypes` records what was stored); other dtypes are refused by name. `source` (a
 * file name) is named in errors, e.g. "decodeSafetensors: w.safetensors: tensor "a" has
 * data_offsets [0, 12] but shape [2, 2] of F32 needs 16 bytes; the file is corrupt".
 */
export function decodeSafetensors(bytes: Uint8Array, source?: string): Safetensors {
  const at = where("decodeSafetensors", source);
  const fail = (what: string): never => {
    throw new RangeError(`${at}${what}`);
  };
  if (bytes.length < 8)
    fail(
      `the file has ${bytes.length} bytes, fewer than the 8-byte header length; it is truncated or not safetensors`,
    );
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n64 > BigInt(bytes.length - 8)) {
    fail(
      `the header length field says ${n64} bytes but the file has ${bytes.length - 8} after it; it is truncated or not safetensors`,
    );
  }
  if (n64 > BigInt(SAFETENSORS_MAX_HEADER_BYTES)) {
    fail(
      `the header length field says ${n64} bytes, more than the ${SAFETENSORS_MAX_HEADER_BYTES} this reader accepts; the file is corrupt or not safetensors`,
    );
  }
  const n = Number(n64);
  const notJson = (err: unknown): never =>
    fail(
      `the header is not valid UTF-8 JSON (${err instanceof Error ? err.message : String(err)}); the file is corrupt or not safetensors`,
    );
  let text = "";
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch (err) {
    notJson(err);
  }
  if (!text.startsWith("{")) notJson("the header does not start with '{'");
  if (jsonDepthBeyond(text, SAFETENSORS_MAX_HEADER_DEPTH) > 0) {
    fail(
      `the header nests deeper than ${SAFETENSORS_MAX_HEADER_DEPTH} levels (a safetensors header nests 3); the file is corrupt or not safetensors`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    notJson(err);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header))
    fail("the header is not a JSON object");
  const entries = Object.entries(header as Record<string, unknown>);
  const bufferStart = 8 + n;
  const bufferLength = bytes.length - bufferStart;
  const metadata: Record<string, string> = {};
  const spans: { name: string; dtype: SafetensorsDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of entries) {
    if (name === "__metadata__") {
      if (info === null || typeof info !== "object" || Array.isArray(info))
        fail("__metadata__ must be an object of strings");
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== "string") fail(`__metadata__["${k}"] must be a string, got ${JSON.stringify(v)}`);
        // defineProperty, so a key named "__proto__" stays an ordinary entry (assignment would set the prototype).
        Object.defineProperty(metadata, k, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      continue;
    }
    if (name === "__proto__") fail('a tensor is named "__proto__", which this reader refuses; rename it');
    const rec = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (rec === null || typeof rec !== "object")
      fail(`tensor "${name}" has no {dtype, shape, data_offsets} entry`);
    const dtype = rec.dtype;
    if (!SAFETENSORS_DTYPES.includes(dtype as SafetensorsDType)) {
      fail(
        `tensor "${name}" has dtype ${JSON.stringify(dtype)}; only F32, F64, F16 and BF16 are supported — convert it (e.g. tensor.float())`,
      );
    }
    const shape = rec.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor "${name}" has shape ${JSON.stringify(shape)}; it must be a list of non-negative integers`);
    }
    const offsets = rec.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)
    ) {
      fail(`tensor "${name}" has data_offsets ${JSON.stringify(offsets)}; it must be [begin, end]`);
    }
    const [begin, end] = offsets as [number, number];
    const need =
      shapeSize(`${at}tensor "${name}"`, shape as number[]) * ELEMENT[dtype as SafetensorsDType].bytes;
    if (end < begin || end - begin !== need) {
      fail(
        `tensor "${name}" has data_offsets [${begin}, ${end}] but shape [${(shape as number[]).join(", ")}] of ${dtype} needs ${need} bytes; the file is corrupt`,
      );
    }
    if (end > bufferLength) {
      fail(
        `tensor "${name}" ends at byte ${end} of the data but the file holds ${bufferLength}; it is truncated`,
      );
    }
    spans.push({ name, dtype: dtype as SafetensorsDType, shape: shape as number[], begin, end });
  }
  const sorted = [...spans].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const s of sorted) {
    if (s.begin !== expected) {
      fail(
        `tensor "${s.name}" starts at byte ${s.begin} of the data, expected ${expected} (offsets must tile the data without holes or overlap); the file is corrupt`,
      );
    }
    expected = s.end;
  }
  if (expected !== bufferLength) {
    fail(
      `the tensors cover ${expected} bytes of data but the file holds ${bufferLength}; it is truncated or has trailing bytes`,
    );
  }
  const tensors: Record<string, NdArray> = {};
  const dtypes: Record<string, SafetensorsDType> = {};
  for (const s of spans) {
    const count = (s.end - s.begin) / ELEMENT[s.dtype].bytes;
    dtypes[s.name] = s.dtype;
    if (s.dtype === "F16" || s.dtype === "BF16") {
      const view = new DataView(bytes.buffer, bytes.byteOffset + bufferStart + s.begin, 2 * count);
      const bits = new Uint16Array(count);
      for (let k = 0; k < count; k++) bits[k] = view.getUint16(2 * k, true);
      tensors[s.name] = {
        data: s.dtype === "F16" ? decodeFloat16(bits) : decodeBfloat16(bits),
        shape: s.shape,
      };
      continue;
    }
    const data = s.dtype === "F64" ? new Float64Array(count) : new Float32Array(count);
    tensors[s.name] = {
      data: readElements(bytes, bufferStart + s.begin, ELEMENT[s.dtype], data),
      shape: s.shape,
    };
  }
  return { tensors, metadata, dtypes };
}
