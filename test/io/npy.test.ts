import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import fc from "fast-check";
import { encodeNpy, parseNpy } from "../../src/io/npy.js";
import { readNpy, writeNpy } from "../../src/io/npyFile.js";
import { EXPECTED, FIXTURES, tempDir } from "./fixtures.js";

const NPY = join(FIXTURES, "npy");
const readable = Object.keys(EXPECTED.npy);

describe("npy", () => {
  test("readNpy reads every numpy-written fixture to the values numpy stored", () => {
    assert.ok(readable.length >= 15);
    for (const name of readable) {
      const e = EXPECTED.npy[name]!;
      const a = readNpy(join(NPY, name));
      assert.deepEqual(a.shape, e.shape, name);
      assert.deepEqual(Array.from(a.data), e.values, name);
      assert.equal(a.descr, e.descr, name);
      const float32 = e.descr!.endsWith("f4");
      assert.equal(a.data instanceof (float32 ? Float32Array : Float64Array), true, `${name} element type`);
    }
  });

  test("readNpy reads format versions 2.0 and 3.0 and reports the version", () => {
    assert.deepEqual(readNpy(join(NPY, "f8-v2.npy")).version, [2, 0]);
    assert.deepEqual(readNpy(join(NPY, "f4-v3.npy")).version, [3, 0]);
    assert.deepEqual(readNpy(join(NPY, "f8.npy")).version, [1, 0]);
  });

  test("encodeNpy writes the same bytes as np.save for float32 and float64 in both byte orders", () => {
    for (const name of [
      "f4.npy",
      "f8.npy",
      "f4-be.npy",
      "f8-be.npy",
      "f8-1d.npy",
      "f8-scalar.npy",
      "f8-empty.npy",
    ]) {
      const a = readNpy(join(NPY, name));
      const bytes = encodeNpy(a.data, a.shape, { byteOrder: a.descr.startsWith(">") ? "big" : "little" });
      assert.deepEqual(Buffer.from(bytes), readFileSync(join(NPY, name)), name);
    }
  });

  test("encodeNpy pads the header so the data starts at a multiple of 64 bytes, ending in a newline", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10 ** 12 }), { maxLength: 12 }), (dims) => {
        const shape = dims.map((d) => (d % 3) + (d > 10 ** 11 ? 0 : 1));
        const n = shape.reduce((p, d) => p * d, 1);
        const bytes = encodeNpy(new Float64Array(n), shape);
        const hlen = bytes[8]! + 256 * bytes[9]!;
        assert.equal((10 + hlen) % 64, 0);
        assert.equal(bytes[10 + hlen - 1], 0x0a);
        assert.equal(bytes.length, 10 + hlen + 8 * n);
      }),
    );
  });

  test("parseNpy inverts encodeNpy bit for bit for any float32 or float64 array, shape and byte order", () => {
    const arb = fc.record({
      f32: fc.boolean(),
      big: fc.boolean(),
      rows: fc.integer({ min: 0, max: 6 }),
      cols: fc.integer({ min: 1, max: 5 }),
      seed: fc.array(fc.double(), { minLength: 30, maxLength: 30 }),
    });
    fc.assert(
      fc.property(arb, ({ f32, big, rows, cols, seed }) => {
        const n = rows * cols;
        const data = f32 ? new Float32Array(n) : new Float64Array(n);
        for (let k = 0; k < n; k++) data[k] = seed[k]!;
        const back = parseNpy(encodeNpy(data, [rows, cols], { byteOrder: big ? "big" : "little" }));
        assert.deepEqual(back.shape, [rows, cols]);
        assert.equal(back.data.constructor, data.constructor);
        assert.deepEqual(new Uint8Array(back.data.buffer), new Uint8Array(data.buffer));
      }),
    );
  });

  test("writeNpy output is read back by numpy when /usr/bin/python3 has numpy", (t) => {
    const py = "/usr/bin/python3";
    if (!existsSync(py)) return t.skip("no /usr/bin/python3");
    const { dir, done } = tempDir();
    try {
      const data = new Float32Array([1.5, -2.25, 3e-8, 4, 5, 6]);
      writeNpy(join(dir, "a.npy"), data, [2, 3]);
      let out: string;
      try {
        out = execFileSync(
          py,
          [
            "-c",
            `import numpy as np; a = np.load("${join(dir, "a.npy")}"); print(a.dtype, a.shape, a.tolist())`,
          ],
          {
            encoding: "utf8",
          },
        );
      } catch {
        return t.skip("numpy not importable");
      }
      assert.equal(
        out.trim(),
        `float32 (2, 3) [[1.5, -2.25, ${pyFloat(Math.fround(3e-8))}], [4.0, 5.0, 6.0]]`,
      );
    } finally {
      done();
    }
  });

  test("readNpy rejects Fortran order, float16 and structured dtypes with a message naming the file and the fix", () => {
    assert.throws(
      () => readNpy(join(NPY, "fortran.npy")),
      /readNpy: .*fortran\.npy: .*Fortran .*np\.ascontiguousarray/,
    );
    assert.throws(
      () => readNpy(join(NPY, "f2.npy")),
      /readNpy: .*f2\.npy: dtype '<f2' is not supported .*float32/,
    );
    assert.throws(
      () => readNpy(join(NPY, "structured.npy")),
      /readNpy: .*structured\.npy: structured .*not supported/,
    );
  });

  test("parseNpy names truncation, bad magic, bad version, trailing bytes and a broken header", () => {
    const good = readFileSync(join(NPY, "f8.npy"));
    assert.throws(
      () => parseNpy(good.subarray(0, good.length - 3), "x.npy"),
      /parseNpy: x\.npy: truncated: shape \(4, 3\) of '<f8' needs 96 data bytes but only 93/,
    );
    assert.throws(() => parseNpy(good.subarray(0, 40), "x.npy"), /x\.npy: truncated: the header needs/);
    assert.throws(() => parseNpy(good.subarray(0, 5)), /parseNpy: not a \.npy file .*shorter than 10 bytes/);
    assert.throws(() => parseNpy(new TextEncoder().encode("a,b\n1,2\n3,4\n")), /not a \.npy file/);
    const v9 = Uint8Array.from(good);
    v9[6] = 9;
    assert.throws(() => parseNpy(v9), /unsupported \.npy format version 9\.0/);
    const extra = new Uint8Array(good.length + 4);
    extra.set(good);
    assert.throws(() => parseNpy(extra), /4 unexpected bytes after the data/);
    const broken = Uint8Array.from(good);
    broken[12] = "?".charCodeAt(0);
    assert.throws(() => parseNpy(broken), /malformed header/);
    const noShape = encodeNpy(new Float64Array(2));
    const text = Buffer.from(noShape).toString("latin1").replace("'shape'", "'shapf'");
    assert.throws(() => parseNpy(Buffer.from(text, "latin1")), /missing key 'shape'/);
  });

  test("readNpy names a missing file and suggests checking the path", () => {
    assert.throws(
      () => readNpy("/nonexistent/dir/a.npy"),
      /readNpy: cannot read \/nonexistent\/dir\/a\.npy: no such file — check the path/,
    );
  });

  test("writeNpy refuses a shape that does not match, leaving no file behind", () => {
    const { dir, done } = tempDir();
    try {
      assert.throws(
        () => writeNpy(join(dir, "a.npy"), new Float64Array(5), [2, 3]),
        /writeNpy: data has 5 elements but shape \[2, 3\] needs 6/,
      );
      assert.deepEqual(readdirSync(dir), []);
      writeNpy(join(dir, "sub", "b.npy"), new Float64Array([1, 2]), [2], { mkdir: true });
      assert.deepEqual(Array.from(readNpy(join(dir, "sub", "b.npy")).data), [1, 2]);
    } finally {
      done();
    }
  });

  test("readNpy reads a gzip-compressed .npy transparently", async () => {
    const { gzipSync } = await import("node:zlib");
    const { dir, done } = tempDir();
    try {
      writeFileSync(join(dir, "a.npy.gz"), gzipSync(readFileSync(join(NPY, "f4.npy"))));
      assert.deepEqual(Array.from(readNpy(join(dir, "a.npy.gz")).data), EXPECTED.npy["f4.npy"]!.values);
    } finally {
      done();
    }
  });
});

/** Python's repr of a float (shortest round trip, exponent with two digits). */
function pyFloat(x: number): string {
  return String(x).replace(/e([+-])(\d)$/, "e$10$2");
}
