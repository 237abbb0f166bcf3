import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { crc32, parseNpz } from "../../src/io/npz.js";
import { readNpz } from "../../src/io/npzFile.js";
import { FIXTURES, tempDir } from "./fixtures.js";

const DIR = join(FIXTURES, "weights");
const EXPECTED = JSON.parse(readFileSync(join(DIR, "arrays.json"), "utf8")) as Record<
  string,
  { shape: number[]; values: number[] }
>;

test("crc32 matches the standard check value and the empty string", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926, "the CRC-32 check value");
  assert.equal(crc32(new Uint8Array(0)), 0);
});

for (const name of ["arrays.npz", "arrays-compressed.npz"]) {
  test(`readNpz reads every array of numpy's ${name} with its shape and values`, () => {
    const arrays = readNpz(join(DIR, name));
    assert.deepEqual(Object.keys(arrays), ["a", "b", "labels"], "archive order");
    for (const [key, e] of Object.entries(EXPECTED)) {
      assert.deepEqual([...arrays[key]!.shape], e.shape, `${key} shape`);
      assert.deepEqual(Array.from(arrays[key]!.data), e.values, `${key} values`);
    }
    assert.equal(arrays.a!.descr, "<f4");
    assert.ok(arrays.a!.data instanceof Float32Array, "float32 stays Float32Array");
  });
}

test("parseNpz reads a stored archive without an inflater, and names the fix for a deflated one", () => {
  const stored = parseNpz(readFileSync(join(DIR, "arrays.npz")));
  assert.deepEqual(Array.from(stored.b!.data), EXPECTED.b!.values);
  assert.throws(
    () => parseNpz(readFileSync(join(DIR, "arrays-compressed.npz")), { source: "c.npz" }),
    /parseNpz: c.npz: member "a.npy" is deflate-compressed \(np.savez_compressed\); pass options.inflateRaw/,
  );
});

test("a corrupt member fails its CRC-32 check, and a truncated archive is named", () => {
  const bytes = Uint8Array.from(readFileSync(join(DIR, "arrays.npz")));
  const { dir, done } = tempDir();
  try {
    // Flip one byte inside the first member's array data (after its 128-byte .npy header).
    const corrupt = Uint8Array.from(bytes);
    const start =
      30 +
      new DataView(corrupt.buffer).getUint16(26, true) +
      new DataView(corrupt.buffer).getUint16(28, true);
    corrupt[start + 130]! ^= 0xff;
    const path = join(dir, "bad.npz");
    writeFileSync(path, corrupt);
    assert.throws(() => readNpz(path), /readNpz: .*bad.npz: member "a.npy" fails its CRC-32 check/);
    assert.throws(
      () => parseNpz(bytes.subarray(0, 100)),
      /parseNpz: not a ZIP archive \(no end-of-central-directory record\)/,
    );
    assert.throws(() => parseNpz(new Uint8Array(0)), /not a ZIP archive/);
    assert.throws(
      () => readNpz(join(dir, "missing.npz")),
      /readNpz: cannot read .*missing.npz: no such file/,
    );
  } finally {
    done();
  }
});
