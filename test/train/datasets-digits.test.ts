import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { binWidth, dequantize, quantize } from "../../src/likelihood/bitsPerDim.js";
import {
  DIGITS_COUNT,
  DIGITS_HELDOUT,
  digitsQuantization,
  digitsSplitIndices,
  parseDigitsCsv,
  scaleDigits,
  unscaleDigits,
} from "../../src/train/datasets/digits.js";
import { digitsPath, loadDigits } from "../../src/train/datasets/digitsFile.js";
import { DATASET_NAMES, datasetInfo, isDatasetName, loadDataset } from "../../src/train/datasets/registry.js";
import { sampleToy } from "../../src/train/datasets/toys.js";
import { tempDir } from "../io/fixtures.js";

const DEBIAN_COPY = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";

describe("digits", () => {
  test("the vendored digits file is the byte-identical copy named in data/README.md", () => {
    const bytes = readFileSync(digitsPath());
    const sha = createHash("sha256").update(bytes).digest("hex");
    assert.equal(sha, "46abec6b12486ad9e51943373abcf22bbea1b5a51a1619b361570d8893f1464a");
    assert.match(readFileSync(join(digitsPath(), "..", "README.md"), "utf8"), new RegExp(sha));
    if (existsSync(DEBIAN_COPY)) assert.deepEqual(bytes, readFileSync(DEBIAN_COPY));
  });

  test("loadDigits returns 1,797 images of 64 integer pixels in 0…16 with the known class counts", () => {
    const d = loadDigits();
    assert.deepEqual(d.shape, [1797, 64]);
    assert.deepEqual(d.imageShape, [8, 8]);
    assert.equal(d.data.length, 1797 * 64);
    assert.ok(d.data.every((v) => Number.isInteger(v) && v >= 0 && v <= 16));
    // sklearn.datasets.load_digits(): np.bincount(target).
    const counts = new Array<number>(10).fill(0);
    for (const l of d.labels) counts[l]!++;
    assert.deepEqual(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    // The first image (a zero) as in the file's first line.
    assert.deepEqual(
      Array.from(d.data.subarray(0, 16)),
      [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0],
    );
    assert.equal(d.labels[0], 0);
  });

  test("the train and held-out splits are disjoint, cover every image, and do not depend on anything but the split seed", () => {
    const train = digitsSplitIndices("train");
    const held = digitsSplitIndices("heldout");
    assert.equal(train.length, DIGITS_COUNT - DIGITS_HELDOUT);
    assert.equal(held.length, DIGITS_HELDOUT);
    assert.deepEqual(
      [...train, ...held].sort((a, b) => a - b),
      Array.from({ length: DIGITS_COUNT }, (_, i) => i),
    );
    assert.deepEqual(digitsSplitIndices("train"), train);
    assert.notDeepEqual(digitsSplitIndices("train", 1), train);
    const d = loadDigits({ split: "heldout", n: 5 });
    const all = loadDigits();
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(
        d.data.subarray(64 * i, 64 * (i + 1)),
        all.data.subarray(64 * held[i]!, 64 * (held[i]! + 1)),
      );
      assert.equal(d.labels[i], all.labels[held[i]!]);
    }
  });

  test("scaleDigits maps 0…16 onto [0, 1] or [−1, 1] and unscaleDigits inverts it", () => {
    const raw = Float64Array.from({ length: 17 }, (_, v) => v);
    assert.deepEqual(
      Array.from(scaleDigits(raw, "unit")),
      Array.from(raw, (v) => v / 16),
    );
    const sym = scaleDigits(raw, "symmetric");
    assert.equal(sym[0], -1);
    assert.equal(sym[8], 0);
    assert.equal(sym[16], 1);
    for (const s of ["raw", "unit", "symmetric"] as const)
      assert.deepEqual(unscaleDigits(scaleDigits(raw, s), s), raw);
    const f32 = loadDigits({ scale: "symmetric", dtype: "float32", n: 10 });
    assert.ok(f32.data instanceof Float32Array);
    assert.ok(f32.data.every((v) => v >= -1 && v <= 1));
    assert.throws(
      () => scaleDigits(raw, "bytes" as "raw"),
      /scaleDigits: scale must be "raw", "unit" or "symmetric", got bytes/,
    );
  });

  test("digitsQuantization has 17 bins centred on the scaled pixels, so every digit value round-trips", () => {
    const raw = Float64Array.from({ length: 17 }, (_, v) => v);
    const expected = { raw: [-0.5, 16.5], unit: [-1 / 32, 1 + 1 / 32], symmetric: [-1.0625, 1.0625] };
    for (const scale of ["raw", "unit", "symmetric"] as const) {
      const q = digitsQuantization(scale);
      assert.equal(q.levels, 17, `${scale}: 17 levels`);
      assert.deepEqual(q.range, expected[scale], `${scale}: the range`);
      for (const dtype of ["float64", "float32"] as const) {
        const x = scaleDigits(raw, scale, dtype === "float32" ? new Float32Array(17) : new Float64Array(17));
        assert.deepEqual(Array.from(quantize(x, q)), Array.from(raw), `${scale}, ${dtype}: quantize gives v`);
        assert.deepEqual(
          Array.from(dequantize(raw, 1, q, { kind: "none" })),
          Array.from(scaleDigits(raw, scale)),
          `${scale}: the bin centres are the scaled pixels`,
        );
      }
      assert.equal(
        binWidth(q),
        scaleDigits(Float64Array.of(1), scale)[0]! - scaleDigits(Float64Array.of(0), scale)[0]!,
        `${scale}: Δ = a`,
      );
    }
    // Any image, any scale, and uniform dequantization noise: the bin is still the pixel.
    fc.assert(
      fc.property(
        fc.constantFrom("raw", "unit", "symmetric" as const),
        fc.array(fc.integer({ min: 0, max: 16 }), { minLength: 64, maxLength: 64 }),
        fc.nat(1000),
        (scale, pixels, seed) => {
          const q = digitsQuantization(scale);
          const v = Float64Array.from(pixels);
          const y = dequantize(v, 64, q, { kind: "uniform", seed });
          assert.deepEqual(Array.from(quantize(y, q)), pixels, "quantize ∘ dequantize = id");
          assert.deepEqual(Array.from(quantize(scaleDigits(v, scale), q)), pixels, "quantize ∘ scale = id");
        },
      ),
      { numRuns: 50 },
    );
    assert.throws(
      () => digitsQuantization("bytes" as "raw"),
      /digitsQuantization: scale must be "raw", "unit" or "symmetric", got bytes/,
    );
  });

  test("loadDigits names a missing or corrupt file and a bad n", () => {
    const { dir, done } = tempDir();
    try {
      assert.throws(
        () => loadDigits({ path: join(dir, "none.csv.gz") }),
        /loadDigits: cannot read .*none\.csv\.gz: no such file/,
      );
      writeFileSync(join(dir, "short.csv.gz"), gzipSync("0,1,2\n"));
      assert.throws(
        () => loadDigits({ path: join(dir, "short.csv.gz") }),
        /loadDigits: .*short\.csv\.gz: expected 65 columns .*got 3/,
      );
      const row = `${new Array(64).fill(0).join(",")},3\n`;
      writeFileSync(join(dir, "bad.csv"), row + row.replace(/^0/, "17"));
      assert.throws(
        () => loadDigits({ path: join(dir, "bad.csv") }),
        /loadDigits: .*bad\.csv: row 2, column 1: 17 is not an integer in 0…16/,
      );
      assert.throws(
        () => loadDigits({ split: "heldout", n: 361 }),
        /loadDigits: n must be an integer in 0…360 for split 'heldout', got 361/,
      );
    } finally {
      done();
    }
    assert.throws(
      () => parseDigitsCsv("1,2\nx,3\n"),
      /parseDigitsCsv: line 2, column 1: 'x' is not a number/,
    );
  });
});

