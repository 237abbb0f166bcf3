import assert from "node:assert/strict";
import { test } from "node:test";
import { inflateSync } from "node:zlib";
import { crc32 } from "../../src/io/npz.js";
import { encodePng, toGray8 } from "../../src/io/png.js";

/** The chunks of a PNG file, each CRC-checked. */
function chunks(png: Uint8Array): { type: string; data: Uint8Array }[] {
  assert.deepEqual(
    Array.from(png.subarray(0, 8)),
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    "signature",
  );
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: { type: string; data: Uint8Array }[] = [];
  for (let o = 8; o < png.length; ) {
    const n = view.getUint32(o);
    const type = new TextDecoder().decode(png.subarray(o + 4, o + 8));
    assert.equal(view.getUint32(o + 8 + n), crc32(png.subarray(o + 4, o + 8 + n)), `${type} CRC`);
    out.push({ type, data: png.subarray(o + 8, o + 8 + n) });
    o += 12 + n;
  }
  return out;
}

test("encodePng writes IHDR, one IDAT of filter-0 rows and IEND, every chunk CRC-checked", () => {
  for (const channels of [1, 3] as const) {
    const [w, h] = [5, 3];
    const pixels = Uint8Array.from({ length: w * h * channels }, (_, i) => (i * 37) % 256);
    const parts = chunks(encodePng(pixels, w, h, channels));
    assert.deepEqual(
      parts.map((c) => c.type),
      ["IHDR", "IDAT", "IEND"],
    );
    const ihdr = new DataView(parts[0]!.data.buffer, parts[0]!.data.byteOffset, 13);
    assert.deepEqual(
      [ihdr.getUint32(0), ihdr.getUint32(4), ...parts[0]!.data.subarray(8)],
      [w, h, 8, channels === 1 ? 0 : 2, 0, 0, 0],
    );
    const raw = inflateSync(parts[1]!.data);
    for (let y = 0; y < h; y++) {
      assert.equal(raw[y * (w * channels + 1)], 0, `row ${y} filter`);
      assert.deepEqual(
        Array.from(raw.subarray(y * (w * channels + 1) + 1, (y + 1) * (w * channels + 1))),
        Array.from(pixels.subarray(y * w * channels, (y + 1) * w * channels)),
      );
    }
  }
  assert.throws(
    () => encodePng(new Uint8Array(5), 2, 2),
    /encodePng: pixels has 5 values, expected width × height × channels = 4/,
  );
});

test("toGray8 maps [lo, hi] linearly onto 0 … 255, rounding and clipping", () => {
  assert.deepEqual(Array.from(toGray8([-1, 0, 1, -3, 7, 0.999])), [0, 128, 255, 0, 255, 255]);
  assert.deepEqual(Array.from(toGray8([0, 0.5, 1], 0, 1)), [0, 128, 255]);
});
