/**
 * PNG images (Node only: node:zlib deflates the pixel rows): 8-bit grayscale or RGB, no interlace.
 *
 * Layout (PNG specification, ISO/IEC 15948:2004 §5, §11): the 8-byte signature; chunks of
 * (length, type, data, CRC-32 of type + data): IHDR (width, height, bit depth 8, colour type 0 = gray
 * or 2 = RGB, compression 0, filter 0, interlace 0), one IDAT holding the zlib stream of every row
 * prefixed by its filter byte (0, none), and IEND.
 */
import { deflateSync } from "node:zlib";
import { crc32 } from "./npz.js";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * PNG bytes of an 8-bit image: `pixels` row-major, `channels` = 1 (gray) or 3 (RGB) values per pixel.
 * Throws a RangeError naming the argument when sizes do not match.
 */
export function encodePng(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3 = 1,
): Uint8Array {
  const fn = "encodePng";
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new RangeError(`${fn}: width and height must be positive integers, got ${width}×${height}`);
  }
  if (channels !== 1 && channels !== 3)
    throw new RangeError(`${fn}: channels must be 1 (gray) or 3 (RGB), got ${channels}`);
  const stride = width * channels;
  if (pixels.length !== stride * height) {
    throw new RangeError(
      `${fn}: pixels has ${pixels.length} values, expected width × height × channels = ${stride * height}`,
    );
  }
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++)
    raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, channels === 1 ? 0 : 2, 0, 0, 0], 8);
  const chunks = [
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(8 + chunks.reduce((n, c) => n + c.length, 0));
  out.set(SIGNATURE);
  let o = 8;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  const typed = new TextEncoder().encode(type);
  out.set(typed, 4);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * Image rows in [lo, hi] (e.g. [−1, 1]) as 8-bit gray: round(255·(x − lo)/(hi − lo)), clipped to
 * [0, 255].
 */
export function toGray8(values: ArrayLike<number>, lo = -1, hi = 1): Uint8Array {
  const out = new Uint8Array(values.length);
  const scale = 255 / (hi - lo);
  for (let i = 0; i < values.length; i++) {
    const g = Math.round((values[i]! - lo) * scale);
    out[i] = Math.min(255, Math.max(0, g));
  }
  return out;
}
