/**
 * `difflux likelihood` on a digits model: a tiny train → likelihood run reports the discrete
 * log-probability of the 17-level pixels and its bits/dim (uniform dequantization by default, bin
 * centres with --dequantization none), and dequantization options on continuous data or with the
 * bin centres end with one line and exit code 2. Runs in-process (no process starts).
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { diffluxInProcess, listing, scratch } from "./cli.js";

interface LikelihoodJson {
  data: { source: string; points: number; dim: number };
  discrete: { levels: number; range: number[]; dequantization: string; draws: number } | null;
  logLikelihood: { mean: number; standardError: number; of: string };
  bitsPerDim: number;
}

describe("difflux likelihood on digits", () => {
  const { dir, cleanup } = scratch("digits");
  after(cleanup);
  before(async () => {
    const r = await diffluxInProcess(
      ["train", "--data", "digits", "--n", "64", "--batch", "32", "--width", "16", "--depth", "1"].concat([
        "--steps",
        "10",
        "--out",
        "run",
      ]),
      dir,
    );
    assert.equal(r.code, 0, `tiny digits training: stderr: ${r.stderr}`);
    // A continuous data file of the model's dimension (64 columns).
    const row = Array.from({ length: 64 }, (_, j) => (j % 7) / 7 - 0.5).join(",");
    writeFileSync(join(dir, "points.csv"), `${row}\n${row}\n`);
  });

  it("reports log P of the 17-level pixels and bits/dim, by uniform dequantization by default", async () => {
    const r = await diffluxInProcess(
      ["likelihood", "--ckpt", "run", "--n", "4", "--hutchinson", "2", "--draws", "2", "--json"],
      dir,
    );
    assert.equal(r.code, 0, `likelihood: stderr: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as LikelihoodJson;
    assert.deepEqual(
      out.discrete,
      { levels: 17, range: [-1.0625, 1.0625], dequantization: "uniform", draws: 2 },
      "the digits' quantization at the [−1, 1] scale",
    );
    assert.deepEqual(
      [out.data.source, out.data.points, out.data.dim],
      ["digits", 4, 64],
      "4 held-out images",
    );
    assert.equal(out.logLikelihood.of, "probability", "a discrete log-probability");
    assert.ok(Number.isFinite(out.bitsPerDim) && out.bitsPerDim > 0, `positive bits/dim: ${out.bitsPerDim}`);
    assert.ok(
      Math.abs(out.bitsPerDim + out.logLikelihood.mean / (64 * Math.LN2)) < 1e-9 * out.bitsPerDim,
      `bits/dim = −log P/(64 ln 2): ${r.stdout}`,
    );
  });

  it("evaluates the bin centres with --dequantization none and writes per-image log-probabilities", async () => {
    const r = await diffluxInProcess(
      "likelihood --ckpt run --n 2 --hutchinson 2 --dequantization none --out lp.csv".split(" "),
      dir,
    );
    assert.equal(r.code, 0, `likelihood: stderr: ${r.stderr}`);
    assert.match(
      r.stdout,
      /^log P of the 17-level values \(at the bin centres\) -?[\d.]+ ± [\d.]+ nats \([\d.]+ bits\/dim\) on 2 points of digits \(heldout\)/,
      `one summary line: ${r.stdout}`,
    );
    const lines = readFileSync(join(dir, "lp.csv"), "utf8").trim().split("\n");
    assert.equal(lines[0], "log_probability", "the column says what it holds");
    assert.equal(lines.length, 3, "one value per image");
  });

  const bad: readonly (readonly [string, readonly string[], RegExp])[] = [
    [
      "--dequantization on continuous data",
      ["--data", "points.csv", "--dequantization", "none"],
      /--dequantization: points\.csv is continuous data \(no quantization\), so there is nothing to dequantize — drop the option/,
    ],
    [
      "--draws with the bin centres",
      ["--dequantization", "none", "--draws", "3"],
      /--draws: --dequantization none evaluates the bin centres, one deterministic draw — drop --draws/,
    ],
    [
      "an unknown dequantization",
      ["--dequantization", "gauss"],
      /--dequantization: must be one of uniform, none; got "gauss"/,
    ],
  ];
  for (const [name, args, message] of bad) {
    it(`rejects ${name} in one line with exit code 2`, async () => {
      const before = listing(dir);
      const r = await diffluxInProcess(["likelihood", "--ckpt", "run", "--n", "2", ...args], dir);
      assert.equal(r.code, 2, `exit code 2 expected, got ${r.code}; stderr: ${r.stderr}`);
      assert.match(r.stderr, message, `stderr names the problem and the fix: ${r.stderr}`);
      assert.match(
        r.stderr,
        /^difflux likelihood: [^\n]+\n$/,
        `exactly one line: ${JSON.stringify(r.stderr)}`,
      );
      assert.deepEqual(listing(dir), before, "nothing is written");
    });
  }
});
