import assert from "node:assert/strict";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { dataFileFormat, loadDataFile } from "../../src/train/datasets/file.js";
import { EXPECTED, FIXTURES, tempDir } from "../io/fixtures.js";

describe("loadDataFile", () => {
  test("dataFileFormat tells CSV, .npy and IDX (including MNIST names) apart, with or without .gz", () => {
    assert.equal(dataFileFormat("a/b.csv"), "csv");
    assert.equal(dataFileFormat("b.TSV"), "csv");
    assert.equal(dataFileFormat("b.csv.gz"), "csv");
    assert.equal(dataFileFormat("x.npy"), "npy");
    assert.equal(dataFileFormat("train-images-idx3-ubyte.gz"), "idx");
    assert.equal(dataFileFormat("t10k-labels.idx1-ubyte"), "idx");
    assert.equal(dataFileFormat("x.idx"), "idx");
    assert.throws(
      () => dataFileFormat("x.json"),
      /loadDataFile: cannot tell the format of x\.json from its name; use \.csv\/\.tsv\/\.txt, \.npy, \.idx/,
    );
  });

  test("loadDataFile reads each format as an n × dim batch, flattening image axes", () => {
    const csv = loadDataFile(join(FIXTURES, "csv", "header.csv"));
    assert.deepEqual(csv.shape, [4, 3]);
    assert.deepEqual(csv.header, ["x", "y", "z"]);
    assert.deepEqual(Array.from(csv.data), EXPECTED.csv["header.csv"]!.values);
    const npy = loadDataFile(join(FIXTURES, "npy", "f8-be.npy"));
    assert.deepEqual(npy.shape, [2, 4]);
    assert.deepEqual(npy.fileShape, [2, 2, 2]);
    assert.equal(npy.format, "npy");
    const idx = loadDataFile(join(FIXTURES, "idx", "images-idx3-ubyte.gz"), { dtype: "float64" });
    assert.deepEqual(idx.shape, [3, 20]);
    assert.deepEqual(idx.fileShape, [3, 4, 5]);
    assert.ok(idx.data instanceof Float64Array);
    assert.deepEqual(Array.from(idx.data), EXPECTED.idx["images-idx3-ubyte.gz"]!.values);
    const labels = loadDataFile(join(FIXTURES, "idx", "labels-idx1-ubyte"));
    assert.deepEqual(labels.shape, [3, 1]);
    const f32 = loadDataFile(join(FIXTURES, "npy", "f8.npy"), { dtype: "float32" });
    assert.ok(f32.data instanceof Float32Array);
  });

  test("loadDataFile names the file and the problem for a bad value, a truncated file and a wrong format", () => {
    const { dir, done } = tempDir();
    try {
      writeFileSync(join(dir, "bad.csv"), "x,y\n1,2\n3,?\n");
      assert.throws(
        () => loadDataFile(join(dir, "bad.csv")),
        /^Error: loadDataFile: .*bad\.csv: line 3, column 2: '\?' is not a number$/,
      );
      copyFileSync(join(FIXTURES, "csv", "savetxt.csv"), join(dir, "wrong.npy"));
      assert.throws(
        () => loadDataFile(join(dir, "wrong.npy")),
        /loadDataFile: .*wrong\.npy: not a \.npy file/,
      );
      writeFileSync(join(dir, "cut-idx3-ubyte"), Uint8Array.of(0, 0, 8, 3, 0, 0, 0, 2));
      assert.throws(
        () => loadDataFile(join(dir, "cut-idx3-ubyte")),
        /loadDataFile: .*cut-idx3-ubyte: truncated/,
      );
      assert.throws(
        () => loadDataFile(join(dir, "missing.npy")),
        /loadDataFile: cannot read .*missing\.npy: no such file/,
      );
    } finally {
      done();
    }
  });
});
