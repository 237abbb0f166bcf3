/**
 * Learned adaptive weights: softmax normalization, the documented gradient against finite differences
 * of the documented objective, convergence of the update rule to w ∝ 1/(bin mean loss), purity, specs.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  adaptiveWeighting,
  adaptiveWeightingGradient,
  adaptiveWeightingObjective,
  timeBin,
  updateAdaptiveWeighting,
} from "../../src/loss/adaptive.js";
import { trainingBatch } from "../../src/loss/batch.js";
import { logitNormalTime, uniformTime } from "../../src/loss/density.js";
import { weightingFromSpec } from "../../src/registry/losses.js";
import { uniformWeighting } from "../../src/loss/weighting.js";
import { affinePath } from "../../src/path/affine.js";
import { linearSchedule } from "../../src/schedule/linear.js";
import { Rng } from "../../src/random/rng.js";
import { assertClose } from "../helpers.js";

describe("adaptive weighting", () => {
  it("weights are K·softmax(θ) per time bin, averaging 1 over bins", () => {
    const w = adaptiveWeighting({ logWeights: [0, Math.log(3)] });
    assertClose(w.weight(0.2), 0.5, { rtol: 1e-15, message: "bin 0: 2·1/4" });
    assertClose(w.weight(0.7), 1.5, { rtol: 1e-15, message: "bin 1: 2·3/4" });
    assertClose(w.weight(1), 1.5, { rtol: 1e-15, message: "t = 1 falls in the last bin" });
    assertClose(w.weights, [0.5, 1.5], { rtol: 1e-15, message: "weights lists K·softmax(θ) per bin" });
    assert.equal(adaptiveWeighting().weight(0.3), 1, "default: 32 bins, uniform");
    assert.deepEqual(
      [timeBin(0, 4), timeBin(0.249, 4), timeBin(0.25, 4), timeBin(1, 4)],
      [0, 0, 1, 3],
      "bin edges",
    );
  });

  it("weights average to 1, ignore a common shift of θ and stay finite for |θ| up to 1e4 (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e4, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.double({ min: -500, max: 500, noNaN: true }),
        (theta, shift) => {
          const w = adaptiveWeighting({ logWeights: theta }).weights;
          const mean = w.reduce((a, b) => a + b, 0) / w.length;
          assert.ok(
            w.every((v) => Number.isFinite(v) && v >= 0),
            `weights ${Array.from(w)} must be finite and ≥ 0`,
          );
          assertClose(mean, 1, { rtol: 1e-12, message: "the bin weights average to 1" });
          const shifted = adaptiveWeighting({ logWeights: theta.map((x) => x + shift) }).weights;
          assertClose(shifted, w, { rtol: 1e-9, atol: 1e-300, message: "softmax ignores a common shift" });
        },
      ),
      { numRuns: 100 },
    );
  });

  it("the gradient is the derivative of J(θ) = mean(e^θ·ℓ − θ) (central differences)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const rng = new Rng(seed);
        const bins = 5;
        const w = adaptiveWeighting({ logWeights: Array.from({ length: bins }, () => rng.normal()) });
        const t = rng.fillUniform(new Float64Array(40));
        const loss = Float64Array.from({ length: 40 }, () => rng.uniform() * 3);
        const grad = adaptiveWeightingGradient(w, t, loss);
        for (let k = 0; k < bins; k++) {
          const h = 1e-5;
          const shifted = (d: number) =>
            adaptiveWeightingObjective(
              adaptiveWeighting({ logWeights: w.logWeights.map((x, j) => (j === k ? x + d : x)) }),
              t,
              loss,
            );
          assertClose(grad[k]!, (shifted(h) - shifted(-h)) / (2 * h), {
            rtol: 1e-6,
            atol: 1e-9,
            message: `∂J/∂θ_${k}`,
          });
        }
      }),
      { numRuns: 30 },
    );
  });

  it("the update rule converges to weights ∝ 1/(mean loss of the bin), so every bin contributes equally", () => {
    const bins = 4;
    const binLoss = [4, 1, 0.5, 0.25];
    let w = adaptiveWeighting({ bins });
    const rng = new Rng(3);
    const original = Float64Array.from(w.logWeights);
    for (let step = 0; step < 400; step++) {
      const t = rng.fillUniform(new Float64Array(256));
      const loss = Float64Array.from(t, (x) => binLoss[timeBin(x, bins)]! * (0.5 + rng.uniform()));
      w = updateAdaptiveWeighting(w, t, loss, { learningRate: 0.5 });
    }
    const inv = binLoss.map((l) => 1 / l);
    const norm = inv.reduce((a, b) => a + b, 0) / bins;
    for (let k = 0; k < bins; k++) {
      assertClose(w.weight((k + 0.5) / bins), inv[k]! / norm, { rtol: 0.05, message: `bin ${k}` });
      assertClose(w.logWeights[k]!, -Math.log(binLoss[k]!), { atol: 0.1, message: `θ_${k} → −log ℓ̄_k` });
    }
    assert.deepEqual(
      Array.from(adaptiveWeighting({ bins }).logWeights),
      Array.from(original),
      "updates do not mutate their input",
    );
  });

  it("plugs into trainingBatch as a time weighting: its weights are the uniform ones times w(t), with or without a proposal", () => {
    const w = adaptiveWeighting({ logWeights: [0.3, -1, 0.5, 2] });
    const path = affinePath(linearSchedule());
    const data = new Rng(1).fillNormal(new Float64Array(2 * 50));
    for (const proposal of [undefined, logitNormalTime()]) {
      const options = { kind: "velocity", timeDensity: uniformTime(), dim: 2, proposal } as const;
      const learned = trainingBatch(path, data, { ...options, weighting: w, rng: new Rng(7) });
      const uniform = trainingBatch(path, data, {
        ...options,
        weighting: uniformWeighting(),
        rng: new Rng(7),
      });
      assert.deepEqual(Array.from(learned.t), Array.from(uniform.t), "the same draws");
      assertClose(
        learned.weight,
        uniform.weight.map((u, i) => u * w.weight(uniform.t[i]!)),
        {
          rtol: 1e-15,
          message: `weight = uniform weight · w(t)${proposal ? " (with the importance ratio)" : ""}`,
        },
      );
    }
  });

  it("round-trips its spec and rejects bad input naming the fix", () => {
    const w = adaptiveWeighting({ logWeights: [0.1, -0.3, 2] });
    assert.deepEqual(weightingFromSpec(w.spec).spec, w.spec, "spec round trip");
    assert.throws(
      () => adaptiveWeighting({ bins: 3, logWeights: [0, 1] }),
      /adaptiveWeighting: logWeights has 2 entries but bins = 3/,
    );
    assert.throws(() => adaptiveWeighting({ bins: 0 }), /bins must be a positive integer/);
    const t = Float64Array.from([0.1, 0.9]);
    assert.throws(
      () => updateAdaptiveWeighting(w, t, Float64Array.from([1, -1]), { learningRate: 0.1 }),
      /loss\[1\] = -1; per-sample losses must be finite and ≥ 0/,
    );
    assert.throws(
      () => updateAdaptiveWeighting(w, t, Float64Array.from([1]), { learningRate: 0.1 }),
      /loss has length 1 but t has length 2/,
    );
    assert.throws(
      () => updateAdaptiveWeighting(w, t, t, { learningRate: 0 }),
      /learningRate must be a finite number > 0/,
    );
  });
});
