/**
 * `difflux train --weighting adaptive[:bins=…,lr=…]`: the trainer learns the weights (reported, and
 * saved in the checkpoint), a resumed run is bit-identical to an uninterrupted one, and bad parameters
 * or a resume with other parameters end with one line and exit code 2. Runs in-process (the same code
 * path as the binary, without process starts).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { diffluxInProcess, listing, scratch } from "./cli.js";

const tiny = ["--data", "moons", "--n", "400", "--batch", "32", "--width", "16", "--depth", "1"];
const adaptive = ["--weighting", "adaptive:bins=4,lr=0.5", "--checkpoint-every", "7"];

describe("difflux train --weighting adaptive", () => {
  const { dir, cleanup } = scratch("adaptive");
  after(cleanup);

  it("learns per-bin weights averaging 1, and resumes bit for bit (weights, θ, losses)", async () => {
    const whole = await diffluxInProcess(
      ["train", ...tiny, ...adaptive, "--steps", "20", "--out", "whole", "--json"],
      dir,
    );
    assert.equal(whole.code, 0, `uninterrupted run: stderr: ${whole.stderr}`);
    const summary = JSON.parse(whole.stdout) as {
      adaptive: { bins: number; learningRate: number; weights: number[] };
    };
    assert.deepEqual([summary.adaptive.bins, summary.adaptive.learningRate], [4, 0.5], "the parsed config");
    const w = summary.adaptive.weights;
    assert.equal(w.length, 4, "one weight per bin");
    assert.ok(
      w.every((x) => x > 0 && Number.isFinite(x)) && w.some((x) => Math.abs(x - 1) > 1e-3),
      `positive weights that moved away from uniform: ${w}`,
    );
    assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) / 4 - 1) < 1e-12, `the weights average 1: ${w}`);

    const first = await diffluxInProcess(
      ["train", ...tiny, ...adaptive, "--steps", "12", "--out", "run"],
      dir,
    );
    assert.equal(first.code, 0, `first part: stderr: ${first.stderr}`);
    const second = await diffluxInProcess(
      ["train", ...tiny, ...adaptive, "--steps", "20", "--out", "run"],
      dir,
    );
    assert.equal(second.code, 0, `resumed part: stderr: ${second.stderr}`);
    assert.match(second.stdout, /^resumed at step 12, trained 8 steps/, "the second run resumes");
    assert.match(
      second.stdout,
      /learned loss weights over 4 time bins: lowest .* highest/,
      "reports the weights",
    );
    const weights = (d: string) => readFileSync(join(dir, d, "weights-20.safetensors"));
    assert.ok(
      weights("whole").equals(weights("run")),
      "bit-identical weights file (params, moments, EMA, θ)",
    );
    const losses = (d: string) => readFileSync(join(dir, d, "loss.csv"), "utf8");
    assert.equal(losses("run"), losses("whole"), "identical loss history");
    const config = JSON.parse(readFileSync(join(dir, "run", "config.json"), "utf8")) as { adaptive: unknown };
    assert.deepEqual(config.adaptive, { bins: 4, learningRate: 0.5 }, "the checkpoint records the config");

    const before = listing(join(dir, "run"));
    const other = await diffluxInProcess(
      ["train", ...tiny, "--weighting", "adaptive:bins=8,lr=0.5", "--steps", "30", "--out", "run"],
      dir,
    );
    assert.equal(other.code, 2, `a resume with other bins fails: ${other.stderr}`);
    assert.match(
      other.stderr,
      /^difflux train: --out: run holds a run started with other options \(--weighting was "adaptive:bins=4,lr=0\.5", now "adaptive:bins=8,lr=0\.5"\) — drop these options to resume it with its own \(train\.json\), or choose another --out\n$/,
      `one line naming the difference: ${other.stderr}`,
    );
    assert.deepEqual(listing(join(dir, "run")), before, "nothing is written");
  });

  const bad: readonly (readonly [string, string, RegExp])[] = [
    [
      "zero bins",
      "adaptive:bins=0",
      /--weighting: adaptiveTraining: adaptive bins must be a positive integer \(e\.g\. 32\), got 0/,
    ],
    ["fractional bins", "adaptive:bins=2.5", /--weighting: adaptive:bins needs an integer, got "bins=2\.5"/],
    [
      "a negative learning rate",
      "adaptive:lr=-1",
      /--weighting: adaptiveTraining: adaptive learningRate must be a finite number > 0 \(e\.g\. 1\), got -1/,
    ],
    [
      "an unknown parameter",
      "adaptive:gamma=5",
      /--weighting: adaptive takes bins, lr; got "gamma" — e\.g\. adaptive:bins=1/,
    ],
    [
      "a parameter without a number",
      "adaptive:bins=many",
      /--weighting: adaptive:bins needs an integer, got "bins=many"/,
    ],
  ];
  for (const [name, value, message] of bad) {
    it(`rejects ${name} in one line with exit code 2, writing nothing`, async () => {
      const before = listing(dir);
      const r = await diffluxInProcess(["train", ...tiny, "--weighting", value, "--out", "bad"], dir);
      assert.equal(r.code, 2, `exit code 2 expected, got ${r.code}; stderr: ${r.stderr}`);
      assert.match(r.stderr, message, `stderr names the problem and the fix: ${r.stderr}`);
      assert.match(
        r.stderr,
        /^difflux train: [^\n]+\n$/,
        `exactly one line on stderr: ${JSON.stringify(r.stderr)}`,
      );
      assert.deepEqual(listing(dir), before, "nothing is written");
    });
  }
});