describe("dataset registry", () => {
  test("loadDataset serves every named dataset with its dimension and split sizes", () => {
    assert.deepEqual(DATASET_NAMES, [
      "moons",
      "checkerboard",
      "eight-gaussians",
      "swiss-roll",
      "rings",
      "gmm",
      "digits",
    ]);
    for (const name of DATASET_NAMES) {
      const info = datasetInfo(name);
      const d = loadDataset(name, { split: "heldout", n: 7 });
      assert.deepEqual(d.shape, [7, info.dim], name);
      assert.equal(d.data.length, 7 * info.dim, name);
      assert.ok(info.description.length > 10, name);
    }
    assert.deepEqual(datasetInfo("digits").size, { train: 1437, heldout: 360 });
    assert.equal(datasetInfo("moons").size, null);
    assert.deepEqual(loadDataset("digits").shape, [1437, 64]);
    assert.deepEqual(loadDataset("moons").shape, [10000, 2]);
    assert.deepEqual(loadDataset("moons", { split: "heldout" }).shape, [2000, 2]);
  });

  test("loadDataset draws toys with sampleToy's per-sample streams and scales digits to [−1, 1] by default", () => {
    assert.deepEqual(
      loadDataset("rings", { n: 20, seed: 4, split: "heldout" }).data,
      sampleToy("rings", 20, { seed: 4, split: "heldout" }),
    );
    const d = loadDataset("digits", { n: 3 });
    assert.ok(d.data.every((v) => v >= -1 && v <= 1));
    assert.deepEqual(d.imageShape, [8, 8]);
    assert.equal(d.labels?.length, 3);
  });

  test("digits state the quantization of the scale loaded; the continuous toys state none", () => {
    assert.deepEqual(
      loadDataset("digits", { n: 2 }).quantization,
      digitsQuantization("symmetric"),
      "default scale",
    );
    assert.deepEqual(loadDataset("digits", { n: 2, scale: "unit" }).quantization, digitsQuantization("unit"));
    assert.deepEqual(
      loadDigits({ n: 2 }).quantization,
      digitsQuantization("raw"),
      "loadDigits: raw by default",
    );
    const all = loadDataset("digits", { split: "heldout", dtype: "float32" });
    assert.deepEqual(
      quantize(all.data, all.quantization!),
      Float64Array.from(loadDigits({ split: "heldout" }).data),
      "every held-out pixel quantizes to its raw value",
    );
    assert.deepEqual(datasetInfo("digits").quantization, digitsQuantization("symmetric"));
    assert.deepEqual(datasetInfo("digits", { scale: "raw" }).quantization, digitsQuantization("raw"));
    for (const toy of DATASET_NAMES.filter((n) => n !== "digits")) {
      assert.equal(datasetInfo(toy).quantization, null, `${toy}: continuous`);
      assert.equal(loadDataset(toy, { n: 2 }).quantization, null, `${toy}: continuous`);
    }
  });

  test("loadDataset names an unknown dataset, lists the names, and suggests a file", () => {
    assert.equal(isDatasetName("moons"), true);
    assert.equal(isDatasetName("data.csv"), false);
    assert.throws(
      () => loadDataset("mnist"),
      /loadDataset: unknown dataset 'mnist'; use one of moons, .*digits, or pass a \.csv, \.npy or \.idx file/,
    );
    assert.throws(
      () => loadDataset("moons", { split: "test" as "train" }),
      /split must be "train" or "heldout", got test/,
    );
  });
});
