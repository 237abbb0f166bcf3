/**
 * `difflux convert` writes exactly what the library's conversion hub computes, for .npy (float64 and
 * float32) and .csv arrays, and round-trips through a second kind. In-process.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  affinePath,
  conversionCoefficients,
  convert,
  edmSchedule,
  Rng,
  vpSchedule,
} from "../../src/index.js";
import { readCsv, readNpy, writeCsv, writeNpy } from "../../src/node.js";
import { diffluxInProcess, listing, scratch } from "./cli.js";

/** A command line as its words. */
const words = (line: string) => line.split(" ");

function normals(seed: number, n: number): Float64Array {
  const rng = new Rng(seed, 0);
  return Float64Array.from({ length: n }, () => rng.normal());
}

describe("difflux convert", () => {
  const { dir, cleanup } = scratch("convert");
  const xt = normals(1, 12);
  const value = normals(2, 12);
  before(() => {
    writeNpy(join(dir, "xt.npy"), xt, [6, 2]);
    writeNpy(join(dir, "eps.npy"), value, [6, 2]);
    writeNpy(join(dir, "xt32.npy"), Float32Array.from(xt), [3, 4]);
    writeNpy(join(dir, "eps32.npy"), Float32Array.from(value), [3, 4]);
    writeCsv(join(dir, "xt.csv"), xt, [6, 2], { header: ["x", "y"] });
    writeCsv(join(dir, "eps.csv"), value, [6, 2], { header: ["x", "y"] });
  });
  after(cleanup);

  it("converts a VP noise prediction into the velocity exactly as convert() does, and reports the coefficients", async () => {
    const r = await diffluxInProcess(
      words(
        "convert --path vp --t 0.3 --from noise --to velocity --xt xt.npy --value eps.npy --out u.npy --json",
      ),
      dir,
    );
    assert.equal(r.code, 0, `exit code 0 expected; stderr: ${r.stderr}`);
    const level = vpSchedule().at(0.3);
    const expected = convert(value, "noise", "velocity", xt, level);
    const got = readNpy(join(dir, "u.npy"));
    assert.deepEqual(got.shape, [6, 2], "the output keeps the input's shape");
    assert.ok(got.data instanceof Float64Array, "float64 inputs give a float64 output");
    assert.deepEqual(
      Array.from(got.data),
      Array.from(expected),
      "the CLI output is bit-identical to the library's",
    );
    const report = JSON.parse(r.stdout) as {
      coefficients: { p: number; q: number };
      dtype: string;
      shape: number[];
      files: string[];
    };
    const [p, q] = conversionCoefficients("noise", "velocity", level);
    assert.deepEqual(report.coefficients, { p, q }, "--json reports the conversion coefficients");
    assert.equal(report.dtype, "float64", "--json reports the dtype");
    assert.deepEqual(report.files, ["u.npy"], "--json lists the file written");
  });

  it("reads and writes CSV like the other commands (header kept), bit-identical to the .npy route", async () => {
    const r = await diffluxInProcess(
      words("convert --path vp --t 0.3 --from noise --to velocity --xt xt.csv --value eps.csv --out u.csv"),
      dir,
    );
    assert.equal(r.code, 0, `exit code 0 expected; stderr: ${r.stderr}`);
    const got = readCsv(join(dir, "u.csv"));
    assert.deepEqual(got.header, ["x", "y"], "the columns keep their names");
    assert.deepEqual(got.shape, [6, 2], "one row per point");
    const expected = convert(value, "noise", "velocity", xt, vpSchedule().at(0.3));
    assert.deepEqual(Array.from(got.data), Array.from(expected), "the CSV round trip is exact");
  });

  it("keeps float32 inputs float32 and converts score → drift with --g2 on the EDM path", async () => {
    const r = await diffluxInProcess(
      words(
        "convert --path edm --t 0.6 --from score --to drift --g2 1.5 --xt xt32.npy --value eps32.npy --out f.npy",
      ),
      dir,
    );
    assert.equal(r.code, 0, `exit code 0 expected; stderr: ${r.stderr}`);
    assert.match(
      r.stdout,
      /^wrote f\.npy: drift \[3 × 4\] float32/,
      "the summary names the file, kind, shape and dtype",
    );
    const got = readNpy(join(dir, "f.npy"));
    assert.ok(got.data instanceof Float32Array, "float32 inputs give a float32 output");
    const slice = affinePath(edmSchedule()).slice(0.6);
    const expected = slice.convert(Float32Array.from(value), "score", "drift", Float32Array.from(xt), {
      g2: 1.5,
    });
    assert.deepEqual(
      Array.from(got.data),
      Array.from(expected),
      "the CLI output is bit-identical to the library's",
    );
  });

  it("round-trips through a second kind back to the input (data → v → data on the cosine path)", async () => {
    const a = await diffluxInProcess(
      words("convert --path cosine --t 0.4 --from data --to v --xt xt.npy --value eps.npy --out v.npy"),
      dir,
    );
    assert.equal(a.code, 0, `first conversion: exit code 0 expected; stderr: ${a.stderr}`);
    const b = await diffluxInProcess(
      words("convert --path cosine --t 0.4 --from v --to data --xt xt.npy --value v.npy --out back.npy"),
      dir,
    );
    assert.equal(b.code, 0, `second conversion: exit code 0 expected; stderr: ${b.stderr}`);
    const back = readNpy(join(dir, "back.npy")).data;
    for (let i = 0; i < value.length; i++) {
      assert.ok(
        Math.abs(back[i]! - value[i]!) <= 1e-12 * (1 + Math.abs(value[i]!)),
        `element ${i}: ${back[i]} vs ${value[i]}`,
      );
    }
    assert.ok(!listing(dir).some((f) => f.endsWith(".tmp")), "no temporary file is left behind");
  });
});
