import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tour } from "../../examples/tour.js";
import { gaussianMixture } from "../../src/index.js";

describe("the README's API tour (examples/tour.ts)", () => {
  it("runs and computes what the README says it computes", async () => {
    const r = await tour();
    assert.ok(Math.abs(r.back - 0.3) < 1e-12, `timeAtLogSnr(logSnr(0.3)) = ${r.back}`);
    assert.ok(Math.abs(r.flowValue[0]! - 0.44443712) < 5e-9, `bridge flow ${r.flowValue[0]}`);
    assert.equal(r.sd.alphasCumprod.length, 1000, "SD table length");
    assert.equal(r.x.length, 2000, "1000 samples in 2-D");
    assert.equal(r.slices.length, 3, "three slices");
    assert.equal(r.batch.xt.length, 512, "a 256 × 2 batch");
    // The first 10 samples' log-likelihood under the flow path equals the mixture's own density at the data end.
    const mixture = gaussianMixture({
      weights: [0.5, 0.5],
      means: [
        [-2, 0],
        [2, 1],
      ],
      covariances: [0.1, 0.1],
    });
    const exact = mixture.logProb(r.x.subarray(0, 20));
    for (let i = 0; i < 10; i++)
      assert.ok(Math.abs(r.logp[i]! - exact[i]!) < 1e-3, `sample ${i}: ${r.logp[i]} vs ${exact[i]}`);
  });
});
