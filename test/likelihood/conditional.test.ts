/**
 * logLikelihood with conditioning: log p(x | c) of the class-conditional Gaussian mixture, through
 * its denoiser (finite-difference divergence, per-row step control, rows of several classes in one
 * batch), against each class's own mixture density; the same row alone gives the same number; and
 * conditioning that does not fit the batch is refused naming the option.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { classConditionalMixture } from "../../src/guidance/mixture.js";
import { logLikelihood } from "../../src/likelihood/logLikelihood.js";
import { affinePath } from "../../src/path/affine.js";
import { Rng } from "../../src/random/rng.js";
import { linearSchedule } from "../../src/schedule/linear.js";

const path = affinePath(linearSchedule());
const oracle = classConditionalMixture({
  weights: [0.3, 0.2, 0.5],
  means: [
    [-2, 0],
    [-1.5, 1.5],
    [2, 0.5],
  ],
  covariances: 0.25,
  classes: [0, 0, 1],
});
const model = oracle.denoiser(path);
const solver = { kind: "adaptive", rtol: 1e-7, atol: 1e-7 } as const;

describe("logLikelihood with conditioning", () => {
  it("gives log p(x | c) of each row's class, and log p(x) for label −1, in one batch", async () => {
    const x = oracle.mixture.sample(new Rng(4), 6);
    const labels = Int32Array.from([0, 1, -1, 1, 0, -1]);
    const r = await logLikelihood(model, x, { dim: 2, solver, condition: { labels } });
    for (let i = 0; i < labels.length; i++) {
      const row = x.subarray(2 * i, 2 * i + 2);
      const label = labels[i]!;
      const want = (label === -1 ? oracle.mixture : oracle.byClass[label]!).logProb(row)[0]!;
      const got = r.logLikelihood[i]!;
      assert.ok(Math.abs(got - want) < 1e-4, `row ${i} (label ${label}): ${got} vs exact ${want}`);
    }
    // Conditioning moves the density: class 1 has no mass near class 0's means.
    const left = Float64Array.from([-2, 0]);
    const both = await logLikelihood(model, Float64Array.from([...left, ...left]), {
      dim: 2,
      solver,
      condition: { labels: Int32Array.from([0, 1]) },
    });
    assert.ok(
      both.logLikelihood[0]! - both.logLikelihood[1]! > 10,
      "log p(x|0) ≫ log p(x|1) at class 0's mean",
    );
  });

  it("gives a row the same number alone as in a batch of other classes", async () => {
    const x = oracle.mixture.sample(new Rng(5), 4);
    const labels = Int32Array.from([1, 0, -1, 0]);
    const loose = { kind: "adaptive", rtol: 1e-3, atol: 1e-3 } as const;
    const all = await logLikelihood(model, x, { dim: 2, solver: loose, condition: { labels } });
    const alone = await logLikelihood(model, x.slice(2, 4), {
      dim: 2,
      solver: loose,
      condition: { labels: labels.slice(1, 2) },
    });
    assert.equal(alone.logLikelihood[0], all.logLikelihood[1], "row 1 alone and in the batch");
  });

  it("refuses conditioning that does not fit the batch, naming options.condition", async () => {
    await assert.rejects(
      logLikelihood(model, new Float64Array(4), { dim: 2, condition: { labels: Int32Array.from([0]) } }),
      /options\.condition.*1 entries for a batch of 2/,
    );
  });
});
