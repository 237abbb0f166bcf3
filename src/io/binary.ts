/**
 * Element access for binary array formats (.npy, IDX): one getter / setter per element type and byte
 * order, over a DataView. Browser-safe.
 */

/** Element kinds: f = IEEE float, i = signed integer, u = unsigned integer, b = bool (one byte, 0 / non-0). */
export type ElementKind = "f" | "i" | "u" | "b";

/** A binary element type: kind, size in bytes and byte order. */
export interface ElementType {
  readonly kind: ElementKind;
  readonly bytes: number;
  readonly littleEndian: boolean;
}

/**
 * A reader of the element at byte offset o. Supported: f4, f8; i1, i2, i4, i8; u1, u2, u4, u8; b1.
 * 64-bit integers are converted to the nearest double (exact up to 2⁵³ in magnitude); bool reads
 * as 1 or 0.
 */
export function elementGetter(view: DataView, t: ElementType): (o: number) => number {
  const le = t.littleEndian;
  switch (`${t.kind}${t.bytes}`) {
    case "f4":
      return (o) => view.getFloat32(o, le);
    case "f8":
      return (o) => view.getFloat64(o, le);
    case "i1":
      return (o) => view.getInt8(o);
    case "i2":
      return (o) => view.getInt16(o, le);
    case "i4":
      return (o) => view.getInt32(o, le);
    case "i8":
      return (o) => Number(view.getBigInt64(o, le));
    case "u1":
      return (o) => view.getUint8(o);
    case "u2":
      return (o) => view.getUint16(o, le);
    case "u4":
      return (o) => view.getUint32(o, le);
    case "u8":
      return (o) => Number(view.getBigUint64(o, le));
    case "b1":
      return (o) => (view.getUint8(o) !== 0 ? 1 : 0);
    default:
      throw new RangeError(`elementGetter: unsupported element type ${t.kind}${t.bytes}`);
  }
}

/**
 * A writer of value v at byte offset o, for f4, f8, i1, i2, i4 and u1 (the types difflux writes).
 * Integer types take v as already checked to be an integer in range.
 */
export function elementSetter(view: DataView, t: ElementType): (o: number, v: number) => void {
  const le = t.littleEndian;
  switch (`${t.kind}${t.bytes}`) {
    case "f4":
      return (o, v) => view.setFloat32(o, v, le);
    case "f8":
      return (o, v) => view.setFloat64(o, v, le);
    case "i1":
      return (o, v) => view.setInt8(o, v);
    case "i2":
      return (o, v) => view.setInt16(o, v, le);
    case "i4":
      return (o, v) => view.setInt32(o, v, le);
    case "u1":
      return (o, v) => view.setUint8(o, v);
    default:
      throw new RangeError(`elementSetter: unsupported element type ${t.kind}${t.bytes}`);
  }
}

const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Reads n elements of type `t` starting at bytes[offset] into `out` (length n) and returns it. Floats
 * in host byte order going into an array of the same width are copied as bytes (not through
 * `bytes.slice`, which on a Node Buffer is a view of a shared pool).
 */
export function readElements<A extends Float32Array | Float64Array>(
  bytes: Uint8Array,
  offset: number,
  t: ElementType,
  out: A,
): A {
  const n = out.length;
  if (t.kind === "f" && t.littleEndian === HOST_LITTLE && t.bytes === out.BYTES_PER_ELEMENT) {
    new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(
      bytes.subarray(offset, offset + n * t.bytes),
    );
    return out;
  }
  const get = elementGetter(new DataView(bytes.buffer, bytes.byteOffset + offset, n * t.bytes), t);
  for (let k = 0; k < n; k++) out[k] = get(k * t.bytes);
  return out;
}

/** Writes every value of `data` as type `t` into target starting at byte `offset` (see `elementSetter`). */
export function writeElements(
  target: Uint8Array,
  offset: number,
  t: ElementType,
  data: Float32Array | Float64Array,
): void {
  if (t.kind === "f" && t.littleEndian === HOST_LITTLE && t.bytes === data.BYTES_PER_ELEMENT) {
    target.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
    return;
  }
  const set = elementSetter(
    new DataView(target.buffer, target.byteOffset + offset, data.length * t.bytes),
    t,
  );
  for (let k = 0; k < data.length; k++) set(k * t.bytes, data[k]!);
}
