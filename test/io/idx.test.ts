import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import fc from "fast-check";
import { encodeIdx, type IdxDtype, parseIdx } from "../../src/io/idx.js";
import { readIdx, writeIdx } from "../../src/io/idxFile.js";
import { EXPECTED, FIXTURES, tempDir } from "./fixtures.js";

const IDX = join(FIXTURES, "idx");
const CODES: Record<number, IdxDtype> = {
  8: "ubyte",
  9: "byte",
  11: "short",
  12: "int",
  13: "float",
  14: "double",
};

describe("idx", () => {
  test("readIdx reads every dtype code, plain and gzip-compressed, to the values written", () => {
    for (const [name, e] of Object.entries(EXPECTED.idx)) {
      const a = readIdx(join(IDX, name));
      assert.deepEqual(a.shape, e.shape, name);
      assert.equal(a.dtype, CODES[e.code!], name);
      const expected = a.data instanceof Float32Array ? e.values.map(Math.fround) : e.values;
      assert.deepEqual(Array.from(a.data), expected, name);
      const wide = a.dtype === "int" || a.dtype === "double";
      assert.equal(a.data instanceof (wide ? Float64Array : Float32Array), true, `${name} element type`);
    }
  });

  test("parseIdx returns float64 on request and encodeIdx reproduces the fixture bytes", () => {
    for (const [name, e] of Object.entries(EXPECTED.idx)) {
      if (name.endsWith(".gz")) continue;
      const bytes = readFileSync(join(IDX, name));
      const a = parseIdx(bytes, { dtype: "float64" });
      assert.deepEqual(Array.from(a.data), e.values, name);
      assert.deepEqual(Buffer.from(encodeIdx(a.data, a.shape, { dtype: a.dtype })), bytes, name);
    }
  });

  test("parseIdx inverts encodeIdx for integer data of every dtype and any shape", () => {
    const ranges: Record<IdxDtype, [number, number]> = {
      ubyte: [0, 255],
      byte: [-128, 127],
      short: [-32768, 32767],
      int: [-(2 ** 31), 2 ** 31 - 1],
      float: [-(2 ** 24), 2 ** 24],
      double: [-(2 ** 53), 2 ** 53],
    };
    const arb = fc.constantFrom(...(Object.keys(ranges) as IdxDtype[])).chain((dtype) =>
      fc.record({
        dtype: fc.constant(dtype),
        shape: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }),
        values: fc.array(fc.integer({ min: ranges[dtype][0], max: ranges[dtype][1] }), {
          minLength: 256,
          maxLength: 256,
        }),
      }),
    );
    fc.assert(
      fc.property(arb, ({ dtype, shape, values }) => {
        const n = shape.reduce((p, d) => p * d, 1);
        const data = new Float64Array(values.slice(0, n));
        const back = parseIdx(encodeIdx(data, shape, { dtype }), { dtype: "float64" });
        assert.deepEqual(back.shape, shape);
        assert.equal(back.dtype, dtype);
        assert.deepEqual(Array.from(back.data), Array.from(data));
      }),
    );
  });

  test("encodeIdx refuses values that do not fit an integer dtype, naming the first", () => {
    assert.throws(
      () => encodeIdx(new Float64Array([1, 256]), [2], { dtype: "ubyte" }),
      /encodeIdx: data\[1\] = 256 is not a ubyte \(an integer in 0…255\); choose dtype 'float'/,
    );
    assert.throws(
      () => encodeIdx(new Float64Array([0.5]), [1], { dtype: "short" }),
      /data\[0\] = 0\.5 is not a short/,
    );
  });

  test("parseIdx names gzip input, a bad magic, an unknown code, truncation and trailing bytes", () => {
    const good = readFileSync(join(IDX, "images-idx3-ubyte"));
    assert.throws(
      () => parseIdx(readFileSync(join(IDX, "images-idx3-ubyte.gz"))),
      /gzip-compressed; decompress it first/,
    );
    assert.throws(
      () => parseIdx(Uint8Array.of(1, 0, 8, 1), { source: "m" }),
      /parseIdx: m: not an IDX file: the magic must start with two zero bytes, got 0x01 0x00/,
    );
    assert.throws(() => parseIdx(Uint8Array.of(0, 0, 0x0a, 1, 0, 0, 0, 0)), /unknown IDX dtype code 0x0A/);
    assert.throws(() => parseIdx(good.subarray(0, 10)), /truncated: the header declares 3 dimensions/);
    assert.throws(
      () => parseIdx(good.subarray(0, good.length - 1)),
      /truncated: shape \[3, 4, 5\] of ubyte needs 60 data bytes but only 59/,
    );
    assert.throws(() => parseIdx(Buffer.concat([good, Buffer.of(0)])), /1 unexpected bytes after the data/);
    assert.throws(() => parseIdx(Uint8Array.of(0, 0)), /shorter than the 4-byte magic/);
  });

  test("readIdx names a truncated gzip file and writeIdx leaves nothing behind on bad data", () => {
    const { dir, done } = tempDir();
    try {
      const gz = readFileSync(join(IDX, "images-idx3-ubyte.gz"));
      writeFileSync(join(dir, "cut.gz"), gz.subarray(0, gz.length - 10));
      assert.throws(
        () => readIdx(join(dir, "cut.gz")),
        /readIdx: .*cut\.gz is gzip-compressed but cannot be decompressed .*corrupt or truncated/,
      );
      assert.throws(
        () => writeIdx(join(dir, "x-idx1-ubyte"), new Float64Array([300]), [1], { dtype: "ubyte" }),
        /writeIdx: data\[0\] = 300/,
      );
      assert.deepEqual(readdirSync(dir), ["cut.gz"]);
      writeIdx(join(dir, "y.idx"), new Float32Array([1.5, 2.5]), [1, 2]);
      const back = readIdx(join(dir, "y.idx"));
      assert.equal(back.dtype, "float");
      assert.deepEqual(Array.from(back.data), [1.5, 2.5]);
    } finally {
      done();
    }
  });
});
