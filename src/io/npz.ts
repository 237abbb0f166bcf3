/**
 * NumPy `.npz` archives as bytes (browser-safe; the Node file wrapper is in npzFile.ts): a ZIP file
 * whose members `name.npy` are `.npy` arrays (`np.savez` stores them, `np.savez_compressed` deflates
 * them).
 *
 * ZIP layout (PKWARE APPNOTE 6.3.x §4.3): local file headers with the data, then the central
 * directory (one record per member: method, CRC-32, sizes, offset of the local header), then the end
 * of central directory record (EOCD, signature 0x06054b50, found by scanning back over at most a
 * 65 535-byte comment). ZIP64 (§4.5.3): a size or offset of 0xFFFFFFFF is read from the member's
 * extra field 0x0001 instead, and a ZIP64 EOCD locator (0x07064b50) precedes the EOCD when the archive
 * needs one — numpy writes members with zip64 local headers (`force_zip64=True`). The CRC-32 of every
 * member is checked (ISO 3309 polynomial 0xEDB88320).
 */
import { parseNpy, type NpyArray } from "./npy.js";
import { where } from "./ndarray.js";

/** Options of `parseNpz`. */
export interface ParseNpzOptions {
  /**
   * Raw-DEFLATE decompression for members stored with method 8 (`np.savez_compressed`): called with
   * the compressed bytes and the size the archive declares. The Node entry's `readNpz` passes
   * node:zlib; in a browser pass a synchronous inflater. Without it a deflated member is an error.
   */
  readonly inflateRaw?: (compressed: Uint8Array, uncompressedSize: number) => Uint8Array;
  /** A file name for error messages. */
  readonly source?: string;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

let crcTable: Uint32Array | undefined;

/** CRC-32 (ISO 3309 / ZIP): reflected polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF. */
export function crc32(bytes: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * The arrays of a `.npz` archive by name (the member name without ".npy"), in archive order. See
 * `parseNpy` for the dtypes read. Throws an Error naming the source and the problem for a file that
 * is not a ZIP archive, a truncated or corrupt one (bad signature, CRC mismatch, sizes beyond the
 * file), a member that is not `.npy`, encryption, and compression methods other than stored (0) and
 * deflate (8).
 */
export function parseNpz(bytes: Uint8Array, options: ParseNpzOptions = {}): Record<string, NpyArray> {
  const at = where("parseNpz", options.source);
  const fail = (msg: string): never => {
    throw new Error(`${at}${msg}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number) => view.getUint16(o, true);
  const u32 = (o: number) => view.getUint32(o, true);
  const u64 = (o: number) => {
    const v = view.getBigUint64(o, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      fail(`a ZIP64 size or offset (${v}) is beyond 2⁵³; the file is corrupt`);
    return Number(v);
  };
  const inside = (o: number, n: number, what: string) => {
    if (o < 0 || o + n > bytes.length)
      fail(`${what} lies beyond the end of the file; it is truncated or corrupt`);
  };

  // End of central directory: scan back over the comment (at most 65 535 bytes).
  let eocd = -1;
  for (let o = bytes.length - 22; o >= Math.max(0, bytes.length - 22 - 0xffff); o--) {
    if (u32(o) === EOCD) {
      eocd = o;
      break;
    }
  }
  if (eocd < 0) fail("not a ZIP archive (no end-of-central-directory record); a .npz is written by np.savez");
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || u32(loc) !== ZIP64_LOCATOR)
      fail("the archive needs a ZIP64 locator but has none; it is corrupt");
    const z = u64(loc + 8);
    inside(z, 56, "the ZIP64 end-of-central-directory record");
    if (u32(z) !== ZIP64_EOCD)
      fail("the ZIP64 end-of-central-directory record has a bad signature; it is corrupt");
    count = u64(z + 32);
    cdSize = u64(z + 40);
    cdOffset = u64(z + 48);
  }
  inside(cdOffset, cdSize, "the central directory");

  const out: Record<string, NpyArray> = {};
  let p = cdOffset;
  for (let m = 0; m < count; m++) {
    inside(p, 46, `central directory record ${m}`);
    if (u32(p) !== CENTRAL) fail(`central directory record ${m} has a bad signature; the file is corrupt`);
    const flags = u16(p + 8);
    const method = u16(p + 10);
    const crc = u32(p + 16);
    let compressed = u32(p + 20);
    let size = u32(p + 24);
    const nameLength = u16(p + 28);
    const extraLength = u16(p + 30);
    const commentLength = u16(p + 32);
    let local = u32(p + 42);
    inside(p + 46, nameLength + extraLength + commentLength, `central directory record ${m}`);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLength));
    // ZIP64 extra field (id 0x0001): the 64-bit values of the fields that hold 0xFFFFFFFF, in order.
    let e = p + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd) {
      const id = u16(e);
      const length = u16(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) {
          size = u64(q);
          q += 8;
        }
        if (compressed === 0xffffffff) {
          compressed = u64(q);
          q += 8;
        }
        if (local === 0xffffffff) local = u64(q);
      }
      e += 4 + length;
    }
    p = extraEnd + commentLength;

    if (flags & 1) fail(`member "${name}" is encrypted; re-save the arrays with np.savez`);
    if (!name.endsWith(".npy"))
      fail(`member "${name}" is not a .npy array; a .npz holds only name.npy members`);
    inside(local, 30, `the local header of "${name}"`);
    if (u32(local) !== LOCAL) fail(`the local header of "${name}" has a bad signature; the file is corrupt`);
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    inside(start, compressed, `the data of "${name}"`);
    const stored = bytes.subarray(start, start + compressed);
    let data: Uint8Array;
    if (method === 0) data = stored;
    else if (method === 8) {
      if (options.inflateRaw === undefined) {
        fail(
          `member "${name}" is deflate-compressed (np.savez_compressed); pass options.inflateRaw, or use readNpz from difflux/node`,
        );
      }
      data = options.inflateRaw!(stored, size);
    } else {
      fail(`member "${name}" uses compression method ${method}; only stored (0) and deflate (8) are read`);
    }
    if (data!.length !== size) {
      fail(`member "${name}" holds ${data!.length} bytes but the archive says ${size}; the file is corrupt`);
    }
    if (crc32(data!) !== crc) fail(`member "${name}" fails its CRC-32 check; the file is corrupt`);
    const key = name.slice(0, -4);
    const array = parseNpy(data!, `${options.source ?? "npz"}:${name}`);
    Object.defineProperty(out, key, { value: array, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
